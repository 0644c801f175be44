"""The line editor of orders and quotes: one page for create and edit of both, and the
fragments it asks for while the user types (customer and product suggestions, a line
filled from its product, the recomputed totals).

Nothing here computes or checks a number: every line goes through `sales.inputs` (the
API's input layer, which also fills a product's defaults) and its amounts are
`services.lines`' own rounding, so the editor shows exactly what saving would store.
Saving runs the whole document through the inputs and the services; any refusal
re-renders the editor with the errors on their fields and lines, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.formats import get_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dockpulse.actors import staff_actor
from dockpulse.errors import DomainError, StateConflict
from dockpulse.tenancy import tenant_today
from dockpulse.web.access import module_on, staff_page
from tenant_apps.customers.models import Customer
from tenant_apps.customers.selectors import customer_list
from tenant_apps.products.models import Unit, VatRate
from tenant_apps.sales import inputs, selectors, services
from tenant_apps.sales.models import Order, Quote, Source
from tenant_apps.sales.services.common import ADDRESS_KEYS, customer_address
from tenant_apps.sales.services.lines import Amounts, LineInput
from tenant_apps.sales.services.quotes import DEFAULT_VALIDITY_DAYS

ORDER, QUOTE = "order", "quote"
LINE_FIELDS = ("product", "description", "quantity", "unit", "unit_price", "discount", "vat_rate")
# What the user types; `product` is the hidden id a pick fills in.
TYPED = ("description", "quantity", "unit_price", "discount")
SUGGESTIONS = 8
KEY = re.compile(r"^[a-z0-9]{1,16}$")
TEMPLATE = "sales/editor/editor.html"


def new_key() -> str:
    return secrets.token_hex(4)


# --- the lines as typed, and what the input layer says about them ----------------------


@dataclass
class LineRow:
    """One line of the editor: the values as typed, its amounts if it is valid, and its
    errors by field ("" for the line as a whole)."""

    key: str
    values: dict[str, str]
    product_label: str = ""
    amounts: Amounts | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    focus: bool = False

    @property
    def blank(self) -> bool:
        return not any(self.values.get(name) for name in ("product", *TYPED))

    @property
    def given(self) -> dict[str, str]:
        """The line as sales.inputs takes it (blank values: the defaults)."""
        return {name: self.values.get(name, "") for name in LINE_FIELDS}

    @property
    def field_errors(self) -> dict[str, str]:
        return {name: " ".join(problems) for name, problems in self.errors.items()}

    @property
    def slots(self) -> list[tuple[str, str]]:
        """Every field's error text ("" when none): recompute replaces each of them."""
        errors = self.field_errors
        return [(name, errors.get(name, "")) for name in LINE_FIELDS]


@dataclass
class Totals:
    net: Decimal = Decimal(0)
    vat: Decimal = Decimal(0)
    gross: Decimal = Decimal(0)
    rates: list[selectors.VatRow] = field(default_factory=list)
    partial: bool = False  # some lines have errors and are left out
    errors: list[str] = field(default_factory=list)


def rows_from_post(data: QueryDict) -> list[LineRow]:
    """The editor's lines in their order on the page (`line` names each row's key)."""
    rows = []
    for key in data.getlist("line"):
        if not KEY.match(key):
            continue
        values = {name: data.get(f"line-{key}-{name}", "").strip() for name in LINE_FIELDS}
        label = data.get(f"line-{key}-product_q", "").strip()
        rows.append(LineRow(key=key, values=values, product_label=label))
    return rows


def rows_from_lines(lines: Sequence[Any]) -> list[LineRow]:
    """A stored document's lines as editor rows."""
    rows = []
    for line in lines:
        product = line.product
        values = {
            "product": str(line.product_id or ""),
            "description": line.description,
            "quantity": _plain(line.quantity),
            "unit": line.unit,
            "unit_price": _plain(line.unit_price),
            "discount": _plain(line.discount),
            "vat_rate": line.vat_rate,
        }
        label = f"{product.code} · {product.name}" if product is not None else ""
        rows.append(
            LineRow(
                key=new_key(),
                values=values,
                product_label=label,
                amounts=Amounts(line.total_net, line.total_vat, line.total_gross),
            )
        )
    return rows


