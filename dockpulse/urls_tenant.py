"""URLs of a tenant host (<slug>.BASE_DOMAIN): staff panel, admin, portal, API."""

from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from dockpulse.admin_sites import tenant_admin_site
from dockpulse.api.schema import HostSchemaView
from tenant_apps.dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
    # login, logout, password change and reset (the reset link comes back to this host)
    path("", include("tenant_apps.accounts.urls")),
    path("admin/", tenant_admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("dockpulse.api.urls")),
    path("api/schema/", HostSchemaView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]
