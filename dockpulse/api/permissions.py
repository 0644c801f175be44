"""Who may do what: the permission matrix, enforced on every API view.

| resource  | read                      | write                 |
|-----------|---------------------------|-----------------------|
| customers | employee, manager, admin  | manager, admin        |
| products  | employee, manager, admin  | manager, admin        |
| orders    | employee, manager, admin  | employee (create, transition*), manager, admin |
| quotes    | employee, manager, admin  | manager, admin        |
| stock     | employee, manager, admin  | manager, admin        |
| users     | admin                     | admin                 |
| notifications (delivery log), events (audit) | manager, admin | admin |
| inbox (own in-app notifications) | everyone | everyone      |
| settings  | admin                     | admin                 |

* The transition endpoint is open to every staff role; which role may make which move
(employees progress work, managers confirm and cancel) is the order service's rule.

docs/api.md shows the same table; tests walk every role against every endpoint.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

ADMIN, MANAGER, EMPLOYEE = "admin", "manager", "employee"
EVERYONE = frozenset({ADMIN, MANAGER, EMPLOYEE})
MANAGERS = frozenset({ADMIN, MANAGER})
ADMINS = frozenset({ADMIN})

MATRIX: dict[str, dict[str, frozenset[str]]] = {
    "customers": {"read": EVERYONE, "write": MANAGERS},
    "products": {"read": EVERYONE, "write": MANAGERS},
    "orders": {"read": EVERYONE, "create": EVERYONE, "transition": EVERYONE, "write": MANAGERS},
    "quotes": {"read": EVERYONE, "write": MANAGERS},
    "stock": {"read": EVERYONE, "write": MANAGERS},
    "users": {"read": ADMINS, "write": ADMINS},
    # The delivery log and the audit trail show phone numbers and every change.
    "notifications": {"read": MANAGERS, "write": ADMINS},
    "events": {"read": MANAGERS, "write": ADMINS},
    # A user's own in-app notifications; the views only ever touch the caller's.
    "inbox": {"read": EVERYONE, "write": EVERYONE},
    "settings": {"read": ADMINS, "write": ADMINS},
}

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_BASE = frozenset({"read", "write"})


def action_of(request: Request, view: Any) -> str:
    """read, write, or a named action with its own row in the matrix (create, transition)."""
    if request.method in _READ_METHODS:
        return "read"
    action = getattr(view, "action", None)
    # A view action named like a matrix row (create, transition) uses that row; one that
    # happens to be called "read" or "write" must never borrow those rows' roles.
    if request.method == "POST" and action in MATRIX[view.resource] and action not in _BASE:
        return str(action)
    return "write"


def allowed(role: str, resource: str, action: str) -> bool:
    rules = MATRIX[resource]
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
        from tenant_apps.configuration.selectors import module_enabled

        if not module_enabled(module):
            raise exceptions.NotFound()
        return True