def _plain(value: Decimal) -> str:
    """A stored number as the user would type it, in their language's decimal mark and
    without grouping: 2.500 -> 2.5 (2,5 in Polish), 10.00 -> 10; the input layer reads
    either mark."""
    return format(value.normalize(), "f").replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _split(errors: Mapping[str, list[str]]) -> tuple[dict[int, dict[str, list[str]]], list[str]]:
    """`lines.<i>.<field>` errors per line index; `lines` (the document's) apart."""
    per_line: dict[int, dict[str, list[str]]] = {}
    document: list[str] = []
    for name, problems in errors.items():
        parts = name.split(".")
        if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit():
            per_line.setdefault(int(parts[1]), {})[".".join(parts[2:])] = list(problems)
        elif parts[0] == "lines":
            document.extend(problems)
    return per_line, document


def evaluate(rows: list[LineRow]) -> Totals:
    """Check every non-blank line with the input layer and set its amounts or errors;
    the document's totals are those of the valid lines (one product query, two when some
    lines are bad)."""
    for row in rows:
        row.amounts, row.errors = None, {}
    live = [row for row in rows if not row.blank]
    totals = Totals()
    if not live:
        return totals
    try:
        cleaned = list(inputs.clean_lines([row.given for row in live]))
        good = live
    except ValidationError as exc:
        per_line, totals.errors = _split(exc.message_dict)
        for index, problems in per_line.items():
            live[index].errors = problems
        good = [row for index, row in enumerate(live) if index not in per_line]
        totals.partial = bool(per_line)
        cleaned = []
        if good and per_line:
            try:
                cleaned = list(inputs.clean_lines([row.given for row in good]))
            except ValidationError:
                good = []
    for row, line in zip(good, cleaned, strict=True):
        row.amounts = line.amounts
        if line.product is not None and not row.product_label:
            row.product_label = f"{line.product.code} · {line.product.name}"
    _sum(totals, cleaned)
    return totals


def _sum(totals: Totals, lines: Sequence[LineInput]) -> None:
    pairs = [(line.vat_rate, line.amounts.net, line.amounts.vat) for line in lines]
    totals.rates = selectors.vat_summary(pairs)
    totals.net = sum((row.net for row in totals.rates), Decimal(0))
    totals.vat = sum((row.vat for row in totals.rates), Decimal(0))
    totals.gross = totals.net + totals.vat


def stored_totals(document: Order | Quote, rows: list[LineRow]) -> Totals:
    pairs = [(row.values["vat_rate"], row.amounts.net, row.amounts.vat) for row in rows
             if row.amounts is not None]  # fmt: skip
    return Totals(
        net=document.total_net,
        vat=document.total_vat,
        gross=document.total_gross,
        rates=selectors.vat_summary(pairs),
    )


# --- the header ------------------------------------------------------------------------


@dataclass
class Header:
    customer_id: str = ""
    customer_label: str = ""
    assigned_to: str = ""
    notes: str = ""
    delivery_date: str = ""
    address: dict[str, str] = field(default_factory=dict)
    valid_until: str = ""

    @classmethod
    def from_post(cls, data: QueryDict) -> Header:
        return cls(
            customer_id=data.get("customer", "").strip(),
            customer_label=data.get("customer_q", "").strip(),
            assigned_to=data.get("assigned_to", "").strip(),
            notes=data.get("notes", ""),
            delivery_date=data.get("delivery_date", "").strip(),
            address={key: data.get(f"delivery_{key}", "").strip() for key in ADDRESS_KEYS},
            valid_until=data.get("valid_until", "").strip(),
        )

    def given(self, kind: str, *, creating: bool) -> dict[str, Any]:
        """The header as sales.inputs takes it."""
        data: dict[str, Any] = {"assigned_to": self.assigned_to, "notes": self.notes}
        if self.customer_id:
            data["customer"] = self.customer_id
        if kind == ORDER:
            data["delivery_date"] = self.delivery_date or None
            data["delivery_address"] = self.address
        elif self.valid_until or not creating:
            data["valid_until"] = self.valid_until
        return data


def _customer_label(customer: Customer) -> str:
    return f"{customer.name} · {customer.company_name}" if customer.company_name else customer.name


def _address_of(customer: Customer) -> dict[str, str]:
    address = customer_address(customer)
    return {key: address.get(key, "") for key in ADDRESS_KEYS}


def header_of(document: Order | Quote) -> Header:
    customer = document.customer
    header = Header(
        customer_id=str(customer.pk),
        customer_label=_customer_label(customer),
        assigned_to=str(document.assigned_to_id or ""),
        notes=document.notes,
    )
    if isinstance(document, Order):
        header.delivery_date = document.delivery_date.isoformat() if document.delivery_date else ""
        header.address = {key: str(document.delivery_address.get(key, "")) for key in ADDRESS_KEYS}
    else:
        header.valid_until = document.valid_until.isoformat()
    return header


def new_header(request: HttpRequest, kind: str) -> Header:
    """A new document's header: the signed-in user handles it, `?customer=` preselects the
    customer (and their address), a quote is valid for the default number of days."""
    header = Header(assigned_to=str(request.user.pk))
    if kind == QUOTE:
        header.valid_until = (tenant_today() + dt.timedelta(days=DEFAULT_VALIDITY_DAYS)).isoformat()
    wanted = request.GET.get("customer", "")
    try:
        customer = Customer.objects.get(pk=uuid.UUID(wanted)) if wanted else None
    except (ValueError, Customer.DoesNotExist):
        customer = None
    if customer is not None:
        header.customer_id, header.customer_label = str(customer.pk), _customer_label(customer)
        header.address = _address_of(customer)
    return header


# --- the page ----------------------------------------------------------------------------


def _staff_choices(current: str) -> list[tuple[str, str]]:
    return [(str(user.pk), user.get_full_name()) for user in selectors.staff_choices(_ids(current))]


def _ids(value: str) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(value)] if value else []
    except ValueError:
        return []


def _page(
    request: HttpRequest,
    *,
    kind: str,
    document: Order | Quote | None,
    header: Header,
    rows: list[LineRow],
    totals: Totals,
    errors: Mapping[str, list[str]] | None = None,
    problems: Sequence[str] = (),
    status: int = 200,
) -> HttpResponse:
    errors = dict(errors or {})
    header_errors = {name: " ".join(msgs) for name, msgs in errors.items() if "." not in name
                     and name != "lines"}  # fmt: skip
    address_error = header_errors.pop("delivery_address", "")
    known = {"customer", "assigned_to", "notes", "delivery_date", "valid_until"}
    # Errors on fields the page has no input for go to the top, in words.
    top = [*problems, *(msg for name, msg in header_errors.items() if name not in known)]
    if address_error:
        top.append(address_error)
    if kind == ORDER:
        cancel = (
            reverse("sales:order_detail", args=[document.pk])
            if document
            else reverse("sales:order_list")
        )
        action = (
            reverse("sales:order_edit", args=[document.pk])
            if document
            else reverse("sales:order_create")
        )
    else:
        cancel = _quote_url(document)
        action = (
            reverse("sales:quote_edit", args=[document.pk])
            if document
            else reverse("sales:quote_create")
        )
    context = {
        "kind": kind,
        "document": document,
        "header": header,
        "rows": rows,
        "totals": totals,
        "errors": header_errors,
        "top_errors": top,
        "staff": _staff_choices(header.assigned_to),
        "units": Unit.choices,
        "vat_rates": VatRate.choices,
        "action": action,
        "cancel_url": cancel,
        "urls": _urls(),
    }
    return render(request, TEMPLATE, context, status=status)


def _quote_url(quote: Order | Quote | None) -> str:
    """The quote's page when there is one (QUOTES' detail), else the quote list."""
    try:
        if quote is not None:
            return reverse("sales:quote_detail", args=[quote.pk])
        return reverse("sales:quote_list")
    except NoReverseMatch:  # the quote pages are built in parallel with this editor
        return "/quotes/"


def _problems(exc: DomainError) -> list[str]:
    return [str(exc.message)]


