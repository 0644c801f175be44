"""Portal pages: placing an order (the catalogue, the cart, the checkout) and repeating a
past order in one step (issue 15, "Place an order").

Thin: the catalogue is `selectors.catalogue`, every figure and rule is
`services.ordering`'s. The cart lives in the portal session (product ids and quantities
as typed, nothing else) and is checked again, in full, when the order is placed. No
page needs JavaScript: every change to the cart is a form post and a redirect back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.formats import get_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from dockpulse.errors import DomainError
from dockpulse.numbers import to_decimal
from dockpulse.web.templatetags.panel import qty
from tenant_apps.customers.models import Customer
from tenant_apps.portal.forms_ordering import AddToCartForm, CatalogueSearchForm, CheckoutForm
from tenant_apps.portal.selectors import catalogue as selectors
from tenant_apps.portal.services import ordering as services
from tenant_apps.portal.sessions import current_customer, portal_page, portal_session
from tenant_apps.sales.models import Order
from tenant_apps.sales.services.common import customer_address
from tenant_apps.sales.services.lines import MAX_LINES
from tenant_apps.sales.services.quotes import tenant_today

CART_KEY = "_portal_cart"  # [[product id, quantity as typed], ...] in the customer's order
CHECKOUT_KEY = "_portal_checkout"  # the checkout's fields as typed: date, address, notes
CATALOGUE = "portal/ordering/catalogue.html"
CART = "portal/ordering/cart.html"


# --- the cart in the portal session ---------------------------------------------------------


def _clean_id(raw: Any) -> str | None:
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        return None


def cart_of(session: SessionBase) -> list[tuple[str, str]]:
    """The cart's lines, (product id, quantity as typed); whatever else the session holds
    under the key (an older shape, a tampered row) is dropped."""
    lines: list[tuple[str, str]] = []
    raw = session.get(CART_KEY)
    if not isinstance(raw, list):
        return lines
    for item in raw[:MAX_LINES]:
        if isinstance(item, list | tuple) and len(item) == 2:
            pk = _clean_id(item[0])
            if pk is not None and all(pk != seen for seen, _q in lines):
                lines.append((pk, str(item[1])[:30]))
    return lines


def _store_cart(session: SessionBase, lines: list[tuple[str, str]]) -> None:
    if lines:
        session[CART_KEY] = [[pk, quantity] for pk, quantity in lines[:MAX_LINES]]
    else:
        session.pop(CART_KEY, None)


def _sum(old: str, added: Decimal) -> str:
    try:
        return format(to_decimal(old) + added, "f")
    except InvalidOperation:  # what was stored is no number: the new quantity replaces it
        return format(added, "f")


# --- the catalogue ------------------------------------------------------------------------


@dataclass
class ProductRow:
    row: selectors.CatalogueRow
    typed: str = "1"
    errors: list[str] = field(default_factory=list)

    @property
    def product(self) -> Any:
        return self.row.product


def _catalogue_page(
    request: HttpRequest,
    *,
    q: str,
    page: str,
    failed: tuple[str, str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The catalogue page; `failed` = (product id, quantity typed, errors) of an "Add"
    that was refused, shown on that product."""
    products = Paginator(selectors.catalogue(q), selectors.PAGE_SIZE).get_page(page)
    rows = [ProductRow(row) for row in selectors.catalogue_rows(products.object_list)]
    shown_on_product = False
    for row in rows:
        if failed is not None and str(row.product.pk) == failed[0]:
            row.typed, row.errors = failed[1], failed[2]
            shown_on_product = True
    context = {
        "search": CatalogueSearchForm(initial={"q": q}),
        "q": q,
        "page_obj": products,
        "rows": rows,
        "cart_count": len(cart_of(portal_session(request))),
        # A product no longer on this page (sold out of the catalogue meanwhile): on top.
        "top_errors": failed[2] if failed is not None and not shown_on_product else [],
    }
    return render(request, CATALOGUE, context, status=status)


@portal_page()
def order_new(request: HttpRequest) -> HttpResponse:
    """The active catalogue: search by name or code, paged, "Add to cart" per product."""
    search = CatalogueSearchForm(request.GET)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    return _catalogue_page(request, q=q, page=request.GET.get("page", ""))


