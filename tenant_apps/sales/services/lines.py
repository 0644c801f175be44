"""Document lines and their amounts, shared by orders and quotes.

Rounding (documented in docs/api.md): each line is rounded on its own, half up, to 0.01 --
net = quantity x unit price x (100 - discount) / 100, VAT = net x rate / 100, gross = net +
VAT -- and the document's totals are the sums of its lines' rounded amounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tenant_apps.products.models import Product, VatRate

CENT = Decimal("0.01")
MAX_LINES = 500
# Totals are numeric(14, 2): a line or a document must stay below this.
MAX_TOTAL = Decimal("1000000000000")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Amounts:
    net: Decimal
    vat: Decimal
    gross: Decimal


def line_amounts(
    *, quantity: Decimal, unit_price: Decimal, discount: Decimal, vat_rate: str
) -> Amounts:
    net = money(quantity * unit_price * (Decimal(100) - discount) / Decimal(100))
    rate = Decimal(0) if vat_rate == VatRate.EXEMPT else Decimal(vat_rate)
    vat = money(net * rate / Decimal(100))
    return Amounts(net=net, vat=vat, gross=net + vat)


@dataclass(frozen=True, slots=True)
class LineInput:
    """One line of a new or replaced document, cleaned (sales.inputs.clean_lines): a
    product's line with its defaults filled in, or free text with its own price."""

    product: Product | None
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount: Decimal
    vat_rate: str

    @property
    def amounts(self) -> Amounts:
        return line_amounts(
            quantity=self.quantity,
            unit_price=self.unit_price,
            discount=self.discount,
            vat_rate=self.vat_rate,
        )


def document_amounts(lines: Iterable[LineInput]) -> Amounts:
    amounts = [line.amounts for line in lines]
    net = sum((a.net for a in amounts), Decimal(0))
    vat = sum((a.vat for a in amounts), Decimal(0))
    return Amounts(net=net, vat=vat, gross=net + vat)


def line_rows(lines: Sequence[LineInput]) -> list[dict[str, Any]]:
    """The column values of the lines' rows, numbered from 1 in their order."""
    rows = []
    for position, line in enumerate(lines, start=1):
        amounts = line.amounts
        rows.append({
            "position": position, "product": line.product, "description": line.description,
            "quantity": line.quantity, "unit": line.unit, "unit_price": line.unit_price,
            "discount": line.discount, "vat_rate": line.vat_rate, "total_net": amounts.net,
            "total_vat": amounts.vat, "total_gross": amounts.gross,
        })  # fmt: skip
    return rows


def copy_lines(lines: Iterable[Any]) -> tuple[LineInput, ...]:
    """Stored lines (a quote's, when it becomes an order) as they are: same products,
    texts, quantities and prices, so the same amounts."""
    return tuple(
        LineInput(
            product=line.product,
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.unit_price,
            discount=line.discount,
            vat_rate=line.vat_rate,
        )
        for line in lines
    )


def payload_items(lines: Any) -> list[dict[str, Any]]:
    """Stored lines as events carry them (stock reserves from these)."""
    return [
        {
            "line_id": str(line.id),
            "product_id": str(line.product_id) if line.product_id else None,
            "description": line.description,
            "quantity": str(line.quantity),
            "unit": line.unit,
            "unit_price": str(line.unit_price),
            "total_gross": str(line.total_gross),
        }
        for line in lines
    ]
