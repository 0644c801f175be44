"""Users: staff in a tenant context, platform admins in platform context (one model)."""

from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from tenant_apps.accounts.models import Role, User
from tests.support import TEST_PASSWORD


class UserFactory(DjangoModelFactory[User]):
    """A user who signs in with TEST_PASSWORD (or `raw_password=...`), written directly:
    no `max_users` check and no `entity.created` event. When the test is about those, use
    the accounts service (or `support.staff_user`)."""

    class Meta:
        model = User

    class Params:
        raw_password = TEST_PASSWORD

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name", locale="pl_PL")
    role = Role.EMPLOYEE
    password = factory.LazyAttribute(lambda o: make_password(o.raw_password))
    # As the service does in a tenant: the admin role owns the tenant's Django admin.
    is_staff = factory.LazyAttribute(lambda o: o.role == Role.ADMIN)
    is_superuser = factory.LazyAttribute(lambda o: o.role == Role.ADMIN)
