"""The reports the app offers: name, who may see it, what it needs, its form and reads.

A report is the matrix action of its name on resource "reports" (extensions.py): the
panel page, the API endpoint and the exports all check that one row. It also needs the
module its data comes from: with `@orders` off there is no sales report (404), as with
`@reports` itself off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import inputs
from .selectors import funnel, rankings, sales, stock
from .sql import report_session
from .tables import Export, Result

MODULE = "@reports"


@dataclass(frozen=True, slots=True)
class Report:
    name: str  # its path segment and API name: "stock-value"
    label: str | Promise
    description: str | Promise
    module: str  # where its data comes from, besides @reports
    form: type[inputs.ReportForm]
    run: Callable[..., Result]
    export: Callable[[Any], Export]
    # The order lines behind the figures, as a second export (sales only).
    lines: Callable[[Any], Export] | None = None

    @property
    def action(self) -> str:
        """Its row in the permission matrix."""
        return self.name.replace("-", "_")


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(
            "sales", _("Sales"),
            _("Net, VAT and gross revenue and orders per day, week or month, per customer, "
              "product, category or staff member."),
            "@orders", inputs.SalesForm, sales.sales_report, sales.sales_export,
            lines=lambda filters: sales.sales_lines_export(filters.range),
        ),
        Report(
            "funnel", _("Quote funnel"),
            _("Quotes created, sent, accepted, rejected (and why) and expired; conversion."),
            "@quotes", inputs.FunnelForm, funnel.funnel_report, funnel.funnel_export,
        ),
        Report(
            "stock-value", _("Stock value"),
            _("Quantity and value per product and warehouse, today or on any past day."),
            "@stock", inputs.StockValueForm, stock.stock_value_report, stock.stock_value_export,
        ),
        Report(
            "low-stock", _("Low stock"),
            _("Products whose available stock is below their threshold."),
            "@stock", inputs.LowStockForm, stock.low_stock_report, stock.low_stock_export,
        ),
        Report(
            "top-customers", _("Top customers"),
            _("The customers who bought the most in a period."),
            "@orders", inputs.TopCustomersForm, rankings.top_customers_report,
            rankings.top_customers_export,
        ),
        Report(
            "top-products", _("Top products"),
            _("The products sold the most in a period, by revenue or quantity."),
            "@orders", inputs.TopProductsForm, rankings.top_products_report,
            rankings.top_products_export,
        ),
    )
}  # fmt: skip


def report_run(
    report: Report, filters: Any, *, offset: int = 0, limit: int | None = None
) -> Result:
    """A report's answer, read under the reports' memory and time limits (sql.py)."""
    with report_session():
        return report.run(filters, offset=offset, limit=limit)
