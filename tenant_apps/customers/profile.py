"""A customer's own contact details, seen and changed by the customer in the portal.

What a customer may change themself (docs/portal.md, "Profile"):

- **e-mail** and **address** (street, postal code, city, country): theirs to keep current;
  the address is what a new portal order is delivered to by default.
- **name, company name, NIP**: shown, not changed here. They are on the documents and the
  invoices made from them, and a new NIP is a different company: staff change them.
- **phone**: shown, not changed here. It is the portal login: changing it from the portal
  would let a customer lock themselves out, or take a number another customer signs in with.
- **notes, tags**: the staff's own, never shown to the customer.

What the tenant hid (field settings) is neither shown nor accepted; what it made required
must be filled. The values are cleaned by the same `inputs` as a staff edit, and the change
is written by `services.customer_update`, so it sends `customer.updated` (the changed
columns in `changed`, the customer as the actor) and shows in the customer's history.

Not re-exported from `services` (unlike portal_access): this module builds on the services
module, so a re-export there would be an import cycle. Callers import it from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse.actors import Actor
from dockpulse.errors import NotPermitted
from dockpulse.modules import field_policy

from . import inputs
from .inputs import CustomerChanges
from .models import Customer
from .services import customer_problems, customer_update

ENTITY = "customer"
# In the order the profile shows them.
PROFILE_FIELDS = ("name", "company_name", "phone", "email", "nip", "address")
PROFILE_EDITABLE = ("email", "address")
PROFILE_READ_ONLY = ("name", "company_name", "phone", "nip")


@dataclass(frozen=True)
class ProfileFields:
    """A customer's profile as this tenant's field settings leave it."""

    shown: tuple[str, ...]  # read-only and editable, in PROFILE_FIELDS order
    editable: tuple[str, ...]
    read_only: tuple[str, ...]
    required: frozenset[str]  # of the editable ones

    def shows(self, name: str) -> bool:
        return name in self.shown


def profile_fields() -> ProfileFields:
    """Which of the profile's fields are shown, editable and required (two small queries)."""
    policy = field_policy()
    hidden = policy.hidden_fields(ENTITY)
    shown = tuple(name for name in PROFILE_FIELDS if name not in hidden)
    required = frozenset(policy.required_fields(ENTITY)) & set(PROFILE_EDITABLE)
    return ProfileFields(
        shown=shown,
        editable=tuple(name for name in shown if name in PROFILE_EDITABLE),
        read_only=tuple(name for name in shown if name in PROFILE_READ_ONLY),
        required=frozenset(name for name in required if name in shown),
    )


def read_only_message(name: str) -> str:
    if name == "phone":
        return _(
            "You sign in with this number, so it is not changed here: ask us to change it "
            "(write to us in Messages)."
        )
    return _("This is not changed here: ask us to change it (write to us in Messages).")


def required_message() -> str:
    return _("Fill this in: we need it.")


def _blank(name: str, value: Any) -> bool:
    if name == "address":
        # No address: none given, or street, postal code and city all given empty, whatever
        # the country says (the staff's rule, services._check_fields). Parts not given stay.
        parts = value if isinstance(value, Mapping) else {}
        return not parts or all(
            part in parts and not str(parts[part] or "").strip()
            for part in ("street", "postal_code", "city")
        )
    return value is None or not str(value).strip()


def profile_changes(*, customer: Customer, given: Mapping[str, Any]) -> CustomerChanges:
    """Clean what the customer sent for their profile: ValidationError naming every field
    at once (a read-only or unknown field, a required one left empty, a bad e-mail)."""
    fields = profile_fields()
    problems: dict[str, list[str]] = {}
    for name in given:
        if name in fields.read_only:
            problems[name] = [read_only_message(name)]
        elif name not in fields.editable:
            # Hidden by the tenant or never the customer's (notes, tags): not a field here.
            problems[name] = [_("Unknown field.")]
    editable = {name: value for name, value in given.items() if name in fields.editable}
    for name in fields.required:
        if name in editable and _blank(name, editable[name]):
            problems[name] = [required_message()]
            del editable[name]
    changes: CustomerChanges = {}
    try:
        with customer_problems(instance=customer):
            changes = inputs.customer_changes(editable)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            problems.setdefault(name, messages)
    if problems:
        order = [*PROFILE_FIELDS, *sorted(set(problems) - set(PROFILE_FIELDS))]
        raise ValidationError({name: problems[name] for name in order if name in problems})
    return changes


def customer_profile_update(
    *, customer: Customer, changes: CustomerChanges, actor: Actor
) -> Customer:
    """The customer's own change of their profile (cleaned by `profile_changes`).

    NotPermitted unless the actor is this customer with portal access; ValidationError on
    a field the customer may not change. Written by `customer_update`: `customer.updated`
    with the changed columns and the customer as the actor; nothing changed, no event."""
    if not (actor.is_customer and actor.id == customer.pk and customer.is_portal_active):
        raise NotPermitted(_("Only the customer changes their own details here."))
    fields = profile_fields()
    refused = {
        name: [read_only_message(name) if name in fields.read_only else _("Unknown field.")]
        for name in changes
        if name not in fields.editable
    }
    if refused:
        raise ValidationError(refused)
    missing = {
        name: [required_message()]
        for name in fields.required
        if name in changes and _blank(name, inputs.as_api(changes).get(name))
    }
    if missing:
        raise ValidationError(missing)
    return customer_update(customer=customer, changes=changes, actor=actor)
