"""The order's and the quote's PDF documents: what their text says (numbers, parties,
lines, VAT summary, totals, the amount in words, the acceptance record) in the tenant's
language and formats, embedded fonts, what the renderer refuses to fetch, the pages and
API actions that serve them (and their 503 when this server cannot render PDFs), tenant
isolation and constant query counts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import re
import subprocess
import sys
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import include, path
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.routers import SimpleRouter

from dockpulse.tenancy import tenant_context
from tenant_apps.configuration.models import CompanyProfile
from tenant_apps.products.models import Product
from tenant_apps.sales import documents, selectors
from tenant_apps.sales.api import OrderViewSet, QuoteViewSet
from tenant_apps.sales.documents import rendering, status
from tenant_apps.sales.documents.api import OrderPdfMixin, QuotePdfMixin
from tenant_apps.sales.documents.words import amount_in_words
from tenant_apps.sales.models import Quote, Source
from tests import factories as f
from tests.support import ROOT, client_for, host_of, html, panel_client, subprocess_env

pytestmark = pytest.mark.django_db(databases="__all__")

SHOTS = Path(os.environ.get("DOCUMENTS_SHOTS", "/tmp/shots"))  # noqa: S108 (looked at by hand)
CUSTOMER = "Zażółć Gęślą Jaźń sp. z o.o."
CHECKSUM = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
# A 1x1 PNG for the web server below.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


# --- the API actions, mounted by a tiny router of this module --------------------------
# tenant_apps/sales/api.py (another helper's file) takes the mixins in; until then the
# tests serve them from here, the same viewsets with the mixins added.


def _with(mixin: type, viewset: type) -> type:
    """The viewset with the mixin; itself once sales/api.py has taken the mixin in."""
    if issubclass(viewset, mixin):
        return viewset
    return type(viewset.__name__, (mixin, viewset), {"__module__": __name__})


_router = SimpleRouter()
_router.register("orders", _with(OrderPdfMixin, OrderViewSet), basename="pdf-order")
_router.register("quotes", _with(QuotePdfMixin, QuoteViewSet), basename="pdf-quote")
urlpatterns = [path("api/v1/", include(_router.urls)), path("", include("dockpulse.urls_tenant"))]


@pytest.fixture
def api_urls(settings):
    settings.TENANT_URLCONF = __name__


# --- helpers ----------------------------------------------------------------------------


def polish(tenant):
    """The same tenant, its documents in Polish (the tenant's language decides, not the
    user's or the request's)."""
    return dataclasses.replace(tenant, language="pl", time_zone="Europe/Warsaw")


def logo_png() -> bytes:
    """A 360x120 logo: a blue block with a white bar, enough to see where it sits."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 120), "#2b4c7e")
    ImageDraw.Draw(image).rectangle((30, 50, 330, 70), fill="#ffffff")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def company(tenant, *, logo: bool = True) -> None:
    with tenant_context(tenant):
        name = ""
        if logo:
            name = default_storage.save("company/logo.png", ContentFile(logo_png()))
        CompanyProfile.objects.update_or_create(
            singleton=True,
            defaults={"nip": "7010002137", "street": "Marszałkowska 1", "postal_code": "00-950",
                      "city": "Łódź", "email": "biuro@firma.pl", "phone": "+48221234567",
                      "logo": name},
        )  # fmt: skip


def customer(tenant, **extra: Any) -> Any:
    with tenant_context(tenant):
        return f.CustomerFactory.create(
            name="Grzegorz Brzęczyszczykiewicz", company_name=CUSTOMER, nip="5260001246",
            address_street="ul. Źródlana 7", address_postal_code="90-001", address_city="Łódź",
            email="zamowienia@zazolc.pl", **extra,
        )  # fmt: skip