def _save(request: HttpRequest, *, kind: str, document: Order | Quote | None) -> HttpResponse:
    """POST of the editor: the whole document through the inputs and the services, or
    the editor again with every error on its field or line (status 400 / 409)."""
    header = Header.from_post(request.POST)
    rows = rows_from_post(request.POST)
    totals = evaluate(rows)
    data = {**header.given(kind, creating=document is None),
            "lines": [row.given for row in rows if not row.blank]}  # fmt: skip
    actor = staff_actor(request.user)
    errors: dict[str, list[str]] = {}
    if document is not None and not header.customer_id:
        errors["customer"] = [_("Choose a customer.")]
    try:
        if errors:
            raise ValidationError(errors)
        saved: Order | Quote
        if kind == ORDER and document is None:
            saved = services.order_create(
                values=inputs.order_input(data), actor=actor, source=Source.ADMIN
            )
        elif kind == ORDER:
            assert isinstance(document, Order)
            saved = services.order_update(
                order=document, changes=inputs.order_changes(data), actor=actor
            )
        elif document is None:
            saved = services.quote_create(values=inputs.quote_input(data), actor=actor)
        else:
            assert isinstance(document, Quote)
            saved = services.quote_update(
                quote=document, changes=inputs.quote_changes(data), actor=actor
            )
    except ValidationError as exc:
        found = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        errors = {**errors, **found}
        # order_changes/quote_changes stop at header errors: evaluate() named the lines'.
        problems = errors.pop("", [])
        document_errors = _split(errors)[1]
        totals.errors = list(dict.fromkeys([*totals.errors, *document_errors]))
        return _page(request, kind=kind, document=document, header=header, rows=rows,
                     totals=totals, errors=errors, problems=problems, status=400)  # fmt: skip
    except DomainError as exc:
        status = 409 if isinstance(exc, StateConflict) else exc.status
        return _page(request, kind=kind, document=document, header=header, rows=rows,
                     totals=totals, problems=_problems(exc), status=status)  # fmt: skip
    if kind == ORDER:
        text = _("Order %(number)s saved.") if document else _("Order %(number)s created.")
        messages.success(request, text % {"number": saved.number})
        return redirect("sales:order_detail", pk=saved.pk)
    text = _("Quote %(number)s saved.") if document else _("Quote %(number)s created.")
    messages.success(request, text % {"number": saved.number})
    return redirect(_quote_url(saved))


def _editor(request: HttpRequest, *, kind: str, document: Order | Quote | None) -> HttpResponse:
    if request.method == "POST":
        return _save(request, kind=kind, document=document)
    if document is None:
        rows = [LineRow(key=new_key(), values={}, focus=False)]
        return _page(request, kind=kind, document=None, header=new_header(request, kind),
                     rows=rows, totals=Totals())  # fmt: skip
    rows = rows_from_lines(list(document.lines.select_related("product").order_by("position")))
    return _page(request, kind=kind, document=document, header=header_of(document), rows=rows,
                 totals=stored_totals(document, rows))  # fmt: skip


def _order(pk: uuid.UUID) -> Order:
    try:
        return selectors.order_detail(pk)
    except Order.DoesNotExist:
        raise Http404 from None


def _quote(pk: uuid.UUID) -> Quote:
    try:
        return selectors.quote_get(pk)
    except Quote.DoesNotExist:
        raise Http404 from None


@staff_page("orders", "create", module="@orders")
def order_create(request: HttpRequest) -> HttpResponse:
    return _editor(request, kind=ORDER, document=None)


@staff_page("orders", "write", module="@orders")
def order_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    order = _order(pk)
    if order.status != Order.Status.NEW and request.method != "POST":
        messages.error(
            request,
            _("Only new orders can be changed; this one is %(status)s.")
            % {"status": order.get_status_display()},
        )
        return redirect("sales:order_detail", pk=order.pk)
    return _editor(request, kind=ORDER, document=order)


@staff_page("quotes", "write", module="@quotes")
def quote_create(request: HttpRequest) -> HttpResponse:
    return _editor(request, kind=QUOTE, document=None)


@staff_page("quotes", "write", module="@quotes")
def quote_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    quote = _quote(pk)
    if quote.status != Quote.Status.DRAFT and request.method != "POST":
        messages.error(
            request,
            _("Only a draft quote can be changed; this one is %(status)s.")
            % {"status": quote.get_status_display()},
        )
        return redirect(_quote_url(quote))
    return _editor(request, kind=QUOTE, document=quote)


# --- fragments ---------------------------------------------------------------------------


def _sales_on(request: HttpRequest) -> None:
    """The editor serves orders and quotes: its fragments need one of the two on."""
    if not (module_on(request, "@orders") or module_on(request, "@quotes")):
        raise Http404


