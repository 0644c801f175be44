"""Writes of orders: create, change lines while new, and the status machine.

new -> confirmed -> in_progress -> shipped -> delivered; cancelled from new, confirmed or
in_progress. Every transition is checked (from which state, by whom), written to the
history and sent as `order.<status>` in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.errors import StateConflict
from dockpulse.tenancy import tenant_atomic
from tenant_apps.sales.models import DocumentType, Order, OrderStatusChange, Source

from . import lines as line_rules
from .common import (
    actor_name,
    actor_role,
    actor_type,
    apply_changes,
    clean_header,
    customer_address,
    store_lines,
)
from .numbering import next_number

S = Order.Status
STAFF = frozenset({"admin", "manager", "employee"})
MANAGERS = frozenset({"admin", "manager"})
SYSTEM = frozenset({"system"})

# from -> to -> who may make the move ("system" is the platform itself: workflows, imports).
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    S.NEW: {S.CONFIRMED: MANAGERS | SYSTEM, S.CANCELLED: MANAGERS | SYSTEM | {"customer"}},
    S.CONFIRMED: {S.IN_PROGRESS: STAFF | SYSTEM, S.CANCELLED: MANAGERS | SYSTEM},
    S.IN_PROGRESS: {S.SHIPPED: STAFF | SYSTEM, S.CANCELLED: MANAGERS | SYSTEM},
    S.SHIPPED: {S.DELIVERED: STAFF | SYSTEM},
}
HEADER_FIELDS = {"customer", "assigned_to", "notes", "metadata", "delivery_date",
                 "delivery_address"}  # fmt: skip


def allowed_next(status: str) -> list[str]:
    return list(TRANSITIONS.get(status, {}))


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


def _history(order: Order, *, from_status: str, to_status: str, note: str, actor: Any) -> None:
    OrderStatusChange.objects.create(
        order=order, from_status=from_status, to_status=to_status, note=note,
        actor_id=getattr(actor, "pk", None), actor_type=actor_type(actor),
        actor_name=actor_name(actor),
    )  # fmt: skip


def order_create(
    *,
    data: dict[str, Any],
    actor: Any = None,
    source: str = Source.ADMIN,
    prepared_lines: list[dict[str, Any]] | None = None,
) -> Order:
    """A new order, numbered, with its lines and totals; sends `order.created`.

    `prepared_lines` are lines already checked and priced (a quote's, copied as they are).
    """
    errors: list[ValidationError] = []
    header: dict[str, Any] = {}
    try:
        header = clean_header(data, allowed=HEADER_FIELDS)
    except ValidationError as exc:
        errors.append(exc)
    if "customer" not in data:
        errors.append(ValidationError({"customer": [_("This field is required.")]}))
    cleaned_lines = prepared_lines
    if cleaned_lines is None:
        try:
            cleaned_lines = line_rules.clean_lines(data.get("lines"))
        except ValidationError as exc:
            errors.append(exc)
    if errors:
        raise ValidationError({k: v for e in errors for k, v in e.message_dict.items()})
    assert cleaned_lines is not None
    if "delivery_address" not in header:
        header["delivery_address"] = customer_address(header["customer"])
    if actor_type(actor) == "staff" and "assigned_to" not in header:
        header["assigned_to"] = actor
    with tenant_atomic():
        number = next_number(
            DocumentType.ORDER, taken=lambda n: Order.objects.filter(number=n).exists()
        )
        order = Order(number=number, source=source, status=S.NEW, **header)
        order.save()
        rows = store_lines(order, cleaned_lines)
        order.save(update_fields=["total_net", "total_vat", "total_gross"])
        _history(order, from_status="", to_status=S.NEW, note="", actor=actor)
        events.emit(
            event_type="order.created",
            source_module="orders",
            entity_type="order",
            entity_id=order.id,
            payload=order_payload(order, items=line_rules.payload_items(rows)),
            actor=actor,
        )
    return order


def order_update(*, order: Order, data: dict[str, Any], actor: Any = None) -> Order:
    """Change a new order's header or replace its lines; later states are fixed."""
    header = clean_header(data, allowed=HEADER_FIELDS)
    cleaned_lines = line_rules.clean_lines(data["lines"]) if "lines" in data else None
    with tenant_atomic():
        locked = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        if locked.status != S.NEW:
            raise StateConflict(
                _("Only new orders can be changed; this one is %(status)s.")
                % {"status": locked.get_status_display()},
                code="order_locked",
            )
        changed = apply_changes(locked, header, cleaned_lines)
        if not changed:
            return locked
        events.emit(
            event_type="entity.updated",
            source_module="orders",
            entity_type="order",
            entity_id=locked.id,
            payload=order_payload(
                locked,
                changed=changed,
                items=line_rules.payload_items(locked.lines.all()),
            ),
            actor=actor,
        )
    return locked


def order_transition(
    *, order: Order, to: str, actor: Any = None, note: str = "", tracking_number: str = ""
) -> Order:
    """Move the order to `to`; refused (nothing written) when the state or role forbids it."""
    note = (note or "").strip()
    tracking_number = (tracking_number or "").strip()
    if to not in S.values:
        raise ValidationError({"to": [_("Unknown status.")]})
    if len(tracking_number) > 100:
        raise ValidationError({"tracking_number": [_("Enter at most 100 characters.")]})
    with tenant_atomic():
        locked = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        moves = TRANSITIONS.get(locked.status, {})
        if to not in moves:
            raise StateConflict(
                _("An order that is %(status)s cannot become %(to)s.")
                % {"status": locked.get_status_display(), "to": S(to).label},
                code="invalid_transition",
                allowed=allowed_next(locked.status),
            )
        role = actor_role(actor)
        if role not in moves[to]:
            raise PermissionDenied(_("Your role cannot make this change."))
        if role == "customer" and locked.customer_id != actor.pk:
            raise PermissionDenied(_("Your role cannot make this change."))
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
            extra["items"] = line_rules.payload_items(locked.lines.all())
        events.emit(
            event_type=f"order.{to}",
            source_module="orders",
            entity_type="order",
            entity_id=locked.id,
            payload=order_payload(locked, **extra),
            actor=actor,
        )
    return locked