def lines_mixed(tenant) -> list[dict[str, Any]]:
    """23% and 8%, a discount, Polish product names; the first line is a catalogue
    product's (its code is printed under the description)."""
    with tenant_context(tenant):
        chair = Product.objects.filter(code="KRZ-ŻUR-01").first() or f.ProductFactory.create(
            code="KRZ-ŻUR-01", name="Krzesło dębowe „Żuraw”", price=Decimal("249.99")
        )
    return [
        {"product": str(chair.pk), "quantity": "4", "discount": "10"},
        {"description": "Kawa ziarnista — 1 kg", "quantity": "2.5", "unit": "kg",
         "unit_price": "89.90", "vat_rate": "8"},
        {"description": "Montaż i dojazd", "quantity": "3", "unit": "h",
         "unit_price": "120.00", "vat_rate": "23"},
    ]  # fmt: skip


def make_order(tenant, lines: list[Any] | None = None, **header: Any) -> Any:
    buyer = header.pop("customer", None) or customer(tenant)
    with tenant_context(tenant):
        order = f.OrderFactory.create(customer=buyer, lines=lines or lines_mixed(tenant), **header)
        return selectors.order_get(order.pk)


def make_accepted_quote(tenant) -> Any:
    buyer = customer(tenant)
    with tenant_context(tenant):
        quote = f.QuoteFactory.create(
            customer=buyer, lines=lines_mixed(tenant), notes="Dziękujemy!"
        )
        # The acceptance record as quote_accept writes it (the quote flow is tested in
        # test_sales.py; here it is what the document prints).
        Quote.objects.filter(pk=quote.pk).update(
            status=Quote.Status.ACCEPTED,
            sent_at=dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC),
            accepted_at=dt.datetime(2026, 12, 1, 13, 5, tzinfo=dt.UTC),
            accepted_by="Jadwiga Żółkiewska",
            accepted_via=Source.PORTAL,
            accepted_ip="203.0.113.7",
            accepted_user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_4) Safari/604.1",
            accepted_checksum=CHECKSUM,
        )
        return selectors.quote_get(quote.pk)


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    # The thousands separator is a no-break space in Polish; compare with plain spaces.
    return text.replace("\xa0", " ").replace("\u202f", " ")


def save(name: str, pdf: bytes) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / name).write_bytes(pdf)


def render_order(tenant, order) -> bytes:
    with tenant_context(tenant):
        return documents.order_pdf(order)


def render_quote(tenant, quote) -> bytes:
    with tenant_context(tenant):
        return documents.quote_pdf(quote)


@pytest.fixture
def unavailable(monkeypatch):
    monkeypatch.setattr(status, "_probe", lambda: status.MISSING_LIBRARY)


# --- what the documents say -------------------------------------------------------------


def test_order_pdf_in_polish_holds_number_parties_lines_vat_summary_totals_and_words(tenant_a):
    company(tenant_a)
    order = make_order(
        tenant_a,
        delivery_date=dt.date(2026, 12, 15),
        delivery_address={"street": "ul. Łąkowa 3", "postal_code": "80-001", "city": "Gdańsk"},
        notes="Proszę dzwonić przed dostawą.",
    )
    pdf = render_order(polish(tenant_a), order)
    save("documents-order-pl.pdf", pdf)
    text = text_of(pdf)

    assert order.number in text
    assert CUSTOMER in text and "Grzegorz Brzęczyszczykiewicz" in text
    assert "5260001246" in text  # the customer's NIP
    assert "7010002137" in text and "Company A" in text  # the seller's NIP and name
    assert "Marszałkowska 1" in text and "00-950 Łódź" in text
    assert "ul. Źródlana 7" in text and "90-001 Łódź" in text
    assert "ul. Łąkowa 3" in text and "80-001 Gdańsk" in text  # delivery address
    assert "15.12.2026" in text  # delivery date, Polish format
    assert timezone.localdate().strftime("%d.%m.%Y") in text  # created
    assert "Proszę dzwonić przed dostawą." in text

    # Lines: description, quantity with unit, unit price, discount, net, rate, gross.
    assert "Krzesło dębowe „Żuraw”" in text and "KRZ-ŻUR-01" in text
    assert "Kawa ziarnista — 1 kg" in text and "Montaż i dojazd" in text
    assert re.search(r"4 szt 249,99 10% 899,96 23% 1 106,95", text), text
    # No discount prints a dash.
    assert re.search(r"2,5 kg 89,90 \u2013 224,75 8% 242,73", text), text
    assert re.search(r"3 h 120,00 \u2013 360,00 23% 442,80", text), text

    # VAT summary per rate: sums of the lines' rounded amounts.
    assert re.search(r"23% 1 259,96 289,79 1 549,75", text), text
    assert re.search(r"8% 224,75 17,98 242,73", text), text
    # Totals net / VAT / gross, in Polish money format.
    assert order.total_net == Decimal("1484.71") and order.total_gross == Decimal("1792.48")
    assert "1 484,71 zł" in text and "307,77 zł" in text and "1 792,48 zł" in text
    assert "tysiąc siedemset dziewięćdziesiąt dwa złote 48/100" in text