@portal_page()
@require_POST
def order_cart_add(request: HttpRequest) -> HttpResponse:
    """One product into the cart (added to what it holds of it already), then back to
    the same catalogue page; a refused quantity is shown on its product."""
    form = AddToCartForm(request.POST)
    q = str(request.POST.get("q", ""))[:100]
    page = str(request.POST.get("page", ""))[:10]
    typed = str(request.POST.get("quantity", ""))[:30]
    if not form.is_valid():
        product_id = _clean_id(request.POST.get("product")) or ""
        problems = [str(m) for errors in form.errors.values() for m in errors]
        return _catalogue_page(request, q=q, page=page, failed=(product_id, typed, problems),
                               status=400)  # fmt: skip
    product_id = str(form.cleaned_data["product"])
    product = selectors.products_by_id([product_id]).get(form.cleaned_data["product"])
    session = portal_session(request)
    lines = cart_of(session)
    held = next((quantity for pk, quantity in lines if pk == product_id), None)
    try:
        if problem := services.product_problem(product):
            raise ValidationError(problem)
        assert product is not None
        quantity = services.portal_quantity(product, form.cleaned_data["quantity"])
        total = services.portal_quantity(product, _sum(held, quantity) if held else quantity)
    except ValidationError as exc:
        return _catalogue_page(request, q=q, page=page, failed=(product_id, typed, exc.messages),
                               status=400)  # fmt: skip
    if held is None and len(lines) >= MAX_LINES:
        problem = _("Your cart is full: place this order first.")
        return _catalogue_page(request, q=q, page=page, failed=(product_id, typed, [problem]),
                               status=400)  # fmt: skip
    value = format(total.normalize(), "f")
    if held is None:
        lines.append((product_id, value))
    else:
        lines = [(pk, value if pk == product_id else old) for pk, old in lines]
    _store_cart(session, lines)
    messages.success(
        request,
        _("Added to your cart: %(quantity)s %(unit)s of %(name)s.")
        % {"quantity": qty(quantity), "unit": product.unit, "name": product.name},
    )
    query = {key: value for key, value in (("q", q), ("page", page)) if value}
    back = reverse("portal:order_new") + (f"?{urlencode(query)}" if query else "")
    return HttpResponseRedirect(back)


# --- the cart and the checkout ------------------------------------------------------------


def _as_typed(quantity: str) -> str:
    """A stored quantity as the customer would type it in their language (2.5 is 2,5 in
    Polish); what is no number stays as it was typed."""
    try:
        value = to_decimal(quantity)
    except InvalidOperation:
        return quantity
    return format(value.normalize(), "f").replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _detail_url(order: Order) -> str:
    return reverse("portal:order_detail", kwargs={"pk": order.pk})


def _checkout_initial(session: SessionBase, customer: Customer) -> dict[str, str]:
    """The fields as the customer left them, else the profile's address."""
    draft = session.get(CHECKOUT_KEY)
    if isinstance(draft, dict):
        return {key: str(draft.get(key) or "") for key in CheckoutForm.base_fields}
    address = customer_address(customer)
    return {key: address.get(key, "") for key in CheckoutForm.ADDRESS}


def _posted_lines(request: HttpRequest) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    for raw in request.POST.getlist("line")[:MAX_LINES]:
        pk = _clean_id(raw)
        if pk is not None and all(pk != seen for seen, _q in lines):
            lines.append((pk, str(request.POST.get(f"quantity-{pk}", "")).strip()[:30]))
    return lines


# The service's names for the header's fields, as the checkout form calls them.
FIELD_NAMES = {
    "delivery_date": "delivery_date",
    "notes": "notes",
    "delivery_address.street": "street",
    "delivery_address.postal_code": "postal_code",
    "delivery_address.city": "city",
}


