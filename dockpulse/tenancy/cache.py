"""Cache keys carry the tenant id and generation, so tenants never read each other's
entries and a restored tenant starts with a cold cache."""

from __future__ import annotations

from .context import PLATFORM, current_state
from .exceptions import NoTenantContext
from .info import TenantInfo


def make_key(key: str, key_prefix: str, version: int | str) -> str:
    state = current_state()
    if isinstance(state, TenantInfo):
        scope = f"t:{state.id}:{state.generation}"
    elif state is PLATFORM:
        scope = "p"
    else:
        # Two tenants' code running without context would otherwise share entries.
        raise NoTenantContext(f"cache key {key!r} used with no tenant or platform context")
    return f"{key_prefix}:{scope}:{version}:{key}"
