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
    # The module codes the plan includes (its features["modules"]). None means no
    # restriction: a tenant without a plan, or a plan that never listed modules (made
    # before plans carried them); an empty set means the plan includes none. On the info,
    # like the limits, so the module switch checks it without a platform query, and a
    # plan edit reaches every process with the tenant's new stamp.
    plan_modules: frozenset[str] | None = None
    # Its last migration failed: its database is behind the code, so nothing may run on
    # it (its host answers a maintenance page, tasks and the listener skip it) until a
    # migration succeeds (docs/operations.md).
    migration_failed: bool = False

    def plan_includes(self, module: str) -> bool:
        return self.plan_modules is None or module in self.plan_modules

    def limit(self, name: str) -> int | None:
        return dict(self.limits).get(name)

    @property
    def alias(self) -> str:
        return f"tenant_{self.slug}"

    @property
    def is_active(self) -> bool:
        """Served and worked on: active, and its database at the code's migrations."""
        return self.status == "active" and not self.migration_failed


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