def _cart_page(
    request: HttpRequest,
    *,
    lines: list[tuple[str, str]],
    form: CheckoutForm,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The cart with its figures; `errors` are what placing the order refused (keyed as
    the service keys them), put on their lines and fields."""
    figures = services.portal_cart_figures(lines)
    top: list[str] = list(figures.problems)
    by_index = {index: pk for index, (pk, _quantity) in enumerate(lines)}
    shown = {str(line.product.pk): line for line in figures.lines}
    for name, problems in (errors or {}).items():
        parts = name.split(".")
        if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
            line = shown.get(by_index.get(int(parts[1]), ""))
            if line is not None:
                line.errors[parts[2]] = list(problems)
                continue
        if name in FIELD_NAMES and FIELD_NAMES[name] in form.fields:
            if FIELD_NAMES[name] not in form.errors:
                form.add_error(FIELD_NAMES[name], list(problems))
            continue
        top.extend(problems)
    for line in figures.lines:
        line.quantity = _as_typed(line.quantity)
    form.fields["delivery_date"].widget.attrs["min"] = tenant_today().isoformat()
    context = {
        "figures": figures,
        "form": form,
        "top_errors": list(dict.fromkeys(top)),
        "line_problems": any(line.errors for line in figures.lines),
    }
    return render(request, CART, context, status=status)


@portal_page()
def order_cart(request: HttpRequest) -> HttpResponse:
    """GET: the cart, its totals and the checkout's fields. POST: "Update the cart"
    (quantities as typed, `remove`), or "Place order"; both keep what was typed."""
    customer = current_customer(request)
    session = portal_session(request)
    if request.method != "POST":
        lines = cart_of(session)
        known = selectors.products_by_id(pk for pk, _quantity in lines)
        kept = [(pk, quantity) for pk, quantity in lines if uuid.UUID(pk) in known]
        if len(kept) < len(lines):
            _store_cart(session, kept)
            messages.warning(request, _("A product of your cart is gone from the catalogue."))
        form = CheckoutForm(initial=_checkout_initial(session, customer))
        return _cart_page(request, lines=kept, form=form)

    lines = _posted_lines(request)
    removed = _clean_id(request.POST.get("remove"))
    if removed is not None:
        lines = [(pk, quantity) for pk, quantity in lines if pk != removed]
    form = CheckoutForm(request.POST)
    form.is_valid()  # only cleans the strings: the service decides
    draft = {
        key: str(request.POST.get(key, ""))[: services.NOTES_MAX]
        for key in CheckoutForm.base_fields
    }
    _store_cart(session, lines)
    session[CHECKOUT_KEY] = draft
    if removed is not None or request.POST.get("action") != "place":
        if removed is not None:
            messages.success(request, _("The product was removed from your cart."))
        return HttpResponseRedirect(reverse("portal:order_cart"))
    if not lines:
        messages.error(request, _("Your cart is empty: add products from the catalogue first."))
        return HttpResponseRedirect(reverse("portal:order_cart"))
    try:
        order = services.portal_order_place(
            customer=customer,
            lines=lines,
            delivery_date=draft["delivery_date"].strip() or None,
            delivery_address={key: draft[key] for key in CheckoutForm.ADDRESS},
            notes=draft["notes"],
        )
    except ValidationError as exc:
        found = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return _cart_page(request, lines=lines, form=form, errors=found, status=400)
    except DomainError as exc:
        return _cart_page(request, lines=lines, form=form, errors={"": [exc.message]},
                          status=exc.status)  # fmt: skip
    session.pop(CART_KEY, None)
    session.pop(CHECKOUT_KEY, None)
    messages.success(
        request,
        _("Thank you: your order %(number)s has been placed. We will confirm it soon.")
        % {"number": order.number},
    )
    return HttpResponseRedirect(_detail_url(order))


# --- repeating a past order -----------------------------------------------------------------


@portal_page()
@require_POST
def order_reorder(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """One POST: a new order of the same products and quantities at today's prices;
    products no longer sold are left out and named. Another customer's order is 404."""
    customer = current_customer(request)
    order = get_object_or_404(selectors.customer_orders(customer), pk=pk)
    try:
        result = services.portal_order_reorder(customer=customer, order=order)
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(_detail_url(order))
    except ValidationError as exc:
        messages.error(
            request,
            _("Order %(number)s cannot be repeated as it was: %(problems)s")
            % {"number": order.number, "problems": " ".join(exc.messages)},
        )
        return HttpResponseRedirect(_detail_url(order))
    messages.success(
        request,
        _("Order %(old)s ordered again: your new order is %(number)s, at today's prices.")
        % {"old": order.number, "number": result.order.number},
    )
    if result.skipped:
        messages.warning(
            request,
            ngettext(
                "Not included because it is no longer sold: %(names)s.",
                "Not included because they are no longer sold: %(names)s.",
                len(result.skipped),
            )
            % {"names": ", ".join(result.skipped)},
        )
    return HttpResponseRedirect(_detail_url(result.order))


urlpatterns = [
    path("orders/new/", order_new, name="order_new"),
    path("orders/new/add/", order_cart_add, name="order_cart_add"),
    path("orders/new/cart/", order_cart, name="order_cart"),
    path("orders/<uuid:pk>/reorder/", order_reorder, name="order_reorder"),
]
