"""The portal's services, one module per topic; the sign-in's are re-exported here."""

from .auth import (
    SOURCE,
    ResendTooSoon,
    customer_portal_login,
    customer_portal_password_change,
    customer_portal_reset_confirm,
    customer_portal_reset_request,
    login_policy,
    reset_policy,
)

__all__ = [
    "SOURCE",
    "ResendTooSoon",
    "customer_portal_login",
    "customer_portal_password_change",
    "customer_portal_reset_confirm",
    "customer_portal_reset_request",
    "login_policy",
    "reset_policy",
]
