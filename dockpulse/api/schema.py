"""The OpenAPI schema of the site that serves it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request


class HostSchemaView(SpectacularAPIView):
    """The schema of the URLConf this request was routed through.

    drf-spectacular reads ROOT_URLCONF (the platform's) unless told otherwise, but the
    tenant middleware routes a tenant host through `request.urlconf`; naming one URLConf
    here would also be wrong for the next site (the portal) that serves a schema.
    """

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Here rather than in get(): the parent's get() carries the extend_schema that
        # keeps this view out of its own schema. Per instance: one view object a request.
        super().initial(request, *args, **kwargs)
        self.urlconf = getattr(request, "urlconf", None) or self.urlconf
