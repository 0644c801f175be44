"""URLs of a tenant host (<slug>.BASE_DOMAIN): staff panel, admin, portal, API.

The staff panel's pages are each app's own URLConf, mounted here (this file is a
composition root: it may list apps). Settings pages of several apps share /settings/.
"""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from dockpulse.admin_sites import tenant_admin_site
from dockpulse.api.schema import HostSchemaView

# The split view serves Swagger UI's start-up script as a file (the CSP allows no inline
# script); Swagger UI styles itself inline, and only its page may.
swagger_ui = csp_update({"style-src": [UNSAFE_INLINE]})(
    SpectacularSwaggerSplitView.as_view(url_name="schema")
)

urlpatterns = [
    # the dashboard ("/") and the search box ("/search/")
    path("", include("tenant_apps.dashboard.urls")),
    path("customers/", include("tenant_apps.customers.urls")),
    path("products/", include("tenant_apps.products.urls")),
    path("notifications/", include("tenant_apps.notifications.urls")),
    path("messages/", include("tenant_apps.messaging.urls")),
    path("", include("tenant_apps.sales.urls")),
    path("stock/", include("tenant_apps.stock.urls")),
    path("reports/", include("tenant_apps.reports.urls")),
    path("settings/", include("tenant_apps.configuration.settings_urls")),
    path("settings/users/", include("tenant_apps.accounts.settings_urls")),
    path("settings/triggers/", include("tenant_apps.notifications.settings_urls")),
    path("settings/numbering/", include("tenant_apps.sales.settings_urls")),
    # the customers' portal: its own sessions and sign-in (tenant_apps/portal/)
    path("portal/", include("tenant_apps.portal.urls")),
    # login, logout, password change and reset (the reset link comes back to this host)
    path("", include("tenant_apps.accounts.urls")),
    path("admin/", tenant_admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("dockpulse.api.urls")),
    path("api/schema/", HostSchemaView.as_view(), name="schema"),
    path("api/docs/", swagger_ui, name="swagger-ui"),
]
