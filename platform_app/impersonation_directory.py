"""The platform's side of a tenant host's impersonation questions
(dockpulse.tenancy.impersonation), registered from PlatformAppConfig.ready().

Every change is audited here, on the platform side; the tenant's own event log gets its
row from the accounts app (tenant_apps/accounts/impersonation.py).
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from dockpulse.tenancy import platform_context
from dockpulse.tenancy.impersonation import GrantInfo
from tenant_apps.accounts.models import User

from .models import ImpersonationGrant
from .services.audit import AuditOrigin, audit_record
from .services.impersonation import token_hash


def _info(grant: ImpersonationGrant) -> GrantInfo:
    return GrantInfo(
        id=grant.id,
        admin_email=grant.admin_email,
        user_email=grant.user_email,
        expires_at=grant.expires_at,
    )


class PlatformImpersonationDirectory:
    def redeem(self, token: str, *, tenant_id: uuid.UUID, ip: str | None) -> GrantInfo | None:
        now = timezone.now()
        with transaction.atomic(using="default"):
            # Locked: two tabs redeeming the same link at once, only one gets in.
            grant = (
                ImpersonationGrant.objects.select_for_update()
                .select_related("tenant")
                .filter(token_hash=token_hash(token))
                .first()
            )
            if (
                grant is None
                or grant.tenant_id != tenant_id
                or grant.redeemed_at is not None
                or grant.ended_at is not None
                or now > grant.redeem_by
                or now >= grant.expires_at
            ):
                return None
            grant.redeemed_at = now
            grant.save(update_fields=["redeemed_at"])
            audit_record(
                action="tenant.impersonation_redeemed",
                actor="admin",
                tenant=grant.tenant,
                origin=AuditOrigin(admin_email=grant.admin_email, ip=ip),
                details={"grant": str(grant.id), "user": grant.user_email},
            )
        return _info(grant)

    def is_open(self, grant_id: uuid.UUID) -> bool:
        """Also closed once its admin is no longer an active platform admin: deactivating
        an admin ends their sessions in tenants' panels at the next request."""
        admin_email = (
            ImpersonationGrant.objects.filter(
                pk=grant_id,
                redeemed_at__isnull=False,
                ended_at__isnull=True,
                expires_at__gt=timezone.now(),
            )
            .values_list("admin_email", flat=True)
            .first()
        )
        if admin_email is None:
            return False
        # Asked from a tenant's request: the platform's users are in the platform database.
        with platform_context():
            return User.objects.filter(email=admin_email, is_active=True, is_staff=True).exists()

    def end(self, grant_id: uuid.UUID, *, why: str, ip: str | None) -> bool:
        with transaction.atomic(using="default"):
            grant = (
                ImpersonationGrant.objects.select_for_update()
                .select_related("tenant")
                .filter(pk=grant_id, ended_at__isnull=True)
                .first()
            )
            if grant is None:
                return False
            grant.ended_at = timezone.now()
            grant.save(update_fields=["ended_at"])
            audit_record(
                action="tenant.impersonation_ended",
                # The End button or the admin's own sign-out; otherwise time or a closed grant.
                actor="admin" if why in ("ended", "signed_out") else "system",
                tenant=grant.tenant,
                origin=AuditOrigin(admin_email=grant.admin_email, ip=ip),
                details={"grant": str(grant.id), "user": grant.user_email, "why": why},
            )
        return True
