"""Small helpers shared by the apps' services."""

from __future__ import annotations

from typing import Any

from django.db.models import Model


def apply_changes(obj: Model, cleaned: dict[str, Any]) -> list[str]:
    """Set and save only the fields whose value changes; their names, sorted (empty: none)."""
    changed = sorted(key for key, value in cleaned.items() if getattr(obj, key) != value)
    if changed:
        for key in changed:
            setattr(obj, key, cleaned[key])
        obj.save(update_fields=[*changed, "updated_at"])
    return changed
