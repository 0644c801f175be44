"""Plan limits, read from the platform database when a tenant creates what they limit."""

from __future__ import annotations

import uuid

from django.utils.translation import ngettext

from platform_app.models import Tenant


class PlanLimitError(Exception):
    """Creating one more would exceed the tenant's plan."""

    code = "plan_limit_reached"


def plan_limit(tenant_id: uuid.UUID, field: str) -> int | None:
    """The plan's limit (max_users, max_customers) for the tenant; None is unlimited."""
    value = Tenant.objects.filter(pk=tenant_id).values_list(f"plan__{field}", flat=True).first()
    return value if isinstance(value, int) else None


def _message(field: str, limit: int) -> str:
    if field == "max_users":
        text = ngettext(
            "Your plan allows %(limit)d active user; upgrade the plan to add more.",
            "Your plan allows %(limit)d active users; upgrade the plan to add more.",
            limit,
        )
    else:
        text = ngettext(
            "Your plan allows %(limit)d customer; upgrade the plan to add more.",
            "Your plan allows %(limit)d customers; upgrade the plan to add more.",
            limit,
        )
    return text % {"limit": limit}


def ensure_below(*, tenant_id: uuid.UUID, field: str, current: int) -> None:
    """Raise PlanLimitError if one more would exceed the plan's `field` limit."""
    limit = plan_limit(tenant_id, field)
    if limit is not None and current >= limit:
        raise PlanLimitError(_message(field, limit))
