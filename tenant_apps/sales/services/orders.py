"""Writes of orders: create, change lines while new, and the status machine.

new -> confirmed -> in_progress -> shipped -> delivered; cancelled from new, confirmed or
in_progress. Every transition is checked (from which state, by whom), written to the
history and sent as `order.<status>` in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import Actor
from dockpulse.errors import NotPermitted, StateConflict
from dockpulse.tenancy import tenant_atomic
from tenant_apps.accounts.models import User
from tenant_apps.customers.models import Customer
from tenant_apps.sales.models import DocumentType, Order, OrderStatusChange, Source

from .common import apply_changes, customer_address, recorded_name, store_lines
from .lines import LineInput, payload_items
from .numbering import next_number

S = Order.Status
STAFF = frozenset({"admin", "manager", "employee"})
MANAGERS = frozenset({"admin", "manager"})
SYSTEM = frozenset({"system"})

# from -> to -> who may make the move: a staff role, "customer" (their own orders only) or
# "system" (the platform itself: workflows, imports).
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    S.NEW: {S.CONFIRMED: MANAGERS | SYSTEM, S.CANCELLED: MANAGERS | SYSTEM | {"customer"}},
    S.CONFIRMED: {S.IN_PROGRESS: STAFF | SYSTEM, S.CANCELLED: MANAGERS | SYSTEM},
    S.IN_PROGRESS: {S.SHIPPED: STAFF | SYSTEM, S.CANCELLED: MANAGERS | SYSTEM},
    S.SHIPPED: {S.DELIVERED: STAFF | SYSTEM},
}


class Assignee(enum.Enum):
    ACTOR = "actor"


# A new document's default handler: the staff member who makes it (nobody for the system
# or a customer). `assigned_to=None` says "nobody" explicitly.
ASSIGN_ACTOR = Assignee.ACTOR
AssignedTo = User | None | Literal[Assignee.ACTOR]


@dataclass(frozen=True, slots=True)
class OrderInput:
    """A new order, cleaned (sales.inputs.order_input)."""

    customer: Customer
    lines: tuple[LineInput, ...]
    assigned_to: AssignedTo = ASSIGN_ACTOR
    notes: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    delivery_date: dt.date | None = None
    delivery_address: dict[str, str] | None = None  # None: the customer's address


class OrderChanges(TypedDict, total=False):
    """What changes on a new order (sales.inputs.order_changes); `lines` replaces them all."""

    customer: Customer
    assigned_to: User | None
    notes: str
    metadata: dict[str, Any]
    delivery_date: dt.date | None
    delivery_address: dict[str, str]
    lines: tuple[LineInput, ...]


def allowed_next(status: str) -> list[str]:
    return list(TRANSITIONS.get(status, {}))


def assignee_id(assigned_to: AssignedTo, actor: Actor) -> Any:
    if assigned_to is ASSIGN_ACTOR:
        return actor.id if actor.is_staff else None
    return assigned_to.pk if assigned_to is not None else None


def order_payload(order: Order, **extra: Any) -> dict[str, Any]:
    """What handlers need without reading the order again (SMS text, stock, webhooks)."""
    customer = order.customer
    return {
        "number": order.number, "status": order.status, "source": order.source,
        "customer_id": str(customer.id), "customer_name": customer.name,
        "customer_phone": customer.phone, "customer_email": customer.email,
        "total_net": str(order.total_net), "total_vat": str(order.total_vat),
        "total_gross": str(order.total_gross),
        "delivery_date": order.delivery_date.isoformat() if order.delivery_date else None,
        **extra,
    }  # fmt: skip


def _history(order: Order, *, from_status: str, to_status: str, note: str, actor: Actor) -> None:
    OrderStatusChange.objects.create(
        order=order, from_status=from_status, to_status=to_status, note=note,
        actor_id=actor.id, actor_type=actor.kind, actor_name=recorded_name(actor),
    )  # fmt: skip


def order_create(*, values: OrderInput, actor: Actor, source: str = Source.ADMIN) -> Order:
    """A new order, numbered, with its lines and totals; sends `order.created`."""
    address = values.delivery_address
    with tenant_atomic():
        number = next_number(
            DocumentType.ORDER, taken=lambda n: Order.objects.filter(number=n).exists()
        )
        order = Order(
            number=number,
            source=source,
            status=S.NEW,
            customer=values.customer,
            assigned_to_id=assignee_id(values.assigned_to, actor),
            notes=values.notes,
            metadata=values.metadata,
            delivery_date=values.delivery_date,
            delivery_address=customer_address(values.customer) if address is None else address,
        )
        order.save()
        rows = store_lines(order, values.lines)
        order.save(update_fields=["total_net", "total_vat", "total_gross"])
        _history(order, from_status="", to_status=S.NEW, note="", actor=actor)
        events.emit(
            event_type="order.created",
            source_module="orders",
            entity_type="order",
            entity_id=order.id,
            payload=order_payload(order, items=payload_items(rows)),
            actor=actor,
        )
    return order


def order_update(*, order: Order, changes: OrderChanges, actor: Actor) -> Order:
    """Change a new order's header or replace its lines; later states are fixed."""
    header = {k: v for k, v in changes.items() if k != "lines"}
    lines = changes.get("lines")
    with tenant_atomic():
        locked = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        if locked.status != S.NEW:
            raise StateConflict(
                _("Only new orders can be changed; this one is %(status)s.")
                % {"status": locked.get_status_display()},
                code="order_locked",
            )
        changed = apply_changes(locked, header, lines)
        if not changed:
            return locked
        events.emit(
            event_type="entity.updated",
            source_module="orders",
            entity_type="order",
            entity_id=locked.id,
            payload=order_payload(locked, changed=changed, items=payload_items(locked.lines.all())),
            actor=actor,
        )
    return locked


