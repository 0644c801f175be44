"""The cached tenant lookup.

Tenants are cached in-process. Redis holds one hash, slug -> stamp (the tenant's
generation and last change), written by the platform services after every commit that
changes a tenant. A lookup reads the slug's stamp and a "built" marker in one round trip
(HMGET) and goes to the platform database only when the stamp differs from the cached
copy's: a suspend made by any process is seen by every process from its next request,
and a warm process makes no platform query per request. An unknown slug has no stamp, so
it is a 404 without a database query. If Redis lost the hash (it may keep nothing on
disk), the first lookup rebuilds it from the platform database.

Redis down: lookups read the platform database (in-process copies kept DEGRADED_SECONDS),
and a publish fails softly -- the platform's change has committed and its row is the
truth; the publish returns False and is logged. Processes that read the database meanwhile
see the change within DEGRADED_SECONDS. When Redis answers again, the hash is healed from
the platform database (`reconcile`): by every process that saw the outage, on its first
lookup after it, and by beat every minute (`platform.registry_reconcile`), so a process
that never noticed the outage still sees the change within a minute of Redis returning.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import connections
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from .directory import directory
from .info import TenantInfo

logger = logging.getLogger(__name__)

_BUILT = "__built__"
# With Redis down, how long an in-process copy of a tenant is used before it is read again
# from the platform database.
DEGRADED_SECONDS = 30.0
# Replace a slug's stamp only if it is still the one the caller read: a process holding an
# older snapshot can then never overwrite a newer stamp published meanwhile.
_COMPARE_AND_SET = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
"""
# Remove a slug's stamp only if it is still the one the caller read (a tenant created again
# under the slug meanwhile keeps its new stamp).
_COMPARE_AND_DELETE = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
end
"""


def _key() -> str:
    # Namespaced by the platform database's name, so the test run's registry
    # (test_dockpulse_platform) never mixes with `make run`'s.
    return f"dockpulse:{connections.settings['default']['NAME']}:tenants"


class TenantRegistry:
    def __init__(self) -> None:
        self._by_slug: dict[str, TenantInfo] = {}
        self._slug_by_id: dict[uuid.UUID, str] = {}
        self._loaded_at: dict[str, float] = {}
        self._warned_at = 0.0
        # Redis failed this process (`_failures` counts the failed round trips) since the
        # last heal (`_healed`: the count the last successful lookup had seen before its
        # round trip): heal the hash (`reconcile`) once it answers again. A counter, not a
        # flag: a lookup succeeding in one thread must not clear a failure another thread
        # recorded meanwhile (the comparison is made on the count read before the round trip).
        self._failures = 0
        self._healed = 0
        self._lock = threading.Lock()

    @staticmethod
    def _redis() -> Any:
        return get_redis_connection("default")

    def get(self, slug: str) -> TenantInfo | None:
        """The tenant with this slug, whatever its status; None if there is none.

        With Redis down, pages keep working: the in-process copy is used while it is
        younger than DEGRADED_SECONDS, else the row is read from the platform database, so
        a suspend or a restore is seen within that time (instead of at the next request).
        """
        try:
            return self._get_stamped(slug)
        except (RedisError, OSError) as exc:
            return self._get_degraded(slug, exc)

    def _note_failure(self) -> None:
        with self._lock:
            self._failures += 1

    def _get_degraded(self, slug: str, exc: Exception) -> TenantInfo | None:
        self._note_failure()
        now = time.monotonic()
        if now - self._warned_at > DEGRADED_SECONDS:
            self._warned_at = now
            logger.warning(
                "tenant registry: Redis unavailable (%s); reading the platform database, "
                "in-process copies kept %.0f s",
                exc,
                DEGRADED_SECONDS,
            )
        cached = self._by_slug.get(slug)
        if cached is not None and now - self._loaded_at.get(slug, 0.0) < DEGRADED_SECONDS:
            return cached
        return self._load(slug, forget_in_redis=False)

    def _get_stamped(self, slug: str) -> TenantInfo | None:
        redis = self._redis()
        failures = self._failures
        raw_stamp, built = redis.hmget(_key(), [slug, _BUILT])
        if failures != self._healed and built is not None:
            # Redis is back: publishes (and forgets) made while it was down, here or
            # elsewhere, are missing from the hash.
            self.reconcile()
            raw_stamp = redis.hget(_key(), slug)
        with self._lock:
            # Failures recorded after `failures` was read stay unhealed: the next lookup heals.
            self._healed = max(self._healed, failures)
        if built is None:
            self.rebuild()
            raw_stamp = redis.hget(_key(), slug)
        if raw_stamp is None:
            return None
        stamp = raw_stamp.decode()
        cached = self._by_slug.get(slug)
        if cached is not None and cached.stamp == stamp:
            return cached
        info = self._load(slug)
        if info is not None and info.stamp != stamp:
            # Redis disagrees with the row (a publish lost to a crash, or a rolled-back
            # change): the row is the truth.
            redis.eval(_COMPARE_AND_SET, 1, _key(), slug, stamp, info.stamp)
        return info

    def get_by_id(self, tenant_id: uuid.UUID | str) -> TenantInfo | None:
        tenant_id = uuid.UUID(str(tenant_id))
        slug = self._slug_by_id.get(tenant_id)
        if slug is None:
            slug = directory().slug_of(tenant_id)
            if slug is None:
                return None
        info = self.get(slug)
        return info if info is not None and info.id == tenant_id else None

    def _load(self, slug: str, *, forget_in_redis: bool = True) -> TenantInfo | None:
        info = directory().load(slug)
        if info is None:
            # The row is gone (a purge): no copy of it may answer a later lookup.
            if forget_in_redis:
                self.forget(slug)
            else:
                self._drop_local(slug)
            return None
        with self._lock:
            self._by_slug[slug] = info
            self._slug_by_id[info.id] = slug
            self._loaded_at[slug] = time.monotonic()
        return info

    def publish(self, slug: str, stamp: str) -> bool:
        """Record the tenant's new stamp (call on the platform transaction's commit).

        False if Redis did not take it: the change stands (the row is the truth) and
        reaches the other processes through the database meanwhile and `reconcile` after
        (module docstring). A caller that must know every process was told (a restore
        pausing a tenant) checks the answer."""
        return self.publish_many([(slug, stamp)])

    def publish_many(self, stamps: Iterable[tuple[str, str]]) -> bool:
        """Record many tenants' new stamps (slug, stamp) in one round trip; False if
        Redis did not answer (see `publish`)."""
        mapping = dict(stamps)
        if not mapping:
            return True
        try:
            self._redis().hset(_key(), mapping=mapping)
        except (RedisError, OSError) as exc:
            self._note_failure()
            logger.warning(
                "tenant registry: Redis unavailable (%s); %s changed in the platform "
                "database only: processes reading it meanwhile see that within %.0f s, "
                "the others once Redis is back",
                exc,
                ", ".join(sorted(mapping)),
                DEGRADED_SECONDS,
            )
            return False
        return True

    def reconcile(self) -> int:
        """Make the Redis hash agree with the platform database; how many stamps it fixed.

        The hash is read before the rows: a stamp published after the read is at least as
        new as the row read after it, and the compare-and-set never replaces a stamp
        other than the one read. A slug whose row is gone (its purge's forget was lost to
        the outage) is removed the same way, compare-and-delete on the stamp read: else a
        process holding a copy with that stamp would go on serving the purged tenant."""
        redis = self._redis()
        current = {key.decode(): value.decode() for key, value in redis.hgetall(_key()).items()}
        if _BUILT not in current:
            self.rebuild()
            return 0
        fixed = 0
        pipe = redis.pipeline()
        rows = dict(directory().stamps())
        for slug, seen in current.items():
            if slug != _BUILT and slug not in rows:
                pipe.eval(_COMPARE_AND_DELETE, 1, _key(), slug, seen)
                self._drop_local(slug)
                fixed += 1
        for slug, stamp in rows.items():
            seen = current.get(slug)
            if seen == stamp:
                continue
            if seen is None:
                pipe.hsetnx(_key(), slug, stamp)
            else:
                pipe.eval(_COMPARE_AND_SET, 1, _key(), slug, seen, stamp)
            fixed += 1
        if fixed:
            pipe.execute()
            logger.info("tenant registry: %d stamp(s) healed from the platform database", fixed)
        return fixed

    def forget(self, slug: str) -> None:
        """Remove a slug from Redis and this process (its row is gone). With Redis down
        the stale stamp stays there; a lookup then finds no row and forgets it again."""
        try:
            self._redis().hdel(_key(), slug)
        except (RedisError, OSError) as exc:
            self._note_failure()
            logger.warning("tenant registry: Redis unavailable (%s); %s not forgotten there",
                           exc, slug)  # fmt: skip
        self._drop_local(slug)

    def _drop_local(self, slug: str) -> None:
        with self._lock:
            info = self._by_slug.pop(slug, None)
            self._loaded_at.pop(slug, None)
            if info is not None:
                self._slug_by_id.pop(info.id, None)

    def rebuild(self) -> None:
        """Fill the Redis hash from the platform database.

        HSETNX, not HSET: a stamp published meanwhile by another process is newer than
        this snapshot and must not be overwritten.
        """
        pipe = self._redis().pipeline()
        for slug, stamp in directory().stamps():
            pipe.hsetnx(_key(), slug, stamp)
        pipe.hset(_key(), _BUILT, "1")
        pipe.execute()

    def clear_local(self) -> None:
        with self._lock:
            self._by_slug.clear()
            self._slug_by_id.clear()


registry = TenantRegistry()
