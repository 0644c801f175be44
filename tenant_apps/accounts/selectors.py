from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import User


def user_list(*, search: str = "", role: str = "", active: bool | None = None) -> QuerySet[User]:
    qs = User.objects.order_by("email")
    if search:
        qs = qs.filter(Q(email__icontains=search) | Q(name__icontains=search))
    if role:
        qs = qs.filter(role=role)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs
