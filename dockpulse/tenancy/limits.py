"""Plan limits at the moment of a tenant write, from the tenant's cached info.

The limits travel on TenantInfo (the platform fills them from the tenant's plan), so a
customer or user create checks them with no platform query, and a tenant app never
imports the platform app. A plan change republishes the tenant's stamp, so every process
sees new limits from its next request.
"""

from __future__ import annotations

from django.utils.translation import ngettext

from dockpulse.errors import PlanLimitError

from .context import get_current_tenant


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


def ensure_below(*, field: str, current: int) -> None:
    """Raise PlanLimitError if one more would exceed the current tenant's `field` limit."""
    limit = get_current_tenant().limit(field)
    if limit is not None and current >= limit:
        raise PlanLimitError(_message(field, limit))
