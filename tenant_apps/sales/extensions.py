"""What the sales app adds to the core's registries (dockpulse.extensions)."""

from __future__ import annotations

from dockpulse import extensions
from dockpulse.extensions import EVERYONE, MANAGERS

from .api import OrderViewSet, QuoteViewSet

# Every staff role may create an order and ask for a transition; which role may make
# which move (employees progress work, managers confirm and cancel) is the order
# service's rule.
extensions.resource("orders", read=EVERYONE, write=MANAGERS, create=EVERYONE, transition=EVERYONE)
extensions.resource("quotes", read=EVERYONE, write=MANAGERS)

extensions.event_types(
    "order.created",
    "order.confirmed",
    "order.in_progress",
    "order.shipped",
    "order.delivered",
    "order.cancelled",
    "quote.created",
    "quote.sent",
    "quote.accepted",
    "quote.rejected",
    "quote.expired",
    app="sales",
)

extensions.api_route("orders", OrderViewSet, basename="order")
extensions.api_route("quotes", QuoteViewSet, basename="quote")

# --- staff panel: catalogue sections and search (issue 13) ------------------------------
# The sections of a customer's page, and the search box's orders and quotes by number.
# A hit opens the order's or the quote's page.

from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

from django.urls import reverse  # noqa: E402
from django.utils.translation import gettext_lazy  # noqa: E402

from . import selectors  # noqa: E402

extensions.detail_section(
    "customer",
    "orders",
    label=gettext_lazy("Orders"),
    url_name="sales:customer_orders",
    order=10,
    module="@orders",
    resource="orders",
)
extensions.detail_section(
    "customer",
    "quotes",
    label=gettext_lazy("Quotes"),
    url_name="sales:customer_quotes",
    order=20,
    module="@quotes",
    resource="quotes",
)


def _document_hits(documents: list[Any], url: Callable[[Any], str]) -> list[extensions.SearchHit]:
    return [
        extensions.SearchHit(
            title=document.number, detail=document.customer.name, url=url(document)
        )
        for document in documents
    ]


def _find_orders(query: str, limit: int) -> list[extensions.SearchHit]:
    return _document_hits(
        selectors.order_search(query, limit),
        lambda order: reverse("sales:order_detail", args=[order.pk]),
    )


def _find_quotes(query: str, limit: int) -> list[extensions.SearchHit]:
    return _document_hits(
        selectors.quote_search(query, limit),
        lambda quote: reverse("sales:quote_detail", args=[quote.pk]),
    )


extensions.search_provider(
    "orders", label=gettext_lazy("Orders"), find=_find_orders, order=30,
    module="@orders", resource="orders",
)  # fmt: skip
extensions.search_provider(
    "quotes", label=gettext_lazy("Quotes"), find=_find_quotes, order=40,
    module="@quotes", resource="quotes",
)  # fmt: skip

# --- staff panel: the order pages (issue 14) ---------------------------------------------
extensions.nav_entry(
    "orders",
    label=gettext_lazy("Orders"),
    url_name="sales:order_list",
    order=30,
    module="@orders",
    resource="orders",
)
extensions.nav_entry(
    "quotes",
    label=gettext_lazy("Quotes"),
    url_name="sales:quote_list",
    order=35,
    module="@quotes",
    resource="quotes",
)

# --- settings: the number series' section of /settings/ (settings_views.py) -------------
from django.utils.translation import gettext_lazy as _numbering_label  # noqa: E402

extensions.nav_entry(
    "settings.numbering",
    label=_numbering_label("Number series"),
    url_name="numbering:index",
    order=60,
    module="@orders",
    resource="settings",
    area="settings",
)
# --- end of settings ----------------------------------------------------------------------
