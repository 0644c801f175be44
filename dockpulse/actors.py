"""Who does a thing: a staff user, a portal customer, or the system itself.

Services take `actor: Actor`, never a request or an untyped object: the same service is
called by the API, the pages, the portal, a command or an event handler, and each says
who it acts for. The event log records `kind` and `id`; role checks read `role`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

ActorKind = Literal["staff", "customer", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    kind: ActorKind
    id: uuid.UUID | None = None
    role: str | None = None  # a staff user's role; None for customers and the system
    label: str = ""  # for logs and history: a person's name, a command

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_customer(self) -> bool:
        return self.kind == "customer"

    @property
    def is_system(self) -> bool:
        return self.kind == "system"


SYSTEM = Actor("system", label="system")


def staff_actor(user: Any) -> Actor:
    """The actor for a staff user (a tenant's User row)."""
    # History and the ledger show who acted by name (get_full_name falls back to the e-mail).
    return Actor("staff", id=user.pk, role=getattr(user, "role", None), label=user.get_full_name())


def customer_actor(customer: Any) -> Actor:
    """The actor for a portal customer (a tenant's Customer row)."""
    return Actor("customer", id=customer.pk, label=getattr(customer, "name", ""))


def system_actor(label: str) -> Actor:
    """The system acting for a reason: a command, a task, an event handler."""
    return Actor("system", label=label)
