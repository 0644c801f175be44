"""Stock: levels, receipts and adjustments, reservations on order events, release,
shipment, low-stock alerts, warehouses, the API's rules and isolation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connections
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dockpulse.actors import SYSTEM
from dockpulse.events.handlers import get_handler, handlers_for
from dockpulse.events.models import EventLog
from dockpulse.tenancy import tenant_atomic, tenant_context
from tenant_apps.configuration.models import TenantModule
from tenant_apps.products.models import Product
from tenant_apps.sales import services as sales
from tenant_apps.sales.inputs import order_changes, order_input
from tenant_apps.stock import services
from tenant_apps.stock.inputs import warehouse_input
from tenant_apps.stock.models import StockLevel, StockMovement, StockReservation, Warehouse
from tests.support import (
    HANDLER_OF,
    STOCK_URLS,
    assert_books_balance,
    browser_login,
    client_for,
    fields_of,
    handle,
    level_of,
    make_order,
    move,
    numbers,
    receive,
    seed,
    staff_user,
)

pytestmark = pytest.mark.django_db(databases="__all__")

D = Decimal


# --- helpers -----------------------------------------------------------------------------


def stock_events(tenant: Any, event_type: str) -> list[EventLog]:
    with tenant_context(tenant):
        return list(EventLog.objects.filter(event_type=event_type).order_by("created_at", "id"))


def writes(tenant: Any) -> tuple[Any, ...]:
    """Row counts, and every level's on_hand: equal before and after = nothing written."""
    with tenant_context(tenant):
        counts = [
            model.objects.count()
            for model in (Warehouse, StockLevel, StockMovement, StockReservation, EventLog)
        ]
        return (*counts, *StockLevel.objects.order_by("pk").values_list("on_hand", flat=True))


# --- registration ------------------------------------------------------------------------


def test_handlers_are_registered_for_the_order_events():
    for event_type, name in HANDLER_OF.items():
        event = EventLog(event_type=event_type, entity_type="order")
        assert name in [h.name for h in handlers_for(event)]
        registered = get_handler(name)
        assert registered.module == "@stock" and registered.kind == "db"


def test_the_default_warehouse_is_made_on_first_need_once_per_tenant(tenant_a, tenant_b):
    ids = set()
    for tenant in (tenant_a, tenant_b):
        with tenant_context(tenant):
            assert not Warehouse.objects.exists()  # nothing shared from the template
            default = services.warehouse_default()
            assert (default.code, default.is_default, default.is_active) == ("MAIN", True, True)
            assert services.warehouse_default() == default
            assert Warehouse.objects.count() == 1
            made = EventLog.objects.filter(entity_id=default.id, event_type="entity.created")
            assert made.count() == 1  # the audit trail says when it appeared
            ids.add(default.id)
    assert len(ids) == 2  # a fresh id in every tenant


# --- receipts and adjustments ------------------------------------------------------------


