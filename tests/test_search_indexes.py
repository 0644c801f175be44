"""The search box's trigram indexes: present where the server offers pg_trgm, absent (and
the migrations still fine) where it does not, as on the embedded PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connections

from dockpulse.tenancy import current_db_alias, tenant_context
from tenant_apps.customers.selectors import customer_search
from tests import factories as f

pytestmark = pytest.mark.django_db(databases="__all__")

TRIGRAM_INDEXES = {
    "customers_name_trgm", "customers_company_trgm", "customers_email_trgm",
    "customers_phone_trgm", "customers_phone_digits_trgm", "customers_nip_trgm",
    "products_code_trgm", "products_name_trgm", "orders_number_trgm", "quotes_number_trgm",
}  # fmt: skip


def _tenant_indexes(tenant) -> tuple[bool, set[str]]:
    with tenant_context(tenant), connections[current_db_alias()].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        available = cursor.fetchone() is not None
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%%_trgm'")
        names = {row[0] for row in cursor.fetchall()}
    return available, names


def test_trigram_indexes_exist_exactly_where_the_server_offers_pg_trgm(tenant_a):
    available, names = _tenant_indexes(tenant_a)
    assert names == (TRIGRAM_INDEXES if available else set())


def test_search_box_finds_a_rare_customer_among_many_and_sorts_by_name(tenant_a):
    with tenant_context(tenant_a):
        f.CustomerFactory.create_batch(30)
        f.CustomerFactory.create(name="Zbigniew Wrzos")
        f.CustomerFactory.create(name="Adam Wrzosek")
        found = customer_search("wrzos", 5)
    assert [c.name for c in found] == ["Adam Wrzosek", "Zbigniew Wrzos"]
