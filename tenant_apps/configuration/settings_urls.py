"""/settings/: the index of every app's settings sections, and this app's own sections."""

from django.urls import path

from . import views

app_name = "settings"
urlpatterns = [
    path("", views.index, name="index"),
    path("modules/", views.modules, name="modules"),
    path("modules/<str:code>/", views.module_toggle, name="module_toggle"),
    path("fields/", views.fields, name="fields"),
    path("fields/<slug:entity>/", views.fields_save, name="fields_save"),
    path("company/", views.company, name="company"),
    path("company/logo/", views.company_logo, name="company_logo"),
]
