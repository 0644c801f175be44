"""/settings/triggers/: the tenant's workflow triggers (settings_views.py)."""

from django.urls import path

from . import settings_views

app_name = "triggers"
urlpatterns = [
    path("", settings_views.trigger_list, name="list"),
    path("new/", settings_views.trigger_new, name="new"),
    path("<uuid:pk>/", settings_views.trigger_edit, name="edit"),
    path("<uuid:pk>/toggle/", settings_views.trigger_toggle, name="toggle"),
    path("<uuid:pk>/delete/", settings_views.trigger_delete, name="delete"),
    path("<uuid:pk>/test/", settings_views.trigger_test, name="test"),
]
