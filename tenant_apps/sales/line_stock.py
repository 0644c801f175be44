"""What stock holds for each order line, as the orders API shows it (`reserved`,
`backordered`, `stock_status`).

Stock depends on sales -- it reserves for orders, reacting to their events -- and sales
never imports stock (docs/stock.md). So sales offers this hook and the stock app fills it
at start-up with a reader of its reservations and the relations the lines' query must
fetch with them (one query for every line of a page). With no reader, as when stock is not
installed, every line shows nulls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import OrderLine


@dataclass(frozen=True, slots=True)
class LineStock:
    reserved: Decimal | None = None
    backordered: Decimal | None = None
    status: str | None = None


NOTHING = LineStock()

Reader = Callable[["OrderLine"], LineStock]

_reader: Reader | None = None
_related: tuple[str, ...] = ()


def provide(reader: Reader, *, related: tuple[str, ...] = ()) -> None:
    global _reader, _related
    _reader, _related = reader, related


def line_stock(line: OrderLine) -> LineStock:
    return NOTHING if _reader is None else _reader(line)


def related() -> tuple[str, ...]:
    """The relations to `select_related` on order lines for the reader."""
    return _related