def test_customer_fields_the_tenant_hides_stay_off_the_document(tenant_a):
    company(tenant_a)
    order = make_order(tenant_a)
    with tenant_context(tenant_a):
        for name in ("nip", "email"):
            f.FieldConfigFactory.create(entity_type="customer", field_name=name, is_visible=False)
    text = text_of(render_order(polish(tenant_a), order))
    assert "Grzegorz Brzęczyszczykiewicz" in text and "ul. Źródlana 7" in text
    assert "5260001246" not in text and "zamowienia@zazolc.pl" not in text
    assert "7010002137" in text  # the seller's own NIP is not a customer field


def test_accepted_quote_pdf_has_the_acceptance_record_in_the_tenants_time(tenant_a):
    company(tenant_a, logo=False)
    quote = make_accepted_quote(tenant_a)
    pdf = render_quote(polish(tenant_a), quote)
    save("documents-quote-pl.pdf", pdf)
    text = text_of(pdf)
    assert quote.number in text and "5260001246" in text
    assert quote.valid_until.strftime("%d.%m.%Y") in text
    assert "30.11.2026" in text  # sent
    # 13:05 UTC is 14:05 in Warsaw, the tenant's time zone.
    assert "01.12.2026 14:05" in text
    assert "Jadwiga Żółkiewska" in text and "203.0.113.7" in text
    assert str(Source.PORTAL.label) in text or "Portal klienta" in text
    assert "Dziękujemy!" in text and "1 792,48 zł" in text


def test_english_tenant_gets_english_formats_and_words(tenant_a):
    order = make_order(tenant_a, lines=[
        {"description": "Service", "quantity": "1", "unit_price": "1000.00", "vat_rate": "23"},
        {"description": "Book", "quantity": "2", "unit_price": "10.50", "vat_rate": "5"},
    ])  # fmt: skip
    text = text_of(render_order(tenant_a, order))
    # Section headings are set in capitals by the stylesheet.
    assert "Order" in text and "BUYER" in text and "VAT SUMMARY" in text
    assert "PLN 1,252.05" in text  # 1000 + 230 + 21 + 1.05
    assert "one thousand, two hundred and fifty-two zlotys 05/100" in text
    assert re.search(r"5% 21\.00 1\.05 22\.05", text), text


def test_fonts_are_embedded_and_every_page_is_a4(tenant_a):
    order = make_order(tenant_a)
    reader = PdfReader(io.BytesIO(render_order(polish(tenant_a), order)))
    page: Any = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297
    fonts = page["/Resources"]["/Font"]
    names = []
    for ref in fonts.values():
        font = ref.get_object()
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, descriptor  # the TrueType program is in the file
        names.append(str(descriptor["/FontName"]))
    # Only the shipped DejaVu files (their @font-face family), subset: no system font
    # filled in for a missing glyph.
    assert all("DockPulse-Sans" in name for name in names), names
    assert any(name.endswith("DockPulse-Sans-Bold") for name in names), names


def test_page_numbers_say_page_x_of_y_on_a_long_order(tenant_a):
    many = [{"description": f"Pozycja {n}", "quantity": "1", "unit_price": "1.00",
             "vat_rate": "23"} for n in range(1, 81)]  # fmt: skip
    order = make_order(tenant_a, lines=many)
    pdf = render_order(tenant_a, order)
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 2
    assert f"Page 1 of {pages}" in (reader.pages[0].extract_text() or "")
    last = reader.pages[-1].extract_text() or ""
    assert f"Page {pages} of {pages}" in last and "Pozycja 80" in text_of(pdf)


