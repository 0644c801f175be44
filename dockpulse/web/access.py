"""Who may open a page: signed in, the page's module on, the role allowed by the matrix.

The same matrix as the API (dockpulse.extensions' resources): a page is a thin layer over
the same services, so what a role may not do through the API it may not do here either.
A disabled module's pages answer 404, as its API does; a page the role may not use 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase

from dockpulse.api.permissions import allowed
from dockpulse.modules import module_switch

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def enabled_modules(request: HttpRequest) -> frozenset[str]:
    """The tenant's enabled modules, read once per request."""
    cached = getattr(request, "_dockpulse_modules", None)
    if cached is None:
        cached = module_switch().enabled_codes()
        setattr(request, "_dockpulse_modules", cached)  # noqa: B010 (not an attribute of the type)
    return cast(frozenset[str], cached)


def module_on(request: HttpRequest, module: str | None) -> bool:
    return module is None or module in enabled_modules(request)


def can(user: Any, resource: str, action: str = "read") -> bool:
    return bool(user.is_authenticated) and allowed(getattr(user, "role", ""), resource, action)


def require(request: HttpRequest, resource: str, action: str) -> None:
    """For a view that reads and writes: the write half checks its own action."""
    if not can(request.user, resource, action):
        raise PermissionDenied


def staff_page(
    resource: str, action: str = "read", *, module: str | None = None
) -> Callable[[View], View]:
    """A staff-panel view: signed in, `module` on (else 404), `action` on `resource`
    allowed for the role (else 403). Anonymous visitors go to the sign-in page."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not module_on(request, module):
                raise Http404
            require(request, resource, action)
            return view(request, *args, **kwargs)

        # Read by the tests that walk every page (tests/test_panel_access.py).
        guarded.staff_page = (resource, action, module)  # type: ignore[attr-defined]
        return cast(View, guarded)

    return decorate
