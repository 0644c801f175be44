"""Orders and quotes, made by the sales services; their lines are the services' input.

A document's number comes from the tenant's gapless counter, its totals from its lines,
and its creation is a history row and an event in one transaction: all of that lives in
the services, so these factories call them rather than write rows. `build()` is refused
for the same reason. Move an order on with `tests.support.move`.
"""

from __future__ import annotations

from typing import Any, NoReturn

import factory
from factory.django import DjangoModelFactory

from dockpulse.actors import SYSTEM
from tenant_apps.sales import services
from tenant_apps.sales.inputs import order_input, quote_input
from tenant_apps.sales.models import DocumentType, NumberSeries, Order, Quote, Source
from tests.factories.customers import CustomerFactory
from tests.factories.products import ProductFactory


class LineFactory(factory.DictFactory):
    """A free-text line as the services take it."""

    description = factory.Sequence(lambda n: f"Item {n}")
    quantity = "1"
    unit_price = "10.00"
    vat_rate = "23"
    unit = "szt"


class ProductLineFactory(factory.DictFactory):
    """A catalogue line: the product's name, unit, price and VAT rate are its defaults."""

    class Params:
        of = factory.SubFactory(ProductFactory)

    product = factory.LazyAttribute(lambda o: str(o.of.pk))
    quantity = "1"


def _refuse_build(kind: str) -> NoReturn:
    raise TypeError(f"{kind} is made by the sales service: create it, don't build it")


class OrderFactory(DjangoModelFactory[Order]):
    """`OrderFactory.create(customer=c, lines=[ProductLineFactory(of=p, quantity="2")])`; other
    keywords (notes, delivery_date, ...) go into the order's header."""

    class Meta:
        model = Order

    customer = factory.SubFactory(CustomerFactory)
    lines = factory.List([factory.SubFactory(LineFactory)])
    actor = None
    source = Source.ADMIN

    @classmethod
    def _create(
        cls,
        model_class: type[Order],
        *args: Any,
        customer: Any,
        lines: list[dict[str, Any]],
        actor: Any,
        source: str,
        **header: Any,
    ) -> Order:
        return services.order_create(
            values=order_input({"customer": customer.pk, "lines": list(lines), **header}),
            actor=actor or SYSTEM,
            source=source,
        )

    @classmethod
    def _build(cls, model_class: type[Order], *args: Any, **kwargs: Any) -> NoReturn:
        _refuse_build("An order")


class QuoteFactory(DjangoModelFactory[Quote]):
    """A draft quote (valid for the default 30 days unless `valid_until` is given)."""

    class Meta:
        model = Quote

    customer = factory.SubFactory(CustomerFactory)
    lines = factory.List([factory.SubFactory(LineFactory)])
    actor = None

    @classmethod
    def _create(
        cls,
        model_class: type[Quote],
        *args: Any,
        customer: Any,
        lines: list[dict[str, Any]],
        actor: Any,
        **header: Any,
    ) -> Quote:
        return services.quote_create(
            values=quote_input({"customer": customer.pk, "lines": list(lines), **header}),
            actor=actor or SYSTEM,
        )

    @classmethod
    def _build(cls, model_class: type[Quote], *args: Any, **kwargs: Any) -> NoReturn:
        _refuse_build("A quote")


class NumberSeriesFactory(DjangoModelFactory[NumberSeries]):
    """Set a document type's numbering pattern (one row per type). Written directly: keep
    to patterns `numbering.pattern_check` accepts."""

    class Meta:
        model = NumberSeries

    document_type = DocumentType.ORDER
    pattern = "T-{YYYY}-{NNNN}"

    @classmethod
    def _create(cls, model_class: type[NumberSeries], *args: Any, **kwargs: Any) -> NumberSeries:
        kind = kwargs.pop("document_type")
        row, _ = model_class.objects.update_or_create(document_type=kind, defaults=kwargs)
        return row
