"""Errors of the tenancy core. All fail closed: no query runs on a guessed database."""

from __future__ import annotations


class TenancyError(Exception):
    """Base class of the tenancy core's errors."""


class NoTenantContext(TenancyError):
    """A tenant-scoped query ran with no tenant (and, for shared apps, no platform) context."""


class WrongContext(TenancyError):
    """A model was used in a context whose database cannot hold it."""
