"""The signed-in user's own language wins over the browser's cookie and headers."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    """After LocaleMiddleware and authentication: a language the user chose (saved by
    the language switch, tenant_apps.accounts.views.language) is activated for them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = (
            user.settings.get("language") if user is not None and user.is_authenticated else None
        )
        if chosen and chosen in dict(settings.LANGUAGES) and chosen != request.LANGUAGE_CODE:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)
