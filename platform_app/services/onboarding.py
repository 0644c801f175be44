"""Onboarding: a tenant made from the platform's page, and its first admin invited by e-mail.

Nobody types or reads a password for the first admin: `tenant_create` (the same service as
`manage.py create_tenant`) gives them a random one that is never shown, and the e-mail
carries a set-password link to their own tenant's host. Random rather than unusable on
purpose: Django's "forgot password" form skips users with an unusable password, so an
admin whose link expired (PASSWORD_RESET_TIMEOUT, a day) could never ask for a new one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from dockpulse.tenancy import tenant_context
from platform_app.directory import info_from_model
from platform_app.models import Tenant
from tenant_apps.accounts.models import User
from tenant_apps.accounts.tokens import password_reset_tokens

from .audit import audit
from .provisioning import tenant_create

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OnboardedTenant:
    tenant: Tenant
    admin_email: str
    link: str  # the set-password link for the first admin
    login_url: str  # the tenant's sign-in page, with "Forgot your password?"
    sent: bool  # False: the mail server refused; the tenant exists all the same
    error: str = ""


def tenant_origin(slug: str, *, scheme: str = "https", port: int | None = None) -> str:
    """`scheme://<slug>.BASE_DOMAIN[:port]`: the tenant's own host, where its links work."""
    suffix = f":{port}" if port and port not in (80, 443) else ""
    return f"{scheme}://{slug}.{settings.BASE_DOMAIN}{suffix}"


def tenant_onboard(
    *,
    slug: str,
    name: str,
    template: str,
    plan_code: str | None,
    admin_email: str,
    admin_name: str = "",
    language: str = "pl",
    time_zone: str = "Europe/Warsaw",
    scheme: str = "https",
    port: int | None = None,
    actor: str = "page",
) -> OnboardedTenant:
    """Create the tenant and e-mail its first admin a link to set their password.

    `scheme`/`port`: how the tenant hosts are reached (the page passes its own request's,
    so a development server's port is kept). A ValidationError per field when the input
    is refused, as tenant_create raises it.
    """
    provisioned = tenant_create(
        slug=slug,
        name=name,
        template=template,
        plan_code=plan_code,
        admin_email=admin_email,
        admin_password=None,  # random, never shown: the link sets the real one
        admin_name=admin_name,
        language=language,
        time_zone=time_zone,
        actor=actor,
    )
    tenant = provisioned.tenant
    origin = tenant_origin(tenant.slug, scheme=scheme, port=port)
    # The tenant's own token generator, in its context: the link is bound to this tenant's
    # id and generation, as the tenant host's reset page checks it (accounts/tokens.py).
    with tenant_context(info_from_model(tenant)):
        user = User.objects.get(email__iexact=provisioned.admin_email)
        path = reverse(
            "password_reset_confirm",
            urlconf=settings.TENANT_URLCONF,
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": password_reset_tokens.make_token(user),
            },
        )
    link = f"{origin}{path}"
    login_url = origin + reverse("login", urlconf=settings.TENANT_URLCONF)
    email = provisioned.admin_email
    try:
        _send_invitation(tenant, email=email, name=user.name, link=link, login_url=login_url)
    except OSError as exc:  # smtplib's errors too
        # The tenant is made and stays: the page says so, and "Forgot your password?" on
        # its sign-in page sends a new link once the mail server is back.
        logger.warning("invitation to %s for tenant %s not sent: %s", email, tenant.slug, exc)
        audit(tenant, "tenant.admin_invite_failed", actor, email=email, error=str(exc))
        return OnboardedTenant(
            tenant=tenant, admin_email=email, link=link, login_url=login_url, sent=False,
            error=str(exc),
        )  # fmt: skip
    audit(tenant, "tenant.admin_invited", actor, email=email)
    return OnboardedTenant(
        tenant=tenant, admin_email=email, link=link, login_url=login_url, sent=True
    )


def _send_invitation(tenant: Tenant, *, email: str, name: str, link: str, login_url: str) -> None:
    """The invitation, in the tenant's language (the admin reads it, not the platform's)."""
    context = {
        "tenant": tenant,
        "name": name,
        "link": link,
        "login_url": login_url,
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    with translation.override(tenant.language):
        subject = render_to_string("platform_app/emails/tenant_welcome_subject.txt", context)
        body = render_to_string("platform_app/emails/tenant_welcome.txt", context)
    send_mail(" ".join(subject.split()), body, None, [email])