def test_amount_in_words():
    assert amount_in_words(Decimal("1234.56"), "pl") == (
        "tysiąc dwieście trzydzieści cztery złote 56/100"
    )
    assert amount_in_words(Decimal("1"), "pl") == "jeden złoty 00/100"
    assert amount_in_words(Decimal("15.5"), "pl") == "piętnaście złotych 50/100"
    assert amount_in_words(Decimal("22"), "pl") == "dwadzieścia dwa złote 00/100"
    assert amount_in_words(Decimal("112"), "pl") == "sto dwanaście złotych 00/100"
    assert amount_in_words(Decimal("0.99"), "pl") == "zero złotych 99/100"
    assert amount_in_words(Decimal("1"), "en") == "one zloty 00/100"
    assert amount_in_words(Decimal("2.10"), "en-gb") == "two zlotys 10/100"


def test_filename_keeps_safe_characters_only(tenant_a):
    assert documents.pdf_filename(Quote(number="ZAM/2026/0001")) == "ZAM-2026-0001.pdf"
    assert documents.pdf_filename(Quote(number='OF-1"; x=..')) == "OF-1-x.pdf"
    assert documents.pdf_filename(Quote(number="///")) == "document.pdf"


# --- the renderer fetches nothing it was not given ---------------------------------------


