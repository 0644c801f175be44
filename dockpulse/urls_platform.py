"""URLs of the platform host (app.BASE_DOMAIN and BASE_DOMAIN)."""

from django.urls import include, path

from dockpulse.admin_sites import platform_admin_site
from platform_app import views

urlpatterns = [
    path("", views.home, name="home"),
    # login, logout, password change and reset (the reset link comes back to this host)
    path("", include("tenant_apps.accounts.urls")),
    path("admin/", platform_admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
