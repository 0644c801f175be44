"""Password-reset links bound to the tenant that made them.

Django's generator hashes the user's id, password hash, last login and the time. A copy of
tenant A restored with `restore_tenant --as` has the same users, so A's link would work on
the copy. Adding the tenant's id and generation to the hashed value makes a link valid
only on the database it was made for, and void after a restore over the same tenant.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.tokens import PasswordResetTokenGenerator

from dockpulse.tenancy.context import current_tenant


class TenantPasswordResetTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "dockpulse.accounts.tokens.TenantPasswordResetTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        tenant = current_tenant()
        owner = f"{tenant.id}:{tenant.generation}" if tenant is not None else "platform"
        return f"{super()._make_hash_value(user, timestamp)}{owner}"


password_reset_tokens = TenantPasswordResetTokenGenerator()
