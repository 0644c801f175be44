"""Portal API: orders (issue 15). Views derive from api.base.PortalCustomerAPIView."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