class _Counting(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Counting.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def listener():
    """A local web server that records every request it gets."""
    _Counting.hits = []
    server = HTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_fetcher_opens_only_the_shipped_fonts_and_data_uris(listener):
    fetcher = rendering.fetcher()
    font = (rendering.FONTS_DIR / "DejaVuSans.ttf").resolve()
    assert fetcher.fetch(font.as_uri()).read(4) == b"\x00\x01\x00\x00"  # a TrueType file
    assert fetcher.fetch("data:text/plain;base64,b2s=").read() == b"ok"
    refused = [
        f"{listener}/logo.png",
        "https://example.com/x.png",
        "ftp://example.com/x",
        "file:///etc/passwd",
        (rendering.FONTS_DIR / "LICENSE.txt").resolve().as_uri(),
        font.as_uri().replace("DejaVuSans.ttf", "../../manage.py"),
        font.as_uri().replace("file:///", "file://evil.example.com/"),
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert _Counting.hits == []


def test_a_document_with_remote_and_local_references_fetches_none_of_them(listener):
    html = f"""<html><head><link rel="stylesheet" href="{listener}/style.css"></head>
    <body><img src="{listener}/img.png"><img src="file:///etc/passwd">
    <p style="background: url({listener}/bg.png)">x</p>
    <iframe src="{listener}/frame"></iframe><object data="file:///etc/hostname"></object>
    </body></html>"""
    css = f'@import url("{listener}/imported.css"); body {{ background: url("{listener}/b.png") }}'
    pdf = rendering.html_to_pdf(html, css)
    assert pdf.startswith(b"%PDF")
    assert _Counting.hits == []
    assert b"root:" not in pdf


def test_markup_in_a_customers_fields_is_printed_as_text_and_never_fetched(tenant_a, listener):
    buyer = customer(tenant_a)
    with tenant_context(tenant_a):
        buyer.name = f'<img src="{listener}/name.png">Jan'
        buyer.company_name = '<img src="file:///etc/passwd">'
        buyer.save()
    order = make_order(
        tenant_a, customer=buyer, notes=f'<link rel="stylesheet" href="{listener}/n">'
    )
    text = re.sub(r"\s+", "", text_of(render_order(tenant_a, order)))  # a long name wraps
    assert _Counting.hits == []
    assert f'<imgsrc="{listener}/name.png">Jan' in text
    assert '<imgsrc="file:///etc/passwd">' in text


# --- the pages -----------------------------------------------------------------------------


def test_order_and_quote_pdf_pages_answer_a_pdf_inline_named_by_the_number(tenant_a):
    order = make_order(tenant_a)
    quote = make_accepted_quote(tenant_a)
    client = panel_client(tenant_a, "employee")
    for url, document in ((f"/orders/{order.pk}/pdf/", order), (f"/quotes/{quote.pk}/pdf/", quote)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'inline; filename="{documents.pdf_filename(document)}"'
        )
        assert document.number in text_of(response.content)
    assert client.post(f"/orders/{order.pk}/pdf/").status_code == 405


def test_unknown_ids_are_404(tenant_a):
    client = panel_client(tenant_a)
    assert client.get("/orders/00000000-0000-0000-0000-000000000000/pdf/").status_code == 404
    assert client.get("/quotes/00000000-0000-0000-0000-000000000000/pdf/").status_code == 404
    assert client.get("/orders/not-a-uuid/pdf/").status_code == 404


def test_without_the_pdf_library_the_link_says_why_and_the_page_is_a_503(tenant_a, unavailable):
    from django.template.loader import render_to_string

    state = documents.pdf_status()
    assert not state.available
    assert state.reason == (
        "PDF documents are unavailable on this server: the Pango library is not installed."
    )
    link = render_to_string("sales/pdf/link.html", {"url": "/orders/x/pdf/", "pdf": state})
    assert state.reason in link and "href" not in link
    ready = documents.PdfStatus(available=True)
    link = render_to_string("sales/pdf/link.html", {"url": "/orders/x/pdf/", "pdf": ready})
    assert 'href="/orders/x/pdf/"' in link and "PDF" in link

    order = make_order(tenant_a)
    with tenant_context(tenant_a), pytest.raises(documents.PdfUnavailable) as raised:
        documents.order_pdf(order)
    assert raised.value.message == state.reason

    client = panel_client(tenant_a)
    response = client.get(f"/orders/{order.pk}/pdf/")
    assert response.status_code == 503
    page = html(response)
    assert state.reason in page and order.number in page
    assert "<nav" in page  # the panel's layout, not a bare error
    quote = make_accepted_quote(tenant_a)
    assert client.get(f"/quotes/{quote.pk}/pdf/").status_code == 503


class _NoPango:
    """An import hook that fails as WeasyPrint does when Pango cannot be loaded."""

    def find_spec(self, name: str, *args: Any) -> None:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': No such file")


def test_the_probe_names_a_missing_library_an_old_one_or_the_package(monkeypatch):
    probe = status._probe.__wrapped__  # the check itself, not the process's cached answer
    assert probe() is None
    with monkeypatch.context() as patch:
        patch.setitem(status.LIBRARIES, "pango-1.0", ("libpango-not-here.so.0",))
        assert probe() == status.MISSING_LIBRARY
    with monkeypatch.context() as patch:
        patch.setattr(status, "pango_version", lambda library: 14205)  # 1.42.5
        assert probe() == status.OLD_LIBRARY
        assert "older than version 1.44" in status.reason_for(status.OLD_LIBRARY)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # not installed
    assert probe() == status.MISSING_PACKAGE


def test_a_weasyprint_that_fails_to_load_is_unavailable_not_an_error(monkeypatch):
    monkeypatch.delitem(sys.modules, "weasyprint")
    monkeypatch.setattr(sys, "meta_path", [_NoPango(), *sys.meta_path])
    with pytest.raises(documents.PdfUnavailable) as raised:
        rendering.html_to_pdf("<p>x</p>", "")
    assert "failed to load" in raised.value.message


def test_the_product_starts_without_weasyprint():
    """Nothing imports WeasyPrint at start-up: with it missing, the checks pass, every URL
    module loads and the PDF status says why there are no PDFs."""
    script = (
        "import sys; sys.modules['weasyprint'] = None\n"
        "import django; django.setup()\n"
        "from django.core.management import call_command; call_command('check')\n"
        "from django.urls import get_resolver\n"
        "get_resolver('dockpulse.urls_tenant').url_patterns\n"
        "import tenant_apps.sales.documents.api\n"
        "from tenant_apps.sales.documents import pdf_status; print(pdf_status().reason)\n"
    )
    env = subprocess_env(DJANGO_SETTINGS_MODULE="dockpulse.settings")
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "the WeasyPrint package is not installed" in result.stdout


def test_detail_pages_link_the_pdf_or_say_why_there_is_none(tenant_a, monkeypatch):
    order = make_order(tenant_a)
    quote = make_accepted_quote(tenant_a)
    client = panel_client(tenant_a)
    pages = [(f"/orders/{order.pk}/", f"/orders/{order.pk}/pdf/"),
             (f"/quotes/{quote.pk}/", f"/quotes/{quote.pk}/pdf/")]  # fmt: skip
    for page, pdf in pages:
        assert f'href="{pdf}"' in html(client.get(page)), page
    monkeypatch.setattr(status, "_probe", lambda: status.MISSING_LIBRARY)
    reason = documents.pdf_status().reason
    for page, pdf in pages:
        shown = html(client.get(page))
        assert reason in shown and f'href="{pdf}"' not in shown, page


def test_a_session_of_tenant_a_gets_no_pdf_of_tenant_b(tenant_a, tenant_b):
    theirs = make_order(tenant_b)
    their_quote = make_accepted_quote(tenant_b)
    ours = make_order(tenant_a)
    urls = [f"/orders/{theirs.pk}/pdf/", f"/quotes/{their_quote.pk}/pdf/"]
    client = panel_client(tenant_a)
    for url in urls:
        response = client.get(url, HTTP_HOST=host_of(tenant_b))
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert "/login/" in response["Location"]
        assert response.get("Content-Type") != "application/pdf"
    client = panel_client(tenant_a)
    for url in urls:  # B's ids on A's host
        assert client.get(url).status_code == 404, url
    assert client.get(f"/orders/{ours.pk}/pdf/").status_code == 200


def _capture(tenant, client, url: str) -> int:
    with CaptureQueriesContext(connections[tenant.alias]) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_a_document_takes_the_same_queries_for_1_and_30_lines(tenant_a):
    company(tenant_a)
    with tenant_context(tenant_a):
        products = f.ProductFactory.create_batch(30)
    small = make_order(tenant_a, lines=[f.ProductLineFactory(of=products[0])])
    large = make_order(tenant_a, lines=[f.ProductLineFactory(of=p, quantity="2") for p in products])
    client = panel_client(tenant_a)
    _capture(tenant_a, client, f"/orders/{small.pk}/pdf/")  # session and caches warm
    one = _capture(tenant_a, client, f"/orders/{small.pk}/pdf/")
    thirty = _capture(tenant_a, client, f"/orders/{large.pk}/pdf/")
    assert one == thirty, (one, thirty)
    text = text_of(client.get(f"/orders/{large.pk}/pdf/").content)
    assert all(f"Code: {p.code}" in text for p in products)


# --- the API ---------------------------------------------------------------------------------


def test_api_returns_the_pdf_or_the_error_shape(tenant_a, api_urls):
    order = make_order(tenant_a)
    quote = make_accepted_quote(tenant_a)
    client = client_for(tenant_a, "employee")
    for url, document in (
        (f"/api/v1/orders/{order.pk}/pdf/", order),
        (f"/api/v1/quotes/{quote.pk}/pdf/", quote),
    ):
        for accept in ("application/json", "application/pdf", "*/*"):
            response = client.get(url, HTTP_ACCEPT=accept)
            assert response.status_code == 200, (url, accept, response.content[:200])
            assert response["Content-Type"] == "application/pdf"
            assert document.number in text_of(response.content)
        assert "attachment" not in response["Content-Disposition"]
    missing = client.get("/api/v1/orders/00000000-0000-0000-0000-000000000000/pdf/",
                         HTTP_ACCEPT="application/pdf")  # fmt: skip
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"
    assert missing.json()["error"]["code"] == "not_found"


def test_api_without_the_pdf_library_is_a_503_in_words(tenant_a, api_urls, unavailable):
    order = make_order(tenant_a)
    client = client_for(tenant_a)
    for accept in ("application/json", "application/pdf"):
        response = client.get(f"/api/v1/orders/{order.pk}/pdf/", HTTP_ACCEPT=accept)
        assert response.status_code == 503
        assert response["Content-Type"] == "application/json"
        error = response.json()["error"]
        assert error["code"] == "pdf_unavailable"
        assert "Pango" in error["message"]


def test_api_isolation(tenant_a, tenant_b, api_urls):
    theirs = make_order(tenant_b)
    their_quote = make_accepted_quote(tenant_b)
    ours = client_for(tenant_a)
    for url in (f"/api/v1/orders/{theirs.pk}/pdf/", f"/api/v1/quotes/{their_quote.pk}/pdf/"):
        # A's token on B's host is refused; B's ids on A's host are not found.
        on_b = ours.get(url, HTTP_HOST=host_of(tenant_b))
        assert on_b.status_code in (401, 403), on_b.content
        assert ours.get(url).status_code == 404


def test_the_pdf_actions_are_documented_as_binary_without_schema_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/v1/", include(_router.urls))]).get_schema(
        request=None, public=True
    )
    validate_schema(schema)
    assert not GENERATOR_STATS, GENERATOR_STATS._warn_cache or GENERATOR_STATS._error_cache
    for kind in ("orders", "quotes"):
        operation = schema["paths"][f"/api/v1/{kind}/{{id}}/pdf/"]["get"]
        content = operation["responses"]["200"]["content"]
        assert content["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
        assert "503" in operation["responses"]


# --- the decision record (issue 15) ------------------------------------------------------


def test_the_acceptance_record_prints_the_browser_and_the_whole_checksum(tenant_a):
    company(tenant_a, logo=False)
    text = text_of(render_quote(tenant_a, make_accepted_quote(tenant_a)))
    assert "ACCEPTANCE" in text and "Checksum of the quote (SHA-256)" in text
    assert CHECKSUM in re.sub(r"\s+", "", text)  # all 64 digits, wherever a line breaks
    assert "iPhone OS 17_4" in text and "203.0.113.7" in text


def test_a_rejected_quote_prints_the_rejection_record_with_its_reason(tenant_a):
    buyer = customer(tenant_a)
    with tenant_context(tenant_a):
        quote = f.QuoteFactory.create(customer=buyer, lines=lines_mixed(tenant_a))
        Quote.objects.filter(pk=quote.pk).update(
            status=Quote.Status.REJECTED,
            rejected_at=dt.datetime(2026, 12, 2, 8, 30, tzinfo=dt.UTC),
            rejection_reason="Za drogo, wrócimy w marcu.",
            rejected_by="Jadwiga Żółkiewska",
            rejected_via=Source.PORTAL,
            rejected_ip="2001:db8::7",
            rejected_user_agent="Mozilla/5.0 (Android 14) Chrome/124",
            rejected_checksum=CHECKSUM,
        )
        quote = selectors.quote_get(quote.pk)
    text = text_of(render_quote(polish(tenant_a), quote))
    assert "02.12.2026 09:30" in text  # the tenant's time
    assert "Za drogo, wrócimy w marcu." in text and "Jadwiga Żółkiewska" in text
    assert "2001:db8::7" in text and "Android 14" in text
    assert CHECKSUM in re.sub(r"\s+", "", text)


def test_the_checksum_covers_what_the_customer_sees_and_nothing_else(tenant_a):
    from tenant_apps.sales.documents.checksum import quote_checksum

    quote = make_accepted_quote(tenant_a)
    with tenant_context(tenant_a):
        first = quote_checksum(quote)
        assert len(first) == 64 and quote_checksum(selectors.quote_get(quote.pk)) == first
        # The decision and the status are not part of what was shown.
        Quote.objects.filter(pk=quote.pk).update(status=Quote.Status.SENT, accepted_ip=None)
        assert quote_checksum(selectors.quote_get(quote.pk)) == first
        # The notes are.
        Quote.objects.filter(pk=quote.pk).update(notes="Dziękujemy!!")
        assert quote_checksum(selectors.quote_get(quote.pk)) != first
        Quote.objects.filter(pk=quote.pk).update(notes="Dziękujemy!")
        # So is what the document prints of the customer, and only that: a hidden field
        # leaves the checksum.
        f.FieldConfigFactory.create(entity_type="customer", field_name="nip", is_visible=False)
        assert quote_checksum(selectors.quote_get(quote.pk)) != first
