"""replay_events, expire_quotes and listen_events as an operator runs them: bad input is a
one-line error with exit code 2, and one tenant's command never touches another tenant."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test.utils import CaptureQueriesContext

from dockpulse.actors import SYSTEM
from dockpulse.events import delivery
from dockpulse.tenancy import tenant_context
from tenant_apps.customers.inputs import customer_input
from tenant_apps.customers.services import customer_create
from tenant_apps.sales import services
from tenant_apps.sales.inputs import quote_input
from tenant_apps.sales.models import Quote
from tests.support import quote_body, run_manage, seed

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay_events", "no-such-tenant"], "no active tenant no-such-tenant"),
        (["replay_events", "tenant-a", "--handler", "nope"], "unknown handler nope"),
        (["replay_events", "tenant-a", "--since", "last week"], "is not a date or time"),
        (["expire_quotes", "--tenant", "no-such-tenant"], "no active tenant no-such-tenant"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(tenant_a, args, message):
    with pytest.raises(CommandError) as caught:
        call_command(*args, stdout=io.StringIO())
    assert message in str(caught.value)
    assert caught.value.returncode == 2


def test_bad_input_from_the_shell(tenant_a):
    result = run_manage("replay_events", "tenant-a", "--since", "soon")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("CommandError: --since")


def test_replay_for_one_tenant_stays_in_it(tenant_a, tenant_b):
    with tenant_context(tenant_b):
        customer_create(
            values=customer_input({"name": "B's", "phone": "607 000 001"}), actor=SYSTEM
        )
    with CaptureQueriesContext(connections[tenant_b.alias]) as queries_b:
        call_command("replay_events", "tenant-a", stdout=io.StringIO())
    assert len(queries_b) == 0
    with tenant_context(tenant_b):
        assert delivery.drain().events >= 1  # B's event was left for B's own drain


def test_expire_quotes_for_one_tenant_leaves_the_others(tenant_a, tenant_b):
    expired = {}
    for tenant in (tenant_a, tenant_b):
        data = seed(tenant)
        with tenant_context(tenant):
            quote = services.quote_create(values=quote_input(quote_body(data)), actor=SYSTEM)
            services.quote_send(quote=quote, actor=SYSTEM)
            Quote.objects.filter(pk=quote.pk).update(valid_until=dt.date(2020, 1, 1))
            expired[tenant.slug] = quote.pk
    out = io.StringIO()
    call_command("expire_quotes", "--tenant", "tenant-a", stdout=out)
    assert "tenant-a: 1 quote(s) expired" in out.getvalue()
    with tenant_context(tenant_a):
        assert Quote.objects.get(pk=expired["tenant-a"]).status == "expired"
    with tenant_context(tenant_b):
        assert Quote.objects.get(pk=expired["tenant-b"]).status == "sent"
