"""Writes of user accounts (staff in a tenant, admins on the platform)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connections
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import SYSTEM, Actor, staff_actor
from dockpulse.errors import StateConflict
from dockpulse.tenancy import current_db_alias, current_tenant, tenant_atomic
from dockpulse.tenancy.limits import ensure_below

from .inputs import clean_email, user_field_errors
from .models import Role, User

# pg_advisory_xact_lock key: user creations of one tenant database take turns, so two
# concurrent creates at the plan's limit cannot both pass the count.
_USER_CREATE_LOCK = 0x5553_4552


def _event(event_type: str, user: User, actor: Actor, **payload: Any) -> None:
    if current_tenant() is not None:  # platform admins have no event log
        events.emit(
            event_type=event_type,
            source_module="accounts",
            entity_type="user",
            entity_id=user.id,
            payload={"email": user.email, "role": user.role, **payload},
            actor=actor,
        )


def user_create(
    *,
    email: str,
    name: str,
    password: str | None,
    role: str = Role.EMPLOYEE,
    phone: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    actor: Actor = SYSTEM,
    password_hash: str | None = None,
) -> User:
    """Create a user in the current context's database (tenant staff or platform admin).

    In a tenant, the plan's max_users counts active users. `password_hash`, when given,
    is `password` already hashed (provisioning hashes while it clones). `password` None:
    the user has no password yet (an invitation: they set one through a link).
    """
    email = clean_email(email)
    errors, stored_phone = user_field_errors(email=email, name=name, role=role, phone=phone)
    candidate = User(email=email, name=name.strip(), phone=stored_phone or "", role=role)
    if password is not None:
        try:
            validate_password(password, user=candidate)
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    with tenant_atomic():
        tenant = current_tenant()
        if tenant is not None:
            with connections[current_db_alias()].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_USER_CREATE_LOCK])
            ensure_below(field="max_users", current=User.objects.filter(is_active=True).count())
        if User.objects.filter(email=email).exists():
            raise ValidationError({"email": [_("A user with this e-mail already exists.")]})
        # In a tenant, the Django admin belongs to the admin role (and follows it).
        admin_role = tenant is not None and role == Role.ADMIN
        candidate.is_staff = is_staff or admin_role
        candidate.is_superuser = is_superuser or admin_role
        if password_hash is not None:
            candidate.password = password_hash
        elif password is None:
            candidate.set_unusable_password()
        else:
            candidate.set_password(password)
        candidate.save()
        _event("entity.created", candidate, actor)
    return candidate


def user_invite(*, email: str, name: str, role: str, actor: Actor, request: HttpRequest) -> User:
    """Create a staff user with no password yet and e-mail them a link to set one.

    The plan's limit and the checks are user_create's. The link is a tenant-bound reset
    link (tokens.py) to this host's password_reset_confirm page, valid as long as reset
    links are (PASSWORD_RESET_TIMEOUT). The e-mail is sent last, inside the transaction:
    if it cannot be sent, the user is not created either, and the admin is told.
    """
    with tenant_atomic():
        user = user_create(email=email, name=name, role=role, password=None, actor=actor)
        user_send_invitation(user=user, request=request, actor=actor)
    return user


def user_send_invitation(*, user: User, request: HttpRequest, actor: Actor) -> None:
    """E-mail `user` a link to set their password (an invitation; sent again on request
    while they have not set one). StateConflict if the mail cannot be sent."""
    from django.template.loader import render_to_string
    from django.urls import reverse
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from dockpulse.notify.base import SendError
    from dockpulse.notify.email import send_email

    from .tokens import password_reset_tokens

    if user.has_usable_password():
        raise StateConflict(_("This user has already set a password."))
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": password_reset_tokens.make_token(user),
        },
    )
    tenant = current_tenant()
    context = {
        "user": user,
        "link": request.build_absolute_uri(path),
        "company": tenant.name if tenant is not None else "DockPulse",
        "inviter": actor.label,
        "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    language = tenant.language if tenant is not None else settings.LANGUAGE_CODE
    with translation.override(user.settings.get("language") or language):
        subject = render_to_string("settings/users/invitation_subject.txt", context)
        body = render_to_string("settings/users/invitation_email.txt", context)
    try:
        send_email(
            to=[user.email], subject=subject, body=body, idempotency_key=f"invite-{uuid.uuid4()}"
        )
    except SendError as exc:
        raise StateConflict(
            _("The invitation could not be sent to %(email)s; try again later.")
            % {"email": user.email},
            code="email_not_sent",
        ) from exc
    _event("entity.updated", user, actor, changed=["invitation"])


def user_update(
    *,
    user: User,
    actor: Actor,
    email: str | None = None,
    name: str | None = None,
    phone: str | None = None,
    role: str | None = None,
) -> User:
    """Change a user's details; an admin cannot demote themselves (a tenant needs one)."""
    email = clean_email(email) if email is not None else None
    errors, phone = user_field_errors(email=email, name=name, role=role, phone=phone)
    if actor.id == user.pk and role is not None and role != Role.ADMIN:
        errors["role"] = [_("You cannot take the administrator role from yourself.")]
    if errors:
        raise ValidationError(errors)
    changes = {
        key: value
        for key, value in {"email": email, "name": name, "phone": phone, "role": role}.items()
        if value is not None and getattr(user, key) != value
    }
    if not changes:
        return user
    with tenant_atomic():
        if email and User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise ValidationError({"email": [_("A user with this e-mail already exists.")]})
        for key, value in changes.items():
            setattr(user, key, value.strip() if key == "name" else value)
        fields = [*changes, "updated_at"]
        if "role" in changes and current_tenant() is not None:
            user.is_staff = user.is_superuser = user.role == Role.ADMIN
            fields += ["is_staff", "is_superuser"]
        user.save(update_fields=fields)
        _event("entity.updated", user, actor, changed=sorted(changes))
    return user


