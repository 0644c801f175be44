"""The portal's API, one module per topic; each module's `urlpatterns` are registered under
/api/v1/ by tenant_apps/portal/extensions.py."""
