"""The OpenAPI schema of the site that serves it, with every operation's error responses."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular import generators
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request

from dockpulse.api.pagination import paginator_for
from dockpulse.api.permissions import ModuleEnabled


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("What went wrong, for programs: `invalid`, ..."))
    message = serializers.CharField(help_text=_("What went wrong, for people."))
    # Declared fields shadow Serializer.fields only on the class body, not on instances.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text=_("The messages of each field that is not valid (nested ones dotted)."),
    )

    class Meta:
        ref_name = "ErrorDetail"


class ErrorSerializer(serializers.Serializer):
    """The one error shape of dockpulse/api/errors.py; some codes add keys of their own."""

    error = ErrorDetailSerializer()

    class Meta:
        ref_name = "Error"


# What each error status means where a view did not say more. Only statuses the view can
# answer are listed for it (see ErrorResponsesSchema._error_statuses).
ERROR_DESCRIPTIONS = {
    400: _("The input is not valid: `error.fields` has the messages of each field."),
    401: _("No token, or one that is not valid (expired, revoked, of another tenant)."),
    403: _("The role, the plan or the account's state does not allow this."),
    404: _("No such object here, or its module is switched off."),
    409: _("The object's state does not allow this now (it changed, or is in use)."),
    415: _("The body is not in one of the documented media types (or has no Content-Type)."),
    429: _("Too many requests; `Retry-After` says when to try again."),
}

_PATH_PARAMETER = re.compile(r"{[^}]+}")
_NO_PERMISSION_CHECK = (AllowAny, IsAuthenticated, ModuleEnabled)


class ErrorResponsesSchema(AutoSchema):
    """Documents the errors an operation really answers, in the one error shape, and its
    list in pages where it is paged.

    The statuses follow from the view: 400 where it reads input, 401 where it needs a
    token, 403 where a permission beyond "signed in" may refuse, 404 for an object in the
    path or a module that can be off, 409 for the actions the view names in
    `conflict_actions` (a StateConflict, a row still in use), 415 where it reads a body,
    429 where it is throttled. A status the view
    documents itself keeps its description; one documented without a body gets the error
    shape.
    """

    def _error_statuses(self) -> list[int]:
        view = self.view
        permissions = view.get_permissions()
        statuses = []
        if self._reads_input():
            statuses.append(400)
        if any(not isinstance(p, AllowAny) for p in permissions):
            statuses.append(401)
        if any(not isinstance(p, _NO_PERMISSION_CHECK) for p in permissions):
            statuses.append(403)
        if (
            _PATH_PARAMETER.search(self.path)
            or getattr(view, "module", None)
            # A paged list's page past the last one is a 404 too (DRF's "Invalid page.");
            # a whole list ignores `page`.
            or (self._is_list_view() and self._get_paginator())
        ):
            statuses.append(404)
        if self._action() in getattr(view, "conflict_actions", ()):
            statuses.append(409)
        if self._reads_body():
            statuses.append(415)
        if view.get_throttles():
            statuses.append(429)
        return statuses

    def _action(self) -> str:
        # A viewset's action (`destroy`, `transition`), or a plain view's method (`post`).
        return str(getattr(self.view, "action", None) or self.method.lower())

    def _get_paginator(self) -> Any:
        # The API's views are plain ViewSets and APIViews, which DRF gives no
        # pagination_class, yet their lists come in pages (dockpulse.api.params.page).
        # A view, or one @action(pagination_class=None), whose list is whole says so.
        # paginator_for is what page() answers with, so the two cannot disagree.
        if self.method != "GET":
            return None
        return paginator_for(self.view)

    def _reads_body(self) -> bool:
        return self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None

    def _reads_input(self) -> bool:
        if self._reads_body():
            return True
        return any(
            parameter.get("in") == "query" and parameter.get("name") not in ("page", "page_size")
            for parameter in self._get_parameters()
        )

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            responses.setdefault(
                str(status),
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=str(ERROR_DESCRIPTIONS[status])),
                    str(status),
                    direction=direction,
                ),
            )
        return dict(sorted(responses.items()))

    def _get_response_for_code(
        self,
        serializer: Any,
        status_code: Any,
        media_types: Any = None,
        direction: Any = "response",
    ) -> dict[str, Any]:
        if (
            isinstance(serializer, OpenApiResponse)
            and serializer.response is None
            and int(status_code) >= 400
        ):
            # An error the view describes in words: its body is still the error shape.
            serializer = OpenApiResponse(
                ErrorSerializer, description=serializer.description, examples=serializer.examples
            )
        response: dict[str, Any] = super()._get_response_for_code(
            serializer, status_code, media_types, direction
        )
        return response


class SchemaGenerator(generators.SchemaGenerator):
    """drf-spectacular's generator, with every view's schema documenting its errors.

    Here rather than as DEFAULT_SCHEMA_CLASS alone: @extend_schema builds its schema
    classes from the default at import time, so the error responses are mixed into
    whatever class a view ended up with.
    """

    def create_view(self, callback: Any, method: str, request: Any = None) -> Any:
        view = super().create_view(callback, method, request)
        schema = view.schema
        if isinstance(schema, AutoSchema) and not isinstance(schema, ErrorResponsesSchema):
            # __class__, not type(): drf-spectacular hands out weak proxies of its schemas.
            base = schema.__class__
            documented = type(f"Documented{base.__name__}", (ErrorResponsesSchema, base), {})
            self._set_schema_to_view(view, documented())
        return view


class HostSchemaView(SpectacularAPIView):
    """The schema of the URLConf this request was routed through.

    drf-spectacular reads ROOT_URLCONF (the platform's) unless told otherwise, but the
    tenant middleware routes a tenant host through `request.urlconf`; naming one URLConf
    here would also be wrong for the next site (the portal) that serves a schema.
    """

    generator_class = SchemaGenerator

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Here rather than in get(): the parent's get() carries the extend_schema that
        # keeps this view out of its own schema. Per instance: one view object a request.
        super().initial(request, *args, **kwargs)
        self.urlconf = getattr(request, "urlconf", None) or self.urlconf
