"""The authentication backend of every staff and platform-admin login.

Every way in calls Django's `authenticate()`: the login pages, both Django admin logins and
the API's token endpoint. Guarding here rather than in each view means a new way in cannot
forget the lockout. A refused attempt never reaches the password check; the caller finds
the lock with `lockout.lock_of(request)` to say so (and for how long) instead of "wrong
password".
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from dockpulse.security import lockout
from dockpulse.security.clientip import client_ip


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get("email")
        if request is None or not username or password is None:
            # No request: a management command or a test helper, not a way in from outside.
            return super().authenticate(request, username=username, password=password, **kwargs)
        try:
            attempt = lockout.reserve(
                policy=lockout.login_policy(), identity=username, address=client_ip(request)
            )
        except lockout.LockedOut as locked:
            lockout.mark(request, locked)
            # Stops Django from trying any other backend with these credentials.
            raise PermissionDenied from locked
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            lockout.succeeded(attempt)
        return user
