"""The customers' portal on a tenant host (`/portal/`), mounted by dockpulse/urls_tenant.py.

Each page module lists its own `urlpatterns`; they are joined here."""

from .views import auth, home, messages, ordering, orders, profile, quotes

app_name = "portal"

urlpatterns = [
    *auth.urlpatterns,
    *home.urlpatterns,
    *orders.urlpatterns,
    *ordering.urlpatterns,
    *quotes.urlpatterns,
    *messages.urlpatterns,
    *profile.urlpatterns,
]
