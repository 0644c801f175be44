"""URLs of the platform host (app.BASE_DOMAIN and BASE_DOMAIN)."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from dockpulse.admin_sites import platform_admin_site
from platform_app import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", platform_admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
