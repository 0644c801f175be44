"""Reads of the portal's sign-in."""

from __future__ import annotations

from tenant_apps.customers.models import Customer


def portal_customer_by_phone(phone: str) -> Customer | None:
    """The customer whose login this E.164 phone is (access on or not)."""
    return Customer.objects.filter(phone=phone).first()
