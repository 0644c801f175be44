"""/api/v1/ of a tenant host: every app's routes, as the apps declared them.

Each app's extensions.py registers its viewsets (`extensions.api_route`) and plain paths
(`extensions.api_path`); this URLConf mounts them and names no app. Routers match in
order, so a catch-all prefix ("stock") is declared with a later `order` than the
prefixes under it ("stock/levels").
"""

from django.urls import URLPattern, URLResolver, include, path, re_path
from rest_framework.routers import SimpleRouter

from dockpulse import extensions
from dockpulse.api.views import NotFoundView

router = SimpleRouter()
for route in extensions.api_routes():
    router.register(route.prefix, route.viewset, basename=route.basename)

urlpatterns: list[URLPattern | URLResolver] = [
    *extensions.api_paths(),
    path("", include(router.urls)),
    # Last: what no route matched is the API's JSON 404, the root `/api/v1/` included.
    # Slash-less paths too: the view redirects those whose slash form is a route (Django's
    # APPEND_SLASH no longer does once this matches them), and answers 404 to the rest.
    re_path(r"^.*$", NotFoundView.as_view(), name="api-not-found"),
]
