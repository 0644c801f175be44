from __future__ import annotations

from dockpulse.celery import TenantTask, app
from dockpulse.tenancy import get_current_tenant

from . import services
from .models import NotificationDelivery
from .services.queueing import SEND_TASK


# The soft limit interrupts a send stuck past every timeout (counted as a failed attempt);
# the hard one ends the child if even that does not help (the sweep sends again later).
@app.task(
    base=TenantTask,
    name=SEND_TASK,
    queue="notifications",
    soft_time_limit=60,
    time_limit=90,
)
def send_notification(tenant_id: str, delivery_id: str) -> str:
    """Send one delivery row (at least once; its id is the provider's idempotency key)."""
    status, retry_in = services.notification_send(delivery_id=delivery_id)
    if retry_in is not None:
        channel = (
            NotificationDelivery.objects.filter(pk=delivery_id)
            .values_list("channel", flat=True)
            .first()
        )
        services.queue_send(get_current_tenant().id, delivery_id, channel or "", retry_in)
    return status
