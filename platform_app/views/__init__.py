"""Pages of the platform host, one module per area; each module's `urlpatterns` is joined
in dockpulse/urls_platform.py."""
