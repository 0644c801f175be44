"""Placeholder: filled in by issue 14 (see its helper briefs)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
