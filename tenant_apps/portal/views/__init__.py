"""The portal's pages, one module per topic; each module's `urlpatterns` are joined in
tenant_apps/portal/urls.py."""
