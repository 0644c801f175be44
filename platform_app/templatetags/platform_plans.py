"""For templates/platform_app/tenants/_plan.html, which the tenant detail page includes
without knowing about plans: the plans a tenant can move to."""

from __future__ import annotations

from django import template

from platform_app.models import Plan
from platform_app.selectors_plans import offered_plans as _offered_plans

register = template.Library()


@register.simple_tag
def offered_plans() -> list[Plan]:
    return _offered_plans()
