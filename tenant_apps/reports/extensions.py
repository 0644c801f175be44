"""What the reports app adds to the core's registries (dockpulse.extensions).

The matrix row "reports": every staff role may open the reports' index, and each report
is an action of its own (registry.Report.action). Money and customers (sales, the quote
funnel, stock value, the rankings) are for managers and admins; the low-stock list is
the warehouse's daily to-do list and open to every role. An export is a read of its
report: whoever sees a report may download it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from dockpulse import extensions
from dockpulse.extensions import EVERYONE, MANAGERS

from .registry import MODULE

extensions.resource(
    "reports",
    read=EVERYONE,
    write=MANAGERS,
    sales=MANAGERS,
    funnel=MANAGERS,
    stock_value=MANAGERS,
    low_stock=EVERYONE,
    top_customers=MANAGERS,
    top_products=MANAGERS,
)

extensions.event_types(
    "report.exported", app="reports", labels={"report.exported": _("Report exported")}
)

extensions.nav_entry(
    "reports",
    label=_("Reports"),
    url_name="reports:index",
    order=70,
    module=MODULE,
    resource="reports",
)

# The API's routes (dockpulse.extensions.api_route), declared beside its views.
from . import api_routes  # noqa: E402, F401
