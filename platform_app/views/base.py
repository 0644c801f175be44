"""What every platform page shares: the guard."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

from platform_app.middleware import verified
from platform_app.services.access import is_platform_admin

View = Callable[..., HttpResponse]


def platform_page(view: View) -> View:
    """A page for platform admins who passed the second factor."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (is_platform_admin(request.user) and verified(request.user)):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded
