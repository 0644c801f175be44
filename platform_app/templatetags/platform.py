"""The platform pages' words for stored codes (the audit log's actions)."""

from __future__ import annotations

from django import template

from platform_app.audit_actions import action_label as _action_label

register = template.Library()


@register.filter
def action_label(code: str) -> str:
    return _action_label(code)