def test_receive_adjust_and_read_levels_and_movements(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    received = manager.post("/api/v1/stock/receive/", {
        "product": str(data["P1"].id), "quantity": "10", "reason": "Delivery",
        "reference": "WZ/1/2026",
    }, format="json")  # fmt: skip
    assert received.status_code == 201, received.content
    body = received.json()
    assert body["movement"]["kind"] == "receipt"
    assert body["movement"]["on_hand_change"] == "10.000"
    assert body["movement"]["reference"] == "WZ/1/2026"
    assert body["movement"]["actor_name"] == "Manager"
    level = body["level"]
    assert (level["on_hand"], level["reserved"], level["available"]) == (
        "10.000", "0.000", "10.000",
    )  # fmt: skip
    assert level["warehouse_code"] == "MAIN" and level["product"] == str(data["P1"].id)

    adjusted = manager.post("/api/v1/stock/adjust/", {
        "product": str(data["P1"].id), "quantity": "-2.5", "reason": "Damaged in transport",
    }, format="json")  # fmt: skip
    assert adjusted.status_code == 201, adjusted.content
    assert adjusted.json()["level"]["on_hand"] == "7.500"
    up = manager.post("/api/v1/stock/adjust/", {
        "product": str(data["P1"].id), "quantity": "0.5", "reason": "Stocktake",
    }, format="json")  # fmt: skip
    assert up.json()["level"]["available"] == "8.000"

    levels = manager.get("/api/v1/stock/levels/", {"product": str(data["P1"].id)}).json()
    assert levels["count"] == 1
    assert {k: levels["results"][0][k] for k in ("on_hand", "reserved", "available")} == {
        "on_hand": "8.000", "reserved": "0.000", "available": "8.000",
    }  # fmt: skip
    one = manager.get(f"/api/v1/stock/levels/{levels['results'][0]['id']}/").json()
    assert one["product_code"] == "P1" and one["unit"] == "szt"

    movements = manager.get("/api/v1/stock/movements/", {"product": str(data["P1"].id)}).json()
    assert [m["kind"] for m in movements["results"]] == ["adjustment", "adjustment", "receipt"]
    assert [m["on_hand_after"] for m in movements["results"]] == ["8.000", "7.500", "10.000"]
    assert movements["results"][1]["reason"] == "Damaged in transport"
    only = manager.get("/api/v1/stock/movements/", {"kind": "receipt"}).json()
    assert only["count"] == 1
    assert manager.get(f"/api/v1/stock/movements/{only['results'][0]['id']}/").status_code == 200

    updates = stock_events(tenant_a, "stock.updated")
    assert len(updates) == 3
    assert updates[0].payload["on_hand"] == "10.000" and updates[0].payload["kinds"] == ["receipt"]
    assert updates[0].entity_type == "stock_level" and updates[0].source_module == "stock"
    assert_books_balance(tenant_a)


def test_bad_operations_are_400_per_field_and_write_nothing(tenant_a, tenant_b):
    data = seed(tenant_a)
    other = seed(tenant_b)
    manager = client_for(tenant_a, "manager")
    receive(tenant_a, data["P1"], "5")
    order = make_order(tenant_a, data, (data["P1"], "4"))
    handle(tenant_a, order)  # 4 of the 5 are held
    with tenant_context(tenant_a):
        inactive = services.warehouse_create(
            values=warehouse_input({"code": "OLD", "name": "Old", "is_active": False}),
            actor=SYSTEM,
        )
    before = writes(tenant_a)
    p1 = str(data["P1"].id)

    def post(path: str, **body: Any) -> dict:
        return fields_of(manager.post(f"/api/v1/stock/{path}/", body, format="json"))

    assert post("receive", product=p1, quantity="-3", reason="x") == {
        "quantity": ["The quantity must be greater than zero."]
    }
    assert post("receive", product=p1, quantity="0", reason="x") == {
        "quantity": ["The quantity must be greater than zero."]
    }
    assert post("receive", product=p1, quantity="1.0001", reason="x") == {
        "quantity": ["Enter a quantity with at most three decimal places."]
    }
    assert post("adjust", product=p1, quantity="lots", reason=" ") == {
        "quantity": ["Enter a quantity such as 2 or 1.5."],
        "reason": ["Give the reason for this change."],
    }
    assert post("adjust", product=p1, quantity="-6", reason="lost") == {
        "quantity": ["This would take the stock below zero: 5.000 on hand."]
    }
    assert post("adjust", product=p1, quantity="-2", reason="lost") == {
        "quantity": ["Orders hold 4.000 of this stock: at most 1.000 can be removed."]
    }
    assert post("adjust", product=p1, quantity="0", reason="x") == {
        "quantity": ["Enter a change other than zero (negative to remove stock)."]
    }
    # A product with no stock anywhere cannot go below zero either (and no level appears).
    assert post("adjust", product=str(data["P2"].id), quantity="-1", reason="x") == {
        "quantity": ["This would take the stock below zero: 0.000 on hand."]
    }
    # Unknown ids: another tenant's product and warehouse do not exist here.
    with tenant_context(tenant_b):
        b_default = services.warehouse_default()
    assert post("receive", product=str(other["P1"].id), quantity="1", reason="x",
                warehouse=str(b_default.id)) == {
        "product": ["There is no such product."], "warehouse": ["There is no such warehouse."],
    }  # fmt: skip
    assert post("receive", product="not-an-id", quantity="1", reason="x", warehouse="nope") == {
        "product": ["There is no such product."], "warehouse": ["There is no such warehouse."],
    }  # fmt: skip
    assert post("receive", product=p1, quantity="1", reason="x", warehouse=str(inactive.id)) == {
        "warehouse": ["This warehouse is not active."]
    }
    assert post("adjust", quantity="1") == {
        "product": ["This field is required."], "reason": ["This field is required."],
    }  # fmt: skip
    assert post("adjust", product=p1, quantity="1", reason="x", colour="red") == {
        "colour": ["Unknown field."]
    }
    assert writes(tenant_a) == before
    assert_books_balance(tenant_a)


def test_a_receipt_needs_no_reason_but_an_adjustment_does(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    p1 = str(data["P1"].id)

    def post(path: str, **body: Any) -> Any:
        return manager.post(f"/api/v1/stock/{path}/", body, format="json")

    left_out = post("receive", product=p1, quantity="3", reference="WZ/7/2026")
    assert left_out.status_code == 201, left_out.content
    assert left_out.json()["movement"]["reason"] == ""
    assert left_out.json()["level"]["on_hand"] == "3.000"
    blank = post("receive", product=p1, quantity="2", reason="")
    assert blank.status_code == 201, blank.content
    assert blank.json()["level"]["on_hand"] == "5.000"

    before = writes(tenant_a)
    assert fields_of(post("adjust", product=p1, quantity="-1")) == {
        "reason": ["This field is required."]
    }
    for reason in ("", "   "):
        assert fields_of(post("adjust", product=p1, quantity="-1", reason=reason)) == {
            "reason": ["Give the reason for this change."]
        }
    assert writes(tenant_a) == before
    levels = manager.get("/api/v1/stock/levels/", {"product": p1}).json()["results"]
    assert [level["on_hand"] for level in levels] == ["5.000"]
    assert_books_balance(tenant_a)


def test_the_database_refuses_what_the_services_never_do(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "3")
    with tenant_context(tenant_a):
        level = StockLevel.objects.get(product=data["P1"])
        for change in ({"reserved": F("on_hand") + 1}, {"reserved": -1}, {"on_hand": -1}):
            with pytest.raises(IntegrityError), tenant_atomic():
                StockLevel.objects.filter(pk=level.pk).update(**change)
        with pytest.raises(IntegrityError), tenant_atomic():
            Warehouse.objects.create(code="SECOND", name="Second", is_default=True)
        # The ledger is append-only.
        with pytest.raises(IntegrityError), tenant_atomic():
            StockMovement.objects.filter(stock_level=level).update(reason="rewritten")
        with pytest.raises(IntegrityError), tenant_atomic():
            StockMovement.objects.filter(stock_level=level).delete()
        assert StockMovement.objects.get(stock_level=level).reason == "delivery"


# --- reservations ------------------------------------------------------------------------


def test_order_created_reserves_backorders_the_rest_and_shows_it_on_the_lines(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    receive(tenant_a, data["P1"], "5")
    order = make_order(
        tenant_a, data, (data["P1"], "3"), (data["P2"], "2"), ("Transport", "1"),
        (data["P1"], "4"), actor=staff_user(tenant_a),
    )  # fmt: skip
    lines = manager.get(f"/api/v1/orders/{order.id}/").json()["lines"]
    # Not handled yet: stock has said nothing about the lines.
    assert [(x["reserved"], x["backordered"], x["stock_status"]) for x in lines] == [
        (None, None, None)
    ] * 4

    handle(tenant_a, order)
    lines = manager.get(f"/api/v1/orders/{order.id}/").json()["lines"]
    assert [(x["reserved"], x["backordered"]) for x in lines] == [
        ("3.000", "0.000"),  # P1: 3 of 5
        ("0.000", "2.000"),  # P2: no stock level in the default warehouse
        (None, None),  # free text: not a product
        ("2.000", "2.000"),  # P1 again: the 2 left, 2 backordered
    ]
    assert lines[0]["stock_status"] == "active"
    assert numbers(level_of(tenant_a, data["P1"])) == (D(5), D(5), D(0))

    (reserved,) = stock_events(tenant_a, "stock.reserved")
    assert reserved.entity_id == order.id and reserved.entity_type == "order"
    assert reserved.payload["fully_reserved"] is False
    assert reserved.payload["number"] == order.number
    assert [(i["reserved"], i["backordered"]) for i in reserved.payload["items"]] == [
        ("3.000", "0.000"), ("0.000", "2.000"), ("2.000", "2.000"),
    ]  # fmt: skip
    assert reserved.actor_type == "staff"
    with tenant_context(tenant_a):
        movement = StockMovement.objects.filter(kind="reservation").first()
        assert movement is not None
        assert (movement.reference, movement.reason, movement.actor_name) == (
            order.number, "order.created", "Manager",
        )  # fmt: skip
    assert_books_balance(tenant_a)


def test_handling_the_same_order_created_twice_reserves_once(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "10")
    order = make_order(tenant_a, data, (data["P1"], "4"))
    handle(tenant_a, order)
    before = writes(tenant_a)
    handle(tenant_a, order)
    handle(tenant_a, order)
    assert writes(tenant_a) == before
    assert numbers(level_of(tenant_a, data["P1"])) == (D(10), D(4), D(6))
    assert len(stock_events(tenant_a, "stock.reserved")) == 1
    assert_books_balance(tenant_a)


def test_cancel_releases_and_shipment_consumes(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "10")
    receive(tenant_a, data["P3"], "2")
    kept = make_order(tenant_a, data, (data["P1"], "3"), (data["P3"], "2"))
    dropped = make_order(tenant_a, data, (data["P1"], "5"))
    for order in (kept, dropped):
        handle(tenant_a, order)
    assert numbers(level_of(tenant_a, data["P1"])) == (D(10), D(8), D(2))

    move(tenant_a, dropped, "cancelled")
    handle(tenant_a, dropped, "order.cancelled")
    handle(tenant_a, dropped, "order.cancelled")  # replayed: nothing more
    assert numbers(level_of(tenant_a, data["P1"])) == (D(10), D(3), D(7))
    with tenant_context(tenant_a):
        assert set(
            StockReservation.objects.filter(order=dropped).values_list("status", flat=True)
        ) == {"released"}

    move(tenant_a, kept, "confirmed", "in_progress", "shipped")
    handle(tenant_a, kept, "order.shipped")
    handle(tenant_a, kept, "order.shipped")  # replayed: nothing more
    assert numbers(level_of(tenant_a, data["P1"])) == (D(7), D(0), D(7))
    assert numbers(level_of(tenant_a, data["P3"])) == (D(0), D(0), D(0))
    with tenant_context(tenant_a):
        assert set(
            StockReservation.objects.filter(order=kept).values_list("status", flat=True)
        ) == {"consumed"}
        kinds = sorted(StockMovement.objects.values_list("kind", flat=True))
    assert kinds == ["receipt", "receipt", "release", "reservation", "reservation",
                     "reservation", "shipment", "shipment"]  # fmt: skip
    manager = client_for(tenant_a, "manager")
    lines = manager.get(f"/api/v1/orders/{kept.id}/").json()["lines"]
    assert [(x["reserved"], x["backordered"], x["stock_status"]) for x in lines] == [
        ("0.000", "0.000", "consumed")
    ] * 2
    # A cancelled order's created event handled late reserves nothing.
    handle(tenant_a, dropped)
    assert numbers(level_of(tenant_a, data["P1"])) == (D(7), D(0), D(7))
    assert_books_balance(tenant_a)


def test_shipment_takes_what_arrived_after_the_order_and_reserves_if_never_reserved(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "1")
    short = make_order(tenant_a, data, (data["P1"], "3"))
    handle(tenant_a, short)  # 1 reserved, 2 backordered
    receive(tenant_a, data["P1"], "5")
    never = make_order(tenant_a, data, (data["P1"], "2"))  # order.created not handled
    move(tenant_a, short, "confirmed", "in_progress", "shipped")
    move(tenant_a, never, "confirmed", "in_progress", "shipped")
    handle(tenant_a, short, "order.shipped")
    handle(tenant_a, never, "order.shipped")
    assert numbers(level_of(tenant_a, data["P1"])) == (D(1), D(0), D(1))
    handle(tenant_a, never)  # its order.created, handled at last: nothing to do
    with tenant_context(tenant_a):
        rows = {r.order_id: r for r in StockReservation.objects.all()}
        assert (rows[short.id].quantity, rows[short.id].backordered) == (D(3), D(0))
        assert rows[never.id].status == "consumed" and rows[never.id].quantity == D(2)
    assert_books_balance(tenant_a)


def test_replaced_lines_of_a_new_order_are_released_and_reserved_again(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "10")
    order = make_order(tenant_a, data, (data["P1"], "4"))
    handle(tenant_a, order)
    with tenant_context(tenant_a):
        sales.order_update(order=order, changes=order_changes({"lines": [
            {"product": data["P1"].id, "quantity": "1"},
            {"product": data["P3"].id, "quantity": "2"},
        ]}), actor=SYSTEM)  # fmt: skip
    assert numbers(level_of(tenant_a, data["P1"])) == (D(10), D(4), D(6))  # not handled yet
    handle(tenant_a, order, "entity.updated")
    handle(tenant_a, order, "entity.updated")
    assert numbers(level_of(tenant_a, data["P1"])) == (D(10), D(1), D(9))
    with tenant_context(tenant_a):
        statuses = sorted(
            StockReservation.objects.filter(order=order).values_list(
                "status", "quantity", "backordered"
            )
        )
    assert statuses == [("active", D(0), D(2)), ("active", D(1), D(0)), ("released", D(4), D(0))]
    # Other entity updates are none of stock's business.
    with tenant_context(tenant_a):
        sales.order_update(
            order=order, changes=order_changes({"notes": "call first"}), actor=SYSTEM
        )
    before = writes(tenant_a)
    handle(tenant_a, order, "entity.updated")
    assert writes(tenant_a) == before
    assert_books_balance(tenant_a)


def test_a_line_in_another_unit_than_the_product_is_not_taken_from_stock(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P2"], "100")  # kilograms
    with tenant_context(tenant_a):
        order = sales.order_create(values=order_input({"customer": data["customer"].id, "lines": [
            {"product": data["P2"].id, "quantity": "1", "unit": "t"},
        ]}), actor=SYSTEM)  # fmt: skip
    handle(tenant_a, order)
    assert numbers(level_of(tenant_a, data["P2"])) == (D(100), D(0), D(100))
    with tenant_context(tenant_a):
        reservation = StockReservation.objects.filter(order=order).get()
    assert (reservation.quantity, reservation.backordered) == (D(0), D(1))


# --- low stock ---------------------------------------------------------------------------


def test_stock_low_once_per_downward_crossing(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    receive(tenant_a, data["P1"], "10")
    level = level_of(tenant_a, data["P1"])
    patched = manager.patch(f"/api/v1/stock/levels/{level.id}/", {"low_stock_threshold": "3"},
                            format="json")  # fmt: skip
    assert patched.status_code == 200 and patched.json()["low_stock_threshold"] == "3.000"
    assert stock_events(tenant_a, "stock.low") == []

    for _ in range(9):  # available 10 -> 1: below 3 from the 8th on
        handle(tenant_a, make_order(tenant_a, data, (data["P1"], "1")))
    lows = stock_events(tenant_a, "stock.low")
    assert len(lows) == 1
    assert lows[0].payload["available"] == "2.000"
    assert lows[0].payload["low_stock_threshold"] == "3.000"
    assert lows[0].payload["product_code"] == "P1"
    assert manager.get("/api/v1/stock/levels/", {"low": "true"}).json()["count"] == 1
    assert manager.get("/api/v1/stock/levels/", {"low": "false"}).json()["count"] == 0
    assert manager.get(f"/api/v1/stock/levels/{level.id}/").json()["is_low"] is True

    receive(tenant_a, data["P1"], "5")  # available 6: above again, no alert upwards
    assert len(stock_events(tenant_a, "stock.low")) == 1
    with tenant_context(tenant_a):
        for change in ("-2", "-2", "-1"):  # 4: not low; 2: crossed; 1: still low
            services.stock_adjust(
                product=data["P1"], quantity=D(change), reason="broken", actor=SYSTEM
            )
    assert len(stock_events(tenant_a, "stock.low")) == 2
    # A threshold of 0 is off.
    manager.patch(f"/api/v1/stock/levels/{level.id}/", {"low_stock_threshold": "0"},
                  format="json")  # fmt: skip
    assert manager.get("/api/v1/stock/levels/", {"low": "1"}).json()["count"] == 0
    bad = manager.patch(f"/api/v1/stock/levels/{level.id}/", {"low_stock_threshold": "-1"},
                        format="json")  # fmt: skip
    assert fields_of(bad) == {"low_stock_threshold": ["The threshold cannot be negative."]}
    assert_books_balance(tenant_a)


# --- warehouses --------------------------------------------------------------------------


def test_warehouses_one_default_moves_and_reservations_come_from_it(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    main = manager.get("/api/v1/warehouses/").json()["results"]
    assert [(w["code"], w["is_default"]) for w in main] == [("MAIN", True)]
    created = manager.post("/api/v1/warehouses/", {"code": "krk", "name": "Kraków"},
                           format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    krk = created.json()
    assert (krk["code"], krk["is_default"], krk["is_active"]) == ("KRK", False, True)
    clash = manager.post("/api/v1/warehouses/", {"code": "KRK", "name": ""}, format="json")
    assert fields_of(clash) == {
        "code": ["Another warehouse has this code."], "name": ["Enter the warehouse name."],
    }  # fmt: skip

    receive(tenant_a, data["P1"], "5", warehouse=krk["id"])
    order = make_order(tenant_a, data, (data["P1"], "2"))
    handle(tenant_a, order)  # MAIN has no P1: fully backordered
    with tenant_context(tenant_a):
        assert StockReservation.objects.filter(order=order).get().backordered == D(2)

    url = f"/api/v1/warehouses/{krk['id']}/"
    assert manager.patch(url, {"is_default": True}, format="json").json()["is_default"] is True
    listed = manager.get("/api/v1/warehouses/").json()["results"]
    assert [(w["code"], w["is_default"]) for w in listed] == [("KRK", True), ("MAIN", False)]
    handle(tenant_a, make_order(tenant_a, data, (data["P1"], "2")))
    levels = manager.get("/api/v1/stock/levels/", {"warehouse": krk["id"]}).json()["results"]
    assert (levels[0]["on_hand"], levels[0]["reserved"]) == ("5.000", "2.000")

    assert fields_of(manager.patch(url, {"is_default": False}, format="json")) == {
        "is_default": ["Make another warehouse the default instead."]
    }
    assert fields_of(manager.patch(url, {"is_active": False}, format="json")) == {
        "is_active": ["The default warehouse cannot be inactive."]
    }
    refused = manager.delete(url)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "default_warehouse"
    main_url = f"/api/v1/warehouses/{main[0]['id']}/"
    assert manager.delete(main_url).status_code == 204  # no stock records there
    manager.patch(url, {"name": "Kraków, Nowa Huta"}, format="json")
    with tenant_context(tenant_a):
        assert Warehouse.objects.get(is_default=True).name == "Kraków, Nowa Huta"
    assert_books_balance(tenant_a)


# --- modules, roles, isolation, query counts ---------------------------------------------


def test_stock_module_off_reserves_nothing_and_answers_404(tenant_a):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "10")
    admin = client_for(tenant_a, "admin")
    with tenant_context(tenant_a):
        TenantModule.objects.filter(module_code="@stock").update(is_enabled=False)
    order = make_order(tenant_a, data, (data["P1"], "2"))
    before = writes(tenant_a)
    handle(tenant_a, order)
    move(tenant_a, order, "cancelled")
    handle(tenant_a, order, "order.cancelled")
    assert writes(tenant_a)[:4] == before[:4]  # (the cancel itself wrote an event)
    for url in STOCK_URLS:
        assert admin.get(url).status_code == 404
    body = {"product": str(data["P1"].id), "quantity": "1", "reason": "x"}
    assert admin.post("/api/v1/stock/receive/", body, format="json").status_code == 404
    assert admin.post("/api/v1/stock/adjust/", body, format="json").status_code == 404
    lines = admin.get(f"/api/v1/orders/{order.id}/").json()["lines"]
    assert (lines[0]["reserved"], lines[0]["backordered"]) == (None, None)


@pytest.mark.parametrize(
    ("role", "can_write"), [("admin", True), ("manager", True), ("employee", False)]
)
def test_role_matrix_for_stock(tenant_a, role, can_write):
    data = seed(tenant_a)
    receive(tenant_a, data["P1"], "3")
    client = client_for(tenant_a, role)
    for url in STOCK_URLS:
        assert client.get(url).status_code == 200
    level = level_of(tenant_a, data["P1"])
    assert client.get(f"/api/v1/stock/levels/{level.id}/").status_code == 200
    body = {"product": str(data["P1"].id), "quantity": "1", "reason": "x"}
    expected = 201 if can_write else 403
    # Every staff role receives deliveries (the matrix's `receive`); only managers and
    # admins adjust (write stock off), set thresholds and change warehouses.
    assert client.post("/api/v1/stock/receive/", body, format="json").status_code == 201
    assert client.post("/api/v1/stock/adjust/", body, format="json").status_code == expected
    assert client.post("/api/v1/warehouses/", {"code": "W2", "name": "Two"},
                       format="json").status_code == expected  # fmt: skip
    assert client.patch(f"/api/v1/stock/levels/{level.id}/", {"low_stock_threshold": "1"},
                        format="json").status_code == (200 if can_write else 403)  # fmt: skip
    assert Client(HTTP_HOST="tenant-a.localhost").get(STOCK_URLS[0]).status_code == 401


def test_tenant_a_cannot_read_or_change_tenant_b_stock(tenant_a, tenant_b):
    data_b = seed(tenant_b)
    seed(tenant_a)
    movement = receive(tenant_b, data_b["P1"], "7")
    level_b = level_of(tenant_b, data_b["P1"])
    with tenant_context(tenant_b):
        warehouse_b = services.warehouse_create(
            values=warehouse_input({"code": "B2", "name": "B two"}), actor=SYSTEM
        )
        default_b = Warehouse.objects.get(is_default=True)
    client_a = client_for(tenant_a, "admin")
    before_b = writes(tenant_b)

    assert client_a.get(f"/api/v1/stock/levels/{level_b.id}/").status_code == 404
    assert client_a.patch(f"/api/v1/stock/levels/{level_b.id}/", {"low_stock_threshold": "9"},
                          format="json").status_code == 404  # fmt: skip
    assert client_a.get(f"/api/v1/stock/movements/{movement.id}/").status_code == 404
    for warehouse in (warehouse_b, default_b):
        url = f"/api/v1/warehouses/{warehouse.id}/"
        assert client_a.get(url).status_code == 404
        assert client_a.patch(url, {"name": "mine"}, format="json").status_code == 404
        assert client_a.delete(url).status_code == 404
    for url in STOCK_URLS:
        ids = {row["id"] for row in client_a.get(url).json()["results"]}
        assert not ids & {str(level_b.id), str(movement.id), str(warehouse_b.id),
                          str(default_b.id)}  # fmt: skip
    assert (
        client_a.get("/api/v1/stock/levels/", {"product": str(data_b["P1"].id)}).json()["count"]
        == 0
    )
    for path in ("receive", "adjust"):
        refused = client_a.post(f"/api/v1/stock/{path}/", {
            "product": str(data_b["P1"].id), "quantity": "1", "reason": "x",
            "warehouse": str(warehouse_b.id),
        }, format="json")  # fmt: skip
        assert set(fields_of(refused)) == {"product", "warehouse"}
    # A's token on B's host is refused outright.
    token = client_a._credentials["HTTP_AUTHORIZATION"]  # type: ignore[attr-defined]
    from rest_framework.test import APIClient

    stranger = APIClient(HTTP_HOST="tenant-b.localhost", HTTP_AUTHORIZATION=token)
    assert stranger.get(f"/api/v1/stock/levels/{level_b.id}/").status_code == 401
    body = {"product": str(data_b["P1"].id), "quantity": "1", "reason": "x"}
    assert stranger.post("/api/v1/stock/receive/", body, format="json").status_code == 401
    assert writes(tenant_b) == before_b
    assert numbers(level_of(tenant_b, data_b["P1"])) == (D(7), D(0), D(7))


def _count(client: Any, tenant: Any, url: str) -> int:
    with CaptureQueriesContext(connections[tenant.alias]) as queries:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200
    return len(queries)


def test_stock_lists_keep_a_constant_number_of_queries(tenant_a):
    data = seed(tenant_a)
    manager = client_for(tenant_a, "manager")
    counts: dict[str, list[int]] = {url: [] for url in [*STOCK_URLS, "/api/v1/orders/"]}
    made = 0
    for total in (5, 50):
        with tenant_context(tenant_a):
            for i in range(made, total):
                product = Product.objects.create(code=f"Q{i:03d}", name=f"Q {i}", price=D(1))
                services.stock_receive(product=product, quantity=D(2), reason="count",
                                       actor=SYSTEM)  # fmt: skip
                if i:  # the default warehouse plus (total - 1) more
                    services.warehouse_create(values=warehouse_input(
                        {"code": f"W{i:03d}", "name": f"W {i}"}), actor=SYSTEM)  # fmt: skip
                order = sales.order_create(values=order_input({
                    "customer": data["customer"].id, "lines": [
                        {"product": product.id, "quantity": "1"},
                        {"product": product.id, "quantity": "3"}],
                }), actor=SYSTEM)  # fmt: skip
                services.stock_reserve_order(order_id=order.id, actor=SYSTEM)
        made = total
        for url in counts:
            counts[url].append(_count(manager, tenant_a, url))
    assert manager.get("/api/v1/stock/levels/").json()["count"] == 50
    assert manager.get("/api/v1/stock/movements/?page_size=200").json()["count"] == 150
    assert manager.get("/api/v1/warehouses/").json()["count"] == 50
    for url, (five, fifty) in counts.items():
        assert five == fifty, (url, five, fifty)


# --- admin -------------------------------------------------------------------------------


def test_admin_receipts_go_through_the_service_and_the_ledger_is_read_only(tenant_a):
    data = seed(tenant_a)
    client = browser_login()
    form = {"operation": "receipt", "product": str(data["P1"].id), "warehouse": "",
            "quantity": "-4", "reason": "delivery", "reference": ""}  # fmt: skip
    bad = client.post("/admin/stock/stockmovement/add/", form)
    assert bad.status_code == 200
    assert "The quantity must be greater than zero." in bad.content.decode()
    good = client.post("/admin/stock/stockmovement/add/", {**form, "quantity": "4"})
    assert good.status_code == 302, good.content.decode()[:3000]
    level = level_of(tenant_a, data["P1"])
    assert level.on_hand == D(4)
    assert len(stock_events(tenant_a, "stock.updated")) == 1
    with tenant_context(tenant_a):
        movement = StockMovement.objects.get()
    page = client.get(f"/admin/stock/stockmovement/{movement.pk}/change/")
    assert page.status_code == 200 and 'name="reason"' not in page.content.decode()
    for url in ("/admin/stock/stocklevel/", "/admin/stock/stockmovement/",
                "/admin/stock/stockreservation/", "/admin/stock/warehouse/"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    changed = client.post(f"/admin/stock/stocklevel/{level.pk}/change/",
                          {"low_stock_threshold": "2"})  # fmt: skip
    assert changed.status_code == 302
    assert level_of(tenant_a, data["P1"]).low_stock_threshold == D(2)
    assert_books_balance(tenant_a)
