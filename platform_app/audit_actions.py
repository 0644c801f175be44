"""The audit log's actions in words (the audit page and its filter).

A code missing here is shown as itself: a new operation's rows are never hidden, only
less readable until it is named here.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Promise] = {
    # tenants (platform_app.services, the commands, the tenant's own settings page)
    "tenant.created": _("Tenant created"),
    "tenant.active": _("Tenant resumed"),
    "tenant.suspended": _("Tenant suspended"),
    "tenant.deleted": _("Tenant deleted"),
    "tenant.provisioning_discarded": _("Unfinished creation removed"),
    "tenant.purged": _("Tenant purged"),
    "tenant.backed_up": _("Tenant backed up"),
    "tenant.restored": _("Tenant restored"),
    "tenant.profile_updated": _("Tenant profile changed"),
    "tenant.admin_invited": _("First admin invited"),
    "tenant.admin_invite_failed": _("Invitation e-mail not sent"),
    "tenant.plan_changed": _("Tenant's plan changed"),
    "tenant.impersonation_started": _("Impersonation started"),
    "tenant.impersonation_redeemed": _("Impersonation link used"),
    "tenant.impersonation_ended": _("Impersonation ended"),
    "platform.usage_refreshed": _("Usage refreshed"),
    # plans and billing (platform_app.services.plans, .billing)
    "plan.created": _("Plan created"),
    "plan.updated": _("Plan changed"),
    "billing.generated": _("Billing generated"),
    "billing.overdue": _("Billing marked overdue"),
    "billing.paid": _("Billing marked paid"),
    "billing.voided": _("Billing voided"),
    # platform admins' access (platform_app.services.access)
    "platform.signed_in": _("Signed in"),
    "platform.signed_out": _("Signed out"),
    "platform.session_expired": _("Session expired (inactivity)"),
    "platform.otp_failed": _("Wrong second-factor code"),
    "platform.otp_enrolled": _("Authenticator app set up"),
    "platform.otp_reset": _("Second factor reset"),
    # the platform's Django admin (platform_app.admin)
    "admin.added": _("Added in the Django admin"),
    "admin.changed": _("Changed in the Django admin"),
    "admin.deleted": _("Deleted in the Django admin"),
}


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def action_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in ACTION_LABELS.items()]
