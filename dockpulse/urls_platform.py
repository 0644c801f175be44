"""URLs of the platform host (app.BASE_DOMAIN and BASE_DOMAIN).

Every view here is behind platform_app.middleware.PlatformAccessMiddleware: without the
second factor only the sign-in, code and enrolment pages answer (docs/platform.md).
"""

from django.urls import include, path

from dockpulse.admin_sites import platform_admin_site
from platform_app.views import access, billing, health, impersonation, plans, tenant_ops, tenants

urlpatterns = [
    *tenants.urlpatterns,
    *tenant_ops.urlpatterns,
    *impersonation.urlpatterns,
    *plans.urlpatterns,
    *billing.urlpatterns,
    *health.urlpatterns,
    path("audit/", access.audit_log, name="platform_audit"),
    path("login/code/", access.otp_verify, name="platform_otp_verify"),
    path("login/set-up/", access.otp_enrol, name="platform_otp_enrol"),
    # login, logout, password change and reset (the reset link comes back to this host)
    path("", include("tenant_apps.accounts.urls")),
    path("admin/", platform_admin_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
