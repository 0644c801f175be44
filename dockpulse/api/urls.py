"""/api/v1/ of a tenant host: every app's routes, as the apps declared them.

Each app's extensions.py registers its viewsets (`extensions.api_route`) and plain paths
(`extensions.api_path`); this URLConf mounts them and names no app. Routers match in
order, so a catch-all prefix ("stock") is declared with a later `order` than the
prefixes under it ("stock/levels").
"""

from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import SimpleRouter

from dockpulse import extensions

router = SimpleRouter()
for route in extensions.api_routes():
    router.register(route.prefix, route.viewset, basename=route.basename)

urlpatterns: list[URLPattern | URLResolver] = [
    *extensions.api_paths(),
    path("", include(router.urls)),
]
