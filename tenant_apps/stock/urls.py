"""The stock pages' URLs (mounted at /stock/)."""

from django.urls import URLPattern

app_name = "stock"
urlpatterns: list[URLPattern] = []
