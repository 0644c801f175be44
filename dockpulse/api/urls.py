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
    # Last: what no route matched is the API's JSON 404. Only paths ending in "/", so that
    # APPEND_SLASH still redirects `/api/v1/customers` to the list.
    re_path(r"^.*/$", NotFoundView.as_view()),
]
