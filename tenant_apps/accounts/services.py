"""Writes of user accounts (staff in a tenant, admins on the platform)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.tenancy import current_tenant, tenant_atomic

from .models import Role, User, normalize_email


def user_create(
    *,
    email: str,
    name: str,
    password: str,
    role: str = Role.EMPLOYEE,
    phone: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    actor: User | None = None,
) -> User:
    """Create a user in the current context's database (tenant staff or platform admin)."""
    email = normalize_email(email)
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError as exc:
        errors["email"] = list(exc.messages)
    if role not in Role.values:
        errors["role"] = [_("Choose admin, manager or employee.")]
    if not name.strip():
        errors["name"] = [_("Enter the user's name.")]
    candidate = User(email=email, name=name.strip(), phone=phone, role=role)
    try:
        validate_password(password, user=candidate)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    with tenant_atomic():
        if User.objects.filter(email=email).exists():
            raise ValidationError({"email": [_("A user with this e-mail already exists.")]})
        candidate.is_staff = is_staff
        candidate.is_superuser = is_superuser
        candidate.set_password(password)
        candidate.save()
        if current_tenant() is not None:
            events.emit(
                event_type="entity.created",
                source_module="accounts",
                entity_type="user",
                entity_id=candidate.id,
                payload={"email": candidate.email, "role": candidate.role},
                actor=actor,
            )
    return candidate