def user_set_language(*, user: User, language: str) -> User:
    """Remember the user's language for every browser they sign in from (the cookie
    alone would be one browser's)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose one of the offered languages.")]})
    if user.settings.get("language") == language:
        return user
    with tenant_atomic():
        user.settings = {**user.settings, "language": language}
        user.save(update_fields=["settings", "updated_at"])
    return user


def user_set_active(*, user: User, active: bool, actor: Actor) -> User:
    """Deactivate (the account stays, its logins stop) or reactivate a user."""
    if actor.id == user.pk and not active:
        raise ValidationError({"is_active": [_("You cannot deactivate yourself.")]})
    if user.is_active == active:
        return user
    with tenant_atomic():
        tenant = current_tenant()
        if active and tenant is not None:
            with connections[current_db_alias()].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_USER_CREATE_LOCK])
            ensure_below(field="max_users", current=User.objects.filter(is_active=True).count())
        user.is_active = active
        user.save(update_fields=["is_active", "updated_at"])
        if not active:
            # Reactivating the account later must not bring its old logins back.
            user_revoke_tokens(user=user)
        _event("entity.updated", user, actor, changed=["is_active"], is_active=active)
    return user


def user_revoke_tokens(*, user: User) -> int:
    """Blacklist every refresh token the user still holds; returns how many."""
    from rest_framework_simplejwt.token_blacklist.models import (
        BlacklistedToken,
        OutstandingToken,
    )

    with tenant_atomic():
        open_ids = list(
            OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).values_list(
                "pk", flat=True
            )
        )
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token_id=pk) for pk in open_ids], ignore_conflicts=True
        )
    return len(open_ids)


def user_set_password(*, user: User, password: str, actor: Actor = SYSTEM) -> User:
    """Give the user a new password, whoever sets it (the user, an admin, a reset link).

    Every refresh token issued before is revoked. Sessions end by themselves: Django ties a
    session to a hash of the password, and our tokens carry the same hash (dockpulse.api.
    tokens), so even an access token still in flight stops working at once.
    """
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from exc
    with tenant_atomic():
        user.set_password(password)
        user.save(update_fields=["password", "updated_at"])
        user_revoke_tokens(user=user)
        _event("entity.updated", user, actor, changed=["password"])
    return user


def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    """Change one's own password (the current one is asked for again)."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": [_("Your current password is not correct.")]})
    return user_set_password(user=user, password=new_password, actor=staff_actor(user))


def user_send_password_reset(*, request: HttpRequest, email: str) -> None:
    """E-mail a reset link for this host if an active user has the address; say nothing
    either way (no account enumeration).

    Requests are counted per e-mail and per address (dockpulse.security.lockout), whether
    or not the account exists, so the link cannot be used to flood someone's inbox.
    """
    from django.contrib.auth.forms import PasswordResetForm

    from dockpulse.security import lockout
    from dockpulse.security.clientip import client_ip

    from .tokens import password_reset_tokens

    email = clean_email(email)
    lockout.reserve(
        policy=lockout.password_reset_policy(), identity=email, address=client_ip(request)
    )
    form = PasswordResetForm({"email": email})
    if form.is_valid():
        form.save(
            request=request,
            use_https=request.is_secure(),
            token_generator=password_reset_tokens,
        )


def expired_credentials_clear() -> tuple[int, int]:
    """Delete expired sessions and refresh tokens of the current database (tenant or
    platform); returns (sessions, tokens). Beat runs it for every database."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    now = timezone.now()
    with tenant_atomic():
        sessions, _by_model = Session.objects.filter(expire_date__lt=now).delete()
        # Blacklist rows go with their tokens (on_delete=CASCADE); an expired token is
        # refused by its signature's expiry already.
        tokens = (
            OutstandingToken.objects.filter(expires_at__lte=now)
            .delete()[1]
            .get("token_blacklist.OutstandingToken", 0)
        )
    return sessions, tokens
