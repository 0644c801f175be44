"""The three-state tenancy context: a tenant, the platform, or unset.

Set by the middleware (per request), the Celery task base class, and the
`tenant_context()` / `platform_context()` managers (commands, tests). Nestable: leaving a
block restores what was there. A new thread starts unset, so it cannot inherit a tenant
by accident.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Final, Union

from .exceptions import NoTenantContext
from .info import TenantInfo


class _Platform:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<platform>"


PLATFORM: Final = _Platform()
State = Union[TenantInfo, _Platform, None]  # noqa: UP007 - used at runtime

_state: ContextVar[State] = ContextVar("dockpulse_tenancy_state", default=None)


def current_state() -> State:
    return _state.get()


def current_tenant() -> TenantInfo | None:
    state = _state.get()
    return state if isinstance(state, TenantInfo) else None


def get_current_tenant() -> TenantInfo:
    state = _state.get()
    if not isinstance(state, TenantInfo):
        raise NoTenantContext(f"this needs a tenant context, the context is {state!r}")
    return state


def in_platform_context() -> bool:
    return _state.get() is PLATFORM


@contextlib.contextmanager
def _set(state: State) -> Iterator[None]:
    token = _state.set(state)
    try:
        yield
    finally:
        _state.reset(token)


@contextlib.contextmanager
def tenant_context(tenant: TenantInfo | str) -> Iterator[TenantInfo]:
    """Run the block as `tenant` (a TenantInfo, or a slug looked up in the registry)."""
    if isinstance(tenant, str):
        from .registry import registry

        info = registry.get(tenant)
        if info is None:
            raise NoTenantContext(f"no tenant with slug {tenant!r}")
        tenant = info
    with _set(tenant):
        yield tenant


@contextlib.contextmanager
def platform_context() -> Iterator[None]:
    with _set(PLATFORM):
        yield


@contextlib.contextmanager
def unset_context() -> Iterator[None]:
    """Clear the context (tests use it to prove that unset fails closed)."""
    with _set(None):
        yield
