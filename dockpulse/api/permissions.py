"""Who may do what: the permission matrix, enforced on every API view.

The matrix has one row per resource, declared by the app that owns the resource in its
extensions.py (`extensions.resource("customers", read=EVERYONE, write=MANAGERS)`); the
events core declares the audit trail's. A row gives the roles that may read and write,
and optionally a named action (`create`, `transition`) open to more roles than every
write. docs/api.md shows the whole table; tests walk every role against every endpoint.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from dockpulse import extensions
from dockpulse.modules import module_switch

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BASE = frozenset({"read", "write"})


def action_of(request: Request, view: Any) -> str:
    """read, write, or a named action with its own row in the matrix (create, transition)."""
    if request.method in _READ_METHODS:
        return "read"
    action = getattr(view, "action", None)
    # A view action named like a matrix row (create, transition) uses that row; one that
    # happens to be called "read" or "write" must never borrow those rows' roles.
    rules = extensions.rules_of(view.resource)
    if request.method == "POST" and action in rules and action not in _BASE:
        return str(action)
    return "write"


def allowed(role: str, resource: str, action: str) -> bool:
    rules = extensions.rules_of(resource)
    return role in rules.get(action, rules["write"])


class RolePermission(BasePermission):
    """Checks `view.module` (must be enabled) and `view.resource` against the matrix."""

    message = "Your role does not allow this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        # A disabled module is a 404 for every role, before the role is even looked at.
        ModuleEnabled().has_permission(request, view)
        return allowed(getattr(user, "role", ""), view.resource, action_of(request, view))


class ModuleEnabled(BasePermission):
    """A view of a disabled module answers 404, as if it did not exist."""

    def has_permission(self, request: Request, view: Any) -> bool:
        module = getattr(view, "module", None)
        if module is None:
            return True
        if not module_switch().is_enabled(module):
            raise exceptions.NotFound()
        return True
