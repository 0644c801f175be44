"""The customers' portal on a tenant host (`/portal/`), mounted by dockpulse/urls_tenant.py."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("password/", views.password_change, name="password"),
    path("reset/", views.reset_request, name="reset"),
    path("reset/code/", views.reset_confirm, name="reset_confirm"),
]
