"""The delivery log's page (/notifications/deliveries/): what the triggers sent, what is
waiting to be retried and what failed, with "Send again" for a failed or waiting one.

Managers and admins (resource "notifications", as the API's log); "Send again" is the
matrix row's `retry` action and the same service as POST .../deliveries/<id>/retry/.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dockpulse.errors import DomainError
from dockpulse.web.access import staff_page
from dockpulse.web.listing import SortOption, listing

from . import selectors
from .models import NotificationDelivery
from .services import notification_retry

MODULE = "@notifications"
D = NotificationDelivery.Status
# The tabs: what needs a look first (failed), what is on its way (waiting), everything.
TABS = {
    "": (gettext_lazy("Failed"), [D.FAILED]),
    "waiting": (gettext_lazy("Waiting to retry"), [D.RETRY, D.PENDING, D.SENDING]),
    "sent": (gettext_lazy("Sent"), [D.SENT]),
    "all": (gettext_lazy("All"), []),
}
NEWEST = [SortOption("-created", gettext_lazy("Newest"), ("-created_at", "-id"))]


@staff_page("notifications", module=MODULE)
def delivery_log(request: HttpRequest) -> HttpResponse:
    current = request.GET.get("status", "")
    if current not in TABS:
        current = ""
    statuses = TABS[current][1]
    rows = listing(
        request, selectors.delivery_list(status=",".join(statuses)), sorts=NEWEST, per_page=50
    )
    counts = dict(
        NotificationDelivery.objects.order_by().values_list("status").annotate(n=Count("id"))
    )
    tabs = [
        {"key": key, "label": label,
         "count": sum(counts.values()) if not wanted else sum(counts.get(s, 0) for s in wanted)}
        for key, (label, wanted) in TABS.items()
    ]  # fmt: skip
    context = {"listing": rows, "tabs": tabs, "current": current,
               "retryable": (D.FAILED, D.RETRY)}  # fmt: skip
    return render(request, "notifications/deliveries.html", context)


@staff_page("notifications", "retry", module=MODULE)
@require_POST
def delivery_retry(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    delivery = selectors.delivery_list().filter(pk=pk).first()
    if delivery is None:
        raise Http404
    try:
        notification_retry(delivery=delivery)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Sending to %(to)s again now.") % {"to": delivery.recipient or "-"}
        )
    back = request.POST.get("status", "")
    url = "/notifications/deliveries/" + (f"?status={back}" if back in TABS and back else "")
    return redirect(url)
