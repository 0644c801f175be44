"""Bodies too big to read (issue 18, 7): refused by their size before anything reads them,
on the page and the API, in words."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from dockpulse.web.limits import RequestSizeLimitMiddleware
from tests.support import client_for, fields_of

pytestmark = pytest.mark.django_db(databases="__all__")


def _reached() -> tuple[list[str], RequestSizeLimitMiddleware]:
    seen: list[str] = []

    def view(request):
        seen.append(request.path)
        return HttpResponse("read")

    return seen, RequestSizeLimitMiddleware(view)


@override_settings(REQUEST_MAX_BYTES=1024 * 1024)
def test_a_body_over_the_limit_is_413_before_any_view_reads_it():
    seen, middleware = _reached()
    factory = RequestFactory()
    page = middleware(factory.post("/customers/import/", CONTENT_LENGTH=str(2 * 1024 * 1024)))
    assert page.status_code == 413 and b"larger than 1 MB" in page.content
    api = middleware(factory.post("/api/v1/customers/import/", CONTENT_LENGTH="99999999999"))
    assert api.status_code == 413
    assert json.loads(api.content)["error"]["code"] == "too_large"
    assert seen == []
    fine = middleware(factory.post("/customers/import/", {"a": "b"}))
    assert fine.status_code == 200 and seen == ["/customers/import/"]


def test_an_api_csv_over_5_mb_is_refused_on_its_field_unread(tenant_a):
    client = client_for(tenant_a, "manager")
    big = b"name,phone\n" + b"x" * (5 * 1024 * 1024)
    response = client.post(
        "/api/v1/customers/import/",
        {"file": SimpleUploadedFile("customers.csv", big, content_type="text/csv")},
        format="multipart",
    )
    assert fields_of(response)["file"] == ["The file is larger than 5 MB."]
