"""Triggers: created, changed and deleted by an admin, and a new tenant's defaults."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import Actor
from dockpulse.tenancy import tenant_atomic
from dockpulse.updates import apply_changes
from tenant_apps.notifications.inputs import TriggerChanges, TriggerInput
from tenant_apps.notifications.models import ActionType, WorkflowTrigger


def _free_code(
    code: str, *, event_type: str, action_type: str, instance: WorkflowTrigger | None
) -> str:
    """The code to store: the one given, or a new one; ValidationError if another trigger
    has it."""
    if not code:
        code = f"{event_type}.{action_type}.{uuid.uuid4().hex[:6]}"
    clash = WorkflowTrigger.objects.filter(code=code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationError({"code": [_("Another trigger has this code.")]})
    return code


def _trigger_event(kind: str, trigger: WorkflowTrigger, actor: Actor, **extra: Any) -> None:
    events.emit(
        event_type=kind,
        source_module="notifications",
        entity_type="workflow_trigger",
        entity_id=trigger.id,
        payload={
            "code": trigger.code,
            "event_type": trigger.event_type,
            "action_type": trigger.action_type,
            **extra,
        },
        actor=actor,
    )


def trigger_create(*, values: TriggerInput, actor: Actor) -> WorkflowTrigger:
    code = _free_code(
        values.code, event_type=values.event_type, action_type=values.action_type, instance=None
    )
    with tenant_atomic():
        trigger = WorkflowTrigger.objects.create(
            code=code,
            name=values.name,
            event_type=values.event_type,
            action_type=values.action_type,
            action_config=values.action_config,
            is_enabled=values.is_enabled,
        )
        _trigger_event("entity.created", trigger, actor)
    return trigger


def trigger_update(
    *, trigger: WorkflowTrigger, changes: TriggerChanges, actor: Actor
) -> WorkflowTrigger:
    cleaned: dict[str, Any] = dict(changes)
    if "code" in changes:
        cleaned["code"] = _free_code(
            changes["code"],
            event_type=changes.get("event_type", trigger.event_type),
            action_type=changes.get("action_type", trigger.action_type),
            instance=trigger,
        )
    with tenant_atomic():
        if cleaned.get("is_enabled") and not trigger.is_enabled:
            # Switched back on by a person: the failure count starts again.
            cleaned.update(consecutive_failures=0, failing_since=None, disabled_reason="")
        changed = apply_changes(trigger, cleaned)
        if changed:
            _trigger_event("entity.updated", trigger, actor, changed=changed)
    return trigger


def trigger_delete(*, trigger: WorkflowTrigger, actor: Actor) -> None:
    with tenant_atomic():
        _trigger_event("entity.deleted", trigger, actor)
        trigger.delete()


# The seed's defaults (section 4.2), the same for every business template.
DEFAULT_TRIGGERS = (
    ("order.new.sms_admin", "order.created", ActionType.SMS, "admins"),
    ("order.confirmed.email_customer", "order.confirmed", ActionType.EMAIL, "customer"),
    ("order.shipped.sms_customer", "order.shipped", ActionType.SMS, "customer"),
    # A customer's message in the portal reaches the staff's inbox.
    ("portal.message.push_staff", "portal.message_sent", ActionType.PUSH, "staff"),
)


def triggers_seed(*, template: str) -> list[WorkflowTrigger]:
    """A new tenant's default triggers: a new order texts the admins, a confirmed one
    e-mails the customer, a shipped one texts the customer the tracking number, a
    customer's portal message notifies the staff in their inbox."""
    names = {
        "order.new.sms_admin": _("New order: SMS to the admins"),
        "order.confirmed.email_customer": _("Order confirmed: e-mail to the customer"),
        "order.shipped.sms_customer": _("Order shipped: SMS with the tracking number"),
        "portal.message.push_staff": _("Customer's message: in-app notification to the staff"),
    }
    with tenant_atomic():
        existing = set(WorkflowTrigger.objects.values_list("code", flat=True))
        rows = [
            WorkflowTrigger(
                code=code,
                name=names[code],
                event_type=event_type,
                action_type=action,
                action_config={"to": to},
            )
            for code, event_type, action, to in DEFAULT_TRIGGERS
            if code not in existing
        ]
        WorkflowTrigger.objects.bulk_create(rows)
        if rows:
            events.emit(
                event_type="entity.created",
                source_module="notifications",
                entity_type="workflow_triggers",
                payload={"codes": [r.code for r in rows], "template": template},
            )
    return rows
