"""A customer cancels their own order from the portal.

The sales service decides (tenant_apps.sales.services.orders: a customer may cancel only
their own orders, and only while they are new); this wraps it so that a refusal reaches
the customer in words meant for them. The staff's wording ("Someone else already changed
this order ... (Jan Nowak, 12:30)") would name a staff member and speak of roles.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from dockpulse.actors import customer_actor
from dockpulse.errors import NotPermitted, StateConflict
from tenant_apps.customers.models import Customer
from tenant_apps.sales.models import Order
from tenant_apps.sales.services.orders import order_transition

S = Order.Status


def _refused(order: Order, customer: Customer) -> StateConflict:
    current = Order.objects.filter(pk=order.pk, customer_id=customer.pk).only("status").first()
    status = current.status if current is not None else order.status
    if status == S.CANCELLED:
        return StateConflict(
            _("Order %(number)s is cancelled already.") % {"number": order.number},
            code="already_cancelled",
            status=status,
        )
    return StateConflict(
        _(
            "Order %(number)s is %(status)s now and can no longer be cancelled here. "
            "Write to us if it should change."
        )
        % {"number": order.number, "status": S(status).label.lower()},
        code="not_cancellable",
        status=status,
    )


def portal_order_cancel(
    *, customer: Customer, order: Order, reason: str = "", expected_status: str = ""
) -> Order:
    """Cancel `order` for `customer` (the order must be theirs: the caller found it among
    their orders). `reason` goes to the order's history as the note; `expected_status`
    is the status the customer saw. Sends `order.cancelled` with the customer as actor.
    A refusal is a StateConflict: `already_cancelled` or `not_cancellable`."""
    try:
        return order_transition(
            order=order,
            to=S.CANCELLED,
            actor=customer_actor(customer),
            note=reason.strip(),
            expected_status=expected_status,
        )
    except (StateConflict, NotPermitted) as exc:
        raise _refused(order, customer) from exc
