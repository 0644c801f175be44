"""Domain events commit with the change they record, and wake the listener only after."""

from __future__ import annotations

import psycopg
import pytest
from django.core.exceptions import ValidationError

from dockpulse import events
from dockpulse.events.bridge import CHANNEL, OutboxOutsideTransaction
from dockpulse.events.models import EventLog
from dockpulse.tenancy import dbadmin, tenant_atomic, tenant_context
from tenant_apps.accounts.models import User
from tenant_apps.accounts.services import user_create


class Boom(Exception):
    pass


def create_user_then_fail() -> None:
    """A service that writes rows, sends its event, then fails."""
    with tenant_atomic():
        user_create(email="ghost@example.com", name="Ghost", password="Ghost-Pass-1234")
        raise Boom


@pytest.mark.django_db(databases="__all__")
def test_failed_service_leaves_neither_rows_nor_event(tenant_a):
    with tenant_context(tenant_a):
        events_before = EventLog.objects.count()
        with pytest.raises(Boom):
            create_user_then_fail()
        assert not User.objects.filter(email="ghost@example.com").exists()
        assert EventLog.objects.count() == events_before


@pytest.mark.django_db(databases="__all__")
def test_event_row_written_with_the_change(tenant_a):
    with tenant_context(tenant_a):
        user = user_create(email="eve@example.com", name="Eve", password="Eve-Pass-12345")
        event = EventLog.objects.get(entity_id=user.id)
    assert event.event_type == "entity.created"
    assert event.entity_type == "user"
    assert event.source_module == "accounts"
    assert event.payload == {"email": "eve@example.com", "role": "employee"}
    assert event.dispatched_at is None


@pytest.mark.django_db(databases="__all__")
def test_emit_returns_the_logged_row(tenant_a):
    with tenant_context(tenant_a):
        with tenant_atomic():
            event = events.emit(event_type="customer.created", source_module="customers")
        assert EventLog.objects.filter(pk=event.pk).exists()


def listen() -> psycopg.Connection:
    conn = psycopg.connect(**dbadmin.connection_params(), autocommit=True)
    conn.execute(f"LISTEN {CHANNEL}")
    return conn


def drain(conn: psycopg.Connection, timeout: float) -> list[str]:
    return [n.payload for n in conn.notifies(timeout=timeout, stop_after=10)]


def test_notify_arrives_only_after_commit(fresh_tenant):
    listener = listen()
    try:
        with tenant_context(fresh_tenant):
            with tenant_atomic():
                user_create(email="n1@example.com", name="N1", password="Notify-Pass-123")
                user_create(email="n2@example.com", name="N2", password="Notify-Pass-123")
                assert drain(listener, timeout=0.3) == []
            # One wake-up per commit, carrying only the tenant's slug.
            assert drain(listener, timeout=2) == [fresh_tenant.slug]
            assert EventLog.objects.filter(entity_type="user").count() == 3  # + the admin

            with pytest.raises(OutboxOutsideTransaction):
                events.emit(event_type="customer.created", source_module="customers")

            with pytest.raises(ValidationError), tenant_atomic():
                user_create(email="n3@example.com", name="N3", password="Notify-Pass-123")
                user_create(email="n3@example.com", name="N3", password="Notify-Pass-123")
            assert drain(listener, timeout=0.3) == []
            assert not User.objects.filter(email="n3@example.com").exists()
    finally:
        listener.close()
