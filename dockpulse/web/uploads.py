"""A CSV upload kept between its preview (the dry run) and the import the user confirms.

The file is stashed in the cache (keys carry the tenant, DESIGN §8) under a random token
bound to the user who uploaded it, for half an hour: the confirmation posts the token, not
the file again, and the import re-validates every row (all or nothing) before writing.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.cache import cache

TTL_SECONDS = 30 * 60


def _key(user: Any, token: str) -> str:
    return f"panel:upload:{user.pk}:{token}"


def stash_upload(*, user: Any, raw: bytes) -> str:
    token = secrets.token_urlsafe(16)
    cache.set(_key(user, token), raw, TTL_SECONDS)
    return token


def peek_upload(*, user: Any, token: str) -> bytes | None:
    if not token or len(token) > 64:
        return None
    raw = cache.get(_key(user, token))
    return raw if isinstance(raw, bytes) else None


def drop_upload(*, user: Any, token: str) -> None:
    cache.delete(_key(user, token))
