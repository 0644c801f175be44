"""Transactions that name their database.

A bare `transaction.atomic()` or `on_commit()` acts on `default`: a tenant write would not
be atomic, and on_commit would fire before the tenant's commit. These act on the database
of the current context (the tenant's; `default` in platform context) and raise in unset
context. ruff's banned-api rule forbids the bare forms in tenant_apps/.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ContextDecorator
from types import TracebackType
from typing import Any

from django.db import transaction

from .connections import alias_for
from .context import PLATFORM, current_state
from .exceptions import NoTenantContext
from .info import TenantInfo


def current_db_alias() -> str:
    """The database alias of the current context."""
    state = current_state()
    if isinstance(state, TenantInfo):
        return alias_for(state)
    if state is PLATFORM:
        return "default"
    raise NoTenantContext("no tenant or platform context: which database is meant?")


class tenant_atomic(ContextDecorator):
    """`transaction.atomic` on the current context's database, resolved on entry.

    Usable as `with tenant_atomic():` and as `@tenant_atomic()`; as a decorator the
    database is chosen at each call, not at import.
    """

    def __init__(self, *, savepoint: bool = True, durable: bool = False) -> None:
        self.savepoint = savepoint
        self.durable = durable
        self._atomic: transaction.Atomic | None = None

    def _recreate_cm(self) -> tenant_atomic:
        return type(self)(savepoint=self.savepoint, durable=self.durable)

    def __enter__(self) -> None:
        self._atomic = transaction.atomic(
            using=current_db_alias(), savepoint=self.savepoint, durable=self.durable
        )
        self._atomic.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._atomic is not None
        self._atomic.__exit__(exc_type, exc, tb)


def tenant_on_commit(func: Callable[[], Any], *, robust: bool = False) -> None:
    """Run `func` when the current context's transaction commits."""
    transaction.on_commit(func, using=current_db_alias(), robust=robust)


def in_tenant_transaction() -> bool:
    from django.db import connections

    return connections[current_db_alias()].in_atomic_block
