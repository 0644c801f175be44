"""The core's view of a tenant's configuration: which modules are on, which fields shown.

The core needs both (a disabled module's API is a 404; hidden fields leave API output and
CSV exports), but the tables and their rules belong to the configuration app. The app
provides an implementation of these protocols from its AppConfig.ready(); the core calls
`module_switch()` / `field_policy()`. With none provided, the calls raise: a core that
silently treated every module as on would expose what a tenant switched off.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


class ModuleSwitch(Protocol):
    def is_enabled(self, code: str) -> bool: ...

    def enabled_codes(self) -> frozenset[str]: ...


class FieldPolicy(Protocol):
    def hidden_fields(self, entity: str) -> set[str]: ...

    def required_fields(self, entity: str) -> set[str]:
        """The configurable fields this tenant requires (visible ones; core fields aside)."""

    def strip_hidden(self, entity: str, data: Mapping[str, Any]) -> dict[str, Any]: ...

    def check_input(self, entity: str, data: Mapping[str, Any], *, creating: bool) -> None:
        """Raise django's ValidationError for hidden fields given or required ones missing."""


_switch: ModuleSwitch | None = None
_fields: FieldPolicy | None = None


def provide(*, switch: ModuleSwitch, fields: FieldPolicy) -> None:
    global _switch, _fields
    _switch, _fields = switch, fields


def module_switch() -> ModuleSwitch:
    if _switch is None:
        raise ImproperlyConfigured("no app provided the module switch (dockpulse.modules)")
    return _switch


def field_policy() -> FieldPolicy:
    if _fields is None:
        raise ImproperlyConfigured("no app provided the field policy (dockpulse.modules)")
    return _fields
