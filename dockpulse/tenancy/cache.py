"""Cache keys carry the tenant id and generation, so tenants never read each other's
entries and a restored tenant starts with a cold cache."""

from __future__ import annotations

from .context import PLATFORM, current_state
from .info import TenantInfo


def make_key(key: str, key_prefix: str, version: int | str) -> str:
    state = current_state()
    if isinstance(state, TenantInfo):
        scope = f"t:{state.id}:{state.generation}"
    elif state is PLATFORM:
        scope = "p"
    else:
        scope = "g"
    return f"{key_prefix}:{scope}:{version}:{key}"
