from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know (DRF would silently drop them): a typo is a 400."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = set(data) - writable
            if unknown:
                raise serializers.ValidationError(
                    {n: [_("Unknown field.")] for n in sorted(unknown)}
                )
        return super().to_internal_value(data)
