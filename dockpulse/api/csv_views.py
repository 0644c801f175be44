"""CSV import (with dry run) and export actions, shared by the catalogue viewsets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from dockpulse import csvio
from dockpulse.actors import staff_actor
from dockpulse.api.schema import ErrorDetailSerializer
from dockpulse.api.views import FirstRendererNegotiation
from dockpulse.modules import field_policy


class ImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    dry_run = serializers.BooleanField()
    # Declared fields shadow Serializer.errors only on the class body, not on instances.
    errors = serializers.ListField(child=serializers.DictField())  # type: ignore[assignment]


class ImportRefusalSerializer(serializers.Serializer):
    """An import's 400: the error, and when rows were not valid the report as well."""

    error = ErrorDetailSerializer()
    rows = serializers.IntegerField(required=False)
    created = serializers.IntegerField(required=False)
    dry_run = serializers.BooleanField(required=False)
    errors = serializers.ListField(  # type: ignore[assignment]
        child=serializers.DictField(), required=False
    )


_UPLOAD = {
    "multipart/form-data": {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
    }
}


class CsvActionsMixin:
    """`POST .../import/?dry_run=1` and `GET .../export/` for a viewset.

    The viewset names `csv_import` (raw bytes, dry_run, an Actor -> report), `csv_export`
    (rows, hidden fields -> text), `csv_filename`, `csv_entity` and `filtered_queryset`.
    """

    csv_import: Callable[..., Any]
    csv_export: Callable[..., str]
    csv_filename: str
    csv_entity: str

    def filtered_queryset(self, request: Request) -> Any:
        raise NotImplementedError

    @extend_schema(
        request=_UPLOAD,
        parameters=[OpenApiParameter("dry_run", bool, description="check only, write nothing")],
        responses={200: ImportReportSerializer, 400: ImportRefusalSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": [_("Attach the CSV file as `file`.")]})
        if upload.size is not None and upload.size > csvio.MAX_BYTES:
            # Refused by its size, not read: the file sits in a temporary file until then.
            limit = csvio.MAX_BYTES // (1024 * 1024)
            raise serializers.ValidationError(
                {"file": [_("The file is larger than %(mb)d MB.") % {"mb": limit}]}
            )
        dry_run = request.query_params.get("dry_run", "").lower() in ("1", "true", "yes")
        report = type(self).csv_import(
            raw=upload.read(csvio.MAX_BYTES + 1), dry_run=dry_run, actor=staff_actor(request.user)
        )
        body = ImportReportSerializer(report).data
        if not report.errors:
            return Response(body)
        message = ngettext(
            "%(count)d row is not valid; nothing was imported.",
            "%(count)d rows are not valid; nothing was imported.",
            len(report.errors),
        ) % {"count": len(report.errors)}
        error = {"code": "invalid_rows", "message": message, "fields": {}}
        return Response({"error": error, **body}, status=status.HTTP_400_BAD_REQUEST)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    # The answer is CSV whatever the renderers say; a client asking for exactly that
    # (`Accept: text/csv`) must not get a 406 from a negotiation only JSON could pass.
    @action(
        detail=False,
        methods=["get"],
        url_path="export",
        content_negotiation_class=FirstRendererNegotiation,
    )
    def export_csv(self, request: Request) -> HttpResponse:
        rows = self.filtered_queryset(request).iterator()
        body = type(self).csv_export(rows, field_policy().hidden_fields(self.csv_entity))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.csv_filename}"'
        return response