@staff_page("orders")
@require_GET
def customer_suggestions(request: HttpRequest) -> HttpResponse:
    """Customers whose name, company, NIP, phone or e-mail match `customer_q` (at most 8)."""
    _sales_on(request)
    query = request.GET.get("customer_q", "").strip()[:100]
    customers = list(customer_list(search=query)[:SUGGESTIONS]) if len(query) >= 2 else []
    rows = [{"customer": c, "label": _customer_label(c)} for c in customers]
    context = {"rows": rows, "query": query}
    return render(request, TEMPLATE + "#customer_suggestions", context)


@staff_page("orders")
@require_GET
def customer_address_part(request: HttpRequest) -> HttpResponse:
    """The delivery address fields filled from the picked customer."""
    _sales_on(request)
    customer_id = _ids(request.GET.get("customer", ""))
    customer = Customer.objects.filter(pk__in=customer_id).first()
    if customer is None:
        raise Http404
    header = Header(address=_address_of(customer))
    return render(request, TEMPLATE + "#address", {"header": header, "errors": {}})


@staff_page("orders")
@require_GET
def product_suggestions(request: HttpRequest) -> HttpResponse:
    """Active products whose code or name match what was typed in a line (one query)."""
    _sales_on(request)
    key = request.GET.get("key", "")
    if not KEY.match(key):
        raise Http404
    query = request.GET.get(f"line-{key}-product_q", "").strip()[:100]
    products = selectors.product_suggestions(query, SUGGESTIONS) if query else []
    context = {"products": products, "query": query, "key": key}
    return render(request, TEMPLATE + "#product_suggestions", context)


@staff_page("orders")
@require_GET
def line_part(request: HttpRequest) -> HttpResponse:
    """A line of the editor: a new blank one (no key given), or the line `key` filled from
    the product just picked -- with the defaults the input layer gives that product."""
    _sales_on(request)
    key = request.GET.get("key", "")
    if not key:
        row = LineRow(key=new_key(), values={}, focus=True)
        return render(request, TEMPLATE + "#line", _line_context(row))
    if not KEY.match(key):
        raise Http404
    rows = rows_from_post(request.GET)
    row = rows[0] if rows else LineRow(key=key, values={})
    row.errors = {}
    product_id = row.values.get("product", "")
    if product_id:
        quantity = row.values.get("quantity") or "1"
        given = {"product": product_id, "quantity": quantity,
                 "discount": row.values.get("discount", "")}  # fmt: skip
        try:
            (line,) = inputs.clean_lines([given])
        except ValidationError as exc:
            per_line, _document = _split(exc.message_dict)
            row.errors = per_line.get(0, {})
            if "product" in row.errors:
                row.values["product"] = ""
        else:
            assert line.product is not None
            row.values.update(
                description=line.description,
                quantity=row.values.get("quantity") or "1",
                unit=line.unit,
                unit_price=_plain(line.unit_price),
                discount=row.values.get("discount") or _plain(line.discount),
                vat_rate=line.vat_rate,
            )
            row.product_label = f"{line.product.code} · {line.product.name}"
    row.focus = True
    return render(request, TEMPLATE + "#line", _line_context(row))


def _urls() -> dict[str, str]:
    """The fragments a line asks for, reversed once for all lines."""
    return {"line": reverse("sales:editor_line"), "products": reverse("sales:editor_products")}


def _line_context(row: LineRow) -> dict[str, Any]:
    return {"row": row, "units": Unit.choices, "vat_rates": VatRate.choices, "urls": _urls()}


@staff_page("orders")
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    """Every line's amounts and errors and the document's totals, as out-of-band swaps:
    the inputs the user is typing in are never replaced."""
    _sales_on(request)
    rows = rows_from_post(request.POST)
    totals = evaluate(rows)
    context = {"rows": rows, "totals": totals, "oob": True}
    return render(request, TEMPLATE + "#recompute", context)


urlpatterns = [
    path("orders/new/", order_create, name="order_create"),
    path("orders/<uuid:pk>/edit/", order_edit, name="order_edit"),
    path("quotes/new/", quote_create, name="quote_create"),
    path("quotes/<uuid:pk>/edit/", quote_edit, name="quote_edit"),
    path("sales/editor/customers/", customer_suggestions, name="editor_customers"),
    path("sales/editor/address/", customer_address_part, name="editor_address"),
    path("sales/editor/products/", product_suggestions, name="editor_products"),
    path("sales/editor/line/", line_part, name="editor_line"),
    path("sales/editor/recompute/", recompute, name="editor_recompute"),
]
