"""The large size's orders and quotes: headers, lines and the orders' history, copied.

As the sales services write them: totals are the sums of the lines' rounded amounts
(`line_amounts`), numbers come from the tenant's series in creation order (seeding/bulk.py),
an accepted quote's order carries the quote in its metadata and the quote the order, the
delivery address is the customer's, and the history has one row per move with who made it
(the roles the services' TRANSITIONS allow).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from tenant_apps.sales.models import Order, OrderLine, OrderStatusChange, Quote, QuoteLine

from .bulk import Bulk, Line, copy_rows, who

S, Q = Order.Status, Quote.Status
LINE_COLUMNS = ("id {document} position product_id description quantity unit unit_price"
                " discount vat_rate total_net total_vat total_gross")  # fmt: skip


def totals(lines: list[Line]) -> tuple[Decimal, Decimal, Decimal]:
    net = sum((line.amounts.net for line in lines), Decimal(0))
    vat = sum((line.amounts.vat for line in lines), Decimal(0))
    return net, vat, net + vat


def _line_row(bulk: Bulk, pk: uuid.UUID, document: uuid.UUID, position: int,
              line: Line) -> tuple[Any, ...]:  # fmt: skip
    product = bulk.product_ids[line.product] if line.product is not None else None
    return (pk, document, position, product, line.description, line.quantity, line.unit,
            line.unit_price, line.discount, line.vat_rate, line.amounts.net, line.amounts.vat,
            line.amounts.gross)  # fmt: skip


def _address(bulk: Bulk, customer: int) -> dict[str, str]:
    row = bulk.customer_rows[customer]
    parts = {"street": row["address_street"], "postal_code": row["address_postal_code"],
             "city": row["address_city"], "country": row["address_country"]}  # fmt: skip
    return {key: value for key, value in parts.items() if value}


def write_orders(bulk: Bulk) -> None:
    story, rng = bulk.story, bulk.rng
    for index, quote in enumerate(story.quotes):
        if quote.status == Q.ACCEPTED:
            by_customer = rng.random() < 0.3
            bulk.acceptor[index] = (bulk.customer_actor(quote.customer) if by_customer
                                    else bulk.staff.actor(quote.handler))  # fmt: skip
    columns = ("id number customer_id user_id notes metadata created_at updated_at total_net"
               " total_vat total_gross status delivery_date delivery_address tracking_number"
               " source")  # fmt: skip
    with copy_rows(Order, columns) as write:
        for index, plan in enumerate(story.orders):
            order_totals = totals(bulk.lines(plan))
            bulk.order_totals.append(order_totals)
            metadata: dict[str, str] = {}
            if plan.quote is not None:
                metadata = {"quote_id": str(bulk.quote_ids[plan.quote]),
                            "quote_number": bulk.quote_numbers[plan.quote]}  # fmt: skip
            handler = None if plan.portal else bulk.staff.user(plan.handler).pk
            write((bulk.order_ids[index], bulk.order_numbers[index],
                   bulk.customer_ids[plan.customer], handler, plan.notes, Jsonb(metadata),
                   plan.created_at, plan.last_change, *order_totals, plan.status,
                   plan.delivery_date, Jsonb(_address(bulk, plan.customer)), plan.tracking,
                   bulk.source(plan)))  # fmt: skip
    written = 0
    with copy_rows(OrderLine, LINE_COLUMNS.format(document="order_id")) as write:
        for index, plan in enumerate(story.orders):
            ids = bulk.line_ids[index]
            for position, line in enumerate(bulk.lines(plan), start=1):
                pk = bulk.new_id()
                ids.append(pk)
                write(_line_row(bulk, pk, bulk.order_ids[index], position, line))
                written += 1
    columns = "id order_id from_status to_status note actor_id actor_type actor_name created_at"
    with copy_rows(OrderStatusChange, columns) as write:
        for index, plan in enumerate(story.orders):
            order_id = bulk.order_ids[index]
            creator = bulk.creator(plan)
            write((bulk.new_id(), order_id, "", S.NEW, "", *who(creator), plan.created_at))
            previous: str = S.NEW
            for (status, at), actor in zip(plan.steps, bulk.movers(plan), strict=True):
                note = plan.cancel_note if status == S.CANCELLED else ""
                write((bulk.new_id(), order_id, previous, status, note, *who(actor), at))
                previous = status
    bulk.counts["order lines"] = written
    bulk.done(f"{len(story.orders)} orders with {written} lines and their history")


def write_quotes(bulk: Bulk) -> None:
    story = bulk.story
    columns = ("id number customer_id user_id notes metadata created_at updated_at total_net"
               " total_vat total_gross status valid_until sent_at accepted_at rejected_at"
               " rejection_reason order_id")  # fmt: skip
    with copy_rows(Quote, columns) as write:
        for index, plan in enumerate(story.quotes):
            quote_totals = totals(bulk.lines(plan))
            bulk.quote_totals.append(quote_totals)
            accepted = plan.decided_at if plan.status == Q.ACCEPTED else None
            rejected = plan.decided_at if plan.status == Q.REJECTED else None
            order = bulk.order_ids[plan.order] if plan.order is not None else None
            write((bulk.quote_ids[index], bulk.quote_numbers[index],
                   bulk.customer_ids[plan.customer], bulk.staff.user(plan.handler).pk,
                   plan.notes, Jsonb({}), plan.created_at, plan.last_change, *quote_totals,
                   plan.status, plan.valid_until, plan.sent_at, accepted, rejected, plan.reason,
                   order))  # fmt: skip
    with copy_rows(QuoteLine, LINE_COLUMNS.format(document="quote_id")) as write:
        for index, plan in enumerate(story.quotes):
            for position, line in enumerate(bulk.lines(plan), start=1):
                write(_line_row(bulk, bulk.new_id(), bulk.quote_ids[index], position, line))
    bulk.counts["quotes"] = len(story.quotes)
    bulk.done(f"{len(story.quotes)} quotes")
