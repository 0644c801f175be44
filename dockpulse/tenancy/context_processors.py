from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def tenant(request: HttpRequest) -> dict[str, Any]:
    return {"tenant": getattr(request, "tenant", None), "base_domain": settings.BASE_DOMAIN}