def _who(actor: Actor) -> str:
    """What TRANSITIONS calls the actor: their role when staff, else "customer"/"system"."""
    return (actor.role or "") if actor.is_staff else actor.kind


def _may_move(actor: Actor, order: Order, roles: frozenset[str]) -> bool:
    return _who(actor) in roles and not (actor.is_customer and order.customer_id != actor.id)


def order_moves(*, order: Order, actor: Actor) -> list[str]:
    """The statuses `actor` may move `order` to from its current one (the panel's buttons:
    exactly what order_transition would accept)."""
    moves = TRANSITIONS.get(order.status, {})
    return [to for to, roles in moves.items() if _may_move(actor, order, roles)]


def _stale(order: Order) -> StateConflict:
    """The order moved on since the user saw it: say to what, by whom and when."""
    last = order.history.order_by("-created_at").first()
    status = order.get_status_display()
    if last is None:
        message = _("Someone else already changed this order: it is now %(status)s. "
                    "Reload to see it.") % {"status": status}  # fmt: skip
    else:
        when = timezone.localtime(last.created_at)
        same_day = when.date() == timezone.localdate()
        moment = when.strftime("%H:%M") if same_day else date_format(when, "SHORT_DATETIME_FORMAT")
        message = _(
            "Someone else already changed this order: it is now %(status)s (%(who)s, %(when)s). "
            "Reload to see it."
        ) % {"status": status, "who": last.actor_name or _("the system"), "when": moment}
    return StateConflict(message, code="stale", status=order.status)


def order_transition(
    *,
    order: Order,
    to: str,
    actor: Actor,
    note: str = "",
    tracking_number: str = "",
    expected_status: str = "",
) -> Order:
    """Move the order to `to`; refused (nothing written) when the state or role forbids it.

    `expected_status` is the status the user saw: when the order has moved on since, the
    move is refused as stale (code "stale"), saying what happened, rather than applied to
    a state the user never saw.
    """
    if to not in S.values:
        raise ValidationError({"to": [_("Unknown status.")]})
    with tenant_atomic():
        locked = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        if expected_status and locked.status != expected_status:
            raise _stale(locked)
        moves = TRANSITIONS.get(locked.status, {})
        if to not in moves:
            raise StateConflict(
                _("An order that is %(status)s cannot become %(to)s.")
                % {"status": locked.get_status_display(), "to": S(to).label},
                code="invalid_transition",
                allowed=allowed_next(locked.status),
            )
        if not _may_move(actor, locked, moves[to]):
            raise NotPermitted(_("Your role cannot make this change."))
        if to == S.SHIPPED and not tracking_number:
            raise ValidationError({"tracking_number": [_("Enter the shipment's tracking number.")]})
        from_status = locked.status
        locked.status = to
        fields = ["status", "updated_at"]
        if tracking_number and to == S.SHIPPED:
            locked.tracking_number = tracking_number
            fields.append("tracking_number")
        locked.save(update_fields=fields)
        _history(locked, from_status=from_status, to_status=to, note=note, actor=actor)
        extra: dict[str, Any] = {"from": from_status, "to": to, "note": note}
        if to == S.SHIPPED:
            extra["tracking_number"] = locked.tracking_number
        if to == S.CANCELLED:
            extra["items"] = payload_items(locked.lines.all())
        events.emit(
            event_type=f"order.{to}",
            source_module="orders",
            entity_type="order",
            entity_id=locked.id,
            payload=order_payload(locked, **extra),
            actor=actor,
        )
    return locked
