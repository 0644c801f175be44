"""/settings/numbering/: the document number series (settings_views.py)."""

from django.urls import path

from . import settings_views

app_name = "numbering"
urlpatterns = [
    path("", settings_views.numbering, name="index"),
    path("preview/", settings_views.preview, name="preview"),
]
