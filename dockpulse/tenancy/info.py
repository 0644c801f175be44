"""The immutable snapshot of a tenant that the request, task or command runs as."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

TEMPLATE_SLUG = "template"


@dataclass(frozen=True, slots=True)
class TenantInfo:
    id: uuid.UUID
    slug: str
    name: str
    status: str
    template: str
    db_name: str
    db_host: str  # "" = the platform's server
    db_port: int | None  # None = the platform's server
    generation: int
    time_zone: str
    language: str
    currency: str
    # Derived from the row (generation + updated_at); the Redis registry holds the same
    # value, so a process knows its cached copy is current without asking PostgreSQL.
    stamp: str
    # The plan's limits (("max_users", 5), ("max_customers", None), ...; None = unlimited),
    # so a tenant write checks them without a platform query (dockpulse.tenancy.limits).
    limits: tuple[tuple[str, int | None], ...] = ()

    def limit(self, name: str) -> int | None:
        return dict(self.limits).get(name)

    @property
    def alias(self) -> str:
        return f"tenant_{self.slug}"

    @property
    def is_active(self) -> bool:
        return self.status == "active"


def template_info(db_name: str) -> TenantInfo:
    """A pseudo-tenant for the template database, used only to migrate it."""
    return TenantInfo(
        id=uuid.UUID(int=0),
        slug=TEMPLATE_SLUG,
        name="template",
        status="template",
        template="",
        db_name=db_name,
        db_host="",
        db_port=None,
        generation=0,
        time_zone="UTC",
        language="en",
        currency="PLN",
        stamp="template",
    )
