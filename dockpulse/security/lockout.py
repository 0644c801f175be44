"""Lockout of repeated failures, one mechanism for every way in.

Each attempt is counted *before* the password is checked, in one Redis script that checks
the limits and increments both counters atomically: a burst of parallel guesses cannot
all slip past a "not yet locked" read (the race of check-then-increment). A successful
attempt clears the identity's counter and gives its reservation back to the address, so
an office behind one NAT address is not locked by its own staff logging in.

Counters:
- per identity (an e-mail or phone) within the current tenant or the platform, so a lock
  on tenant A is not one on tenant B, where the same e-mail is another account;
- per client address across all hosts, with a higher limit, against one address trying
  many identities (password spraying) or many tenants.

A counter lives `window` seconds after its latest counted attempt; refused attempts are
not counted, so a lock ends `window` seconds after the last real guess.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import ngettext
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from dockpulse.tenancy.context import PLATFORM, current_state
from dockpulse.tenancy.exceptions import NoTenantContext
from dockpulse.tenancy.info import TenantInfo

logger = logging.getLogger(__name__)

# KEYS: the counters; ARGV[1]: the window in seconds; ARGV[2..]: each counter's limit.
# Returns 0 when the attempt was counted, else the seconds until the longest lock ends.
_RESERVE = """
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('TTL', key)
    if ttl < 1 then ttl = 1 end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, window)
end
return 0
"""

# A plain DECR on a counter that expired meanwhile would leave -1 behind, with no expiry.
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 0
"""


@dataclass(frozen=True, slots=True)
class Policy:
    scope: str  # "login", "password-reset", "portal-login", ...
    per_identity: int
    per_address: int
    window: int  # seconds


def login_policy() -> Policy:
    return Policy(
        scope="login",
        per_identity=settings.LOGIN_MAX_FAILURES,
        per_address=settings.LOGIN_MAX_FAILURES_PER_IP,
        window=settings.LOGIN_LOCKOUT_SECONDS,
    )


def password_reset_policy() -> Policy:
    return Policy(
        scope="password-reset",
        per_identity=settings.PASSWORD_RESET_MAX_REQUESTS,
        per_address=settings.PASSWORD_RESET_MAX_REQUESTS_PER_IP,
        window=settings.PASSWORD_RESET_WINDOW_SECONDS,
    )


class LockedOut(Exception):
    """Too many attempts: nothing was checked; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int, *, scope: str) -> None:
        super().__init__(f"{scope} locked for {retry_after} s")
        self.retry_after = retry_after
        self.scope = scope

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def message(self) -> str:
        if self.scope == "password-reset":
            text = ngettext(
                "Too many password reset requests; try again in %(minutes)d minute.",
                "Too many password reset requests; try again in %(minutes)d minutes.",
                self.minutes,
            )
        else:
            text = ngettext(
                "Too many failed logins; try again in %(minutes)d minute.",
                "Too many failed logins; try again in %(minutes)d minutes.",
                self.minutes,
            )
        return text % {"minutes": self.minutes}


@dataclass(frozen=True, slots=True)
class Attempt:
    identity_key: str
    address_key: str


def _owner() -> str:
    state = current_state()
    if isinstance(state, TenantInfo):
        return f"t:{state.id}"
    if state is PLATFORM:
        return "p"
    raise NoTenantContext("a lockout needs a tenant or platform context")


def _identity_digest(identity: str) -> str:
    # Hashed: the keys should not list who is being attacked to anyone reading Redis.
    normalized = identity.strip().lower().encode()
    return hashlib.sha256(normalized).hexdigest()[:32]


def _keys(policy: Policy, identity: str, address: str) -> Attempt:
    prefix = f"{settings.LOCKOUT_KEY_PREFIX}:{policy.scope}"
    return Attempt(
        identity_key=f"{prefix}:{_owner()}:id:{_identity_digest(identity)}",
        address_key=f"{prefix}:ip:{address or '-'}",
    )


def _redis() -> Any:
    return get_redis_connection("default")


def reserve(*, policy: Policy, identity: str, address: str) -> Attempt:
    """Count one attempt, or raise LockedOut without counting it."""
    attempt = _keys(policy, identity, address)
    try:
        raw = _redis().eval(
            _RESERVE,
            2,
            attempt.identity_key,
            attempt.address_key,
            policy.window,
            policy.per_identity,
            policy.per_address,
        )
    except (RedisError, OSError):
        # Redis is down: nothing can be counted. Fail open -- the password (and the second
        # factor) is still checked, and sign-ins keep working through a short outage --
        # and say so in the log (docs/operations.md, "Redis down").
        logger.warning("lockout %s: Redis unavailable, attempt not counted", policy.scope)
        return attempt
    wait = int(raw)
    if wait:
        raise LockedOut(wait, scope=policy.scope)
    return attempt


def succeeded(attempt: Attempt) -> None:
    """The attempt was right: the identity starts afresh, the address gets its try back."""
    try:
        _redis().eval(_SUCCEEDED, 2, attempt.identity_key, attempt.address_key)
    except (RedisError, OSError):
        logger.warning("lockout: Redis unavailable, a success not recorded")


def clear(*, policy: Policy, identity: str) -> None:
    """Lift an identity's lock (an operator unlocking an account)."""
    _redis().delete(_keys(policy, identity, "").identity_key)


_REQUEST_ATTR = "dockpulse_lockout"


def mark(request: HttpRequest, locked: LockedOut) -> None:
    """Remember on the request that a lock refused it (authentication backends cannot
    return a reason, only "no user")."""
    setattr(request, _REQUEST_ATTR, locked)


def lock_of(request: HttpRequest | None) -> LockedOut | None:
    return getattr(request, _REQUEST_ATTR, None)


def apply_to_response(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """A page refused by a lock answers 429 with Retry-After (the form says why)."""
    locked = lock_of(request)
    if locked is not None:
        response.status_code = 429
        response["Retry-After"] = str(locked.retry_after)
    return response
