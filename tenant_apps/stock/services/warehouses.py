"""Writes of warehouses: the default one made on first need, create, change, delete.

Exactly one warehouse is the default (reservations come from it): a partial unique index
allows at most one, `warehouse_default()` makes it on first need, and moving the flag locks
every warehouse row so concurrent moves queue behind each other.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any, TypedDict, cast

from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dockpulse import events
from dockpulse.actors import Actor
from dockpulse.errors import StateConflict
from dockpulse.tenancy import get_current_tenant, tenant_atomic
from tenant_apps.stock.models import StockLevel, Warehouse

DEFAULT_WAREHOUSE_CODE = "MAIN"
WAREHOUSE_FIELDS = ("code", "name", "address", "is_default", "is_active")


@dataclass(frozen=True, slots=True)
class WarehouseInput:
    """A new warehouse, cleaned (stock.inputs.warehouse_input): code upper-case, trimmed."""

    code: str
    name: str
    address: str = ""
    is_default: bool = False
    is_active: bool = True


class WarehouseChanges(TypedDict, total=False):
    code: str
    name: str
    address: str
    is_default: bool
    is_active: bool


def warehouse_default() -> Warehouse:
    """The tenant's default warehouse (reservations come from it), made on first need.

    Made lazily rather than by a migration: tenants are clones of the migrated template,
    so a migration's row would have the same UUID in every tenant. Race-safe: the partial
    unique index and ON CONFLICT DO NOTHING let concurrent first uses agree on one row.
    Named in the tenant's language (code MAIN; both can be changed).
    """
    found = Warehouse.objects.filter(is_default=True).first()
    if found is not None:
        return found
    with translation.override(get_current_tenant().language):
        name = _("Main warehouse")
    code = DEFAULT_WAREHOUSE_CODE
    for _attempt in range(3):
        if Warehouse.objects.filter(code=code).exists():
            code = f"{DEFAULT_WAREHOUSE_CODE}-{uuid.uuid4().hex[:6].upper()}"
        row = Warehouse(code=code, name=name, is_default=True)
        with tenant_atomic():
            Warehouse.objects.bulk_create([row], ignore_conflicts=True)
            if Warehouse.objects.filter(pk=row.pk).exists():
                events.emit(
                    event_type="entity.created",
                    source_module="stock",
                    entity_type="warehouse",
                    entity_id=row.pk,
                    payload={"code": row.code, "name": row.name, "is_default": True},
                )
        found = Warehouse.objects.filter(is_default=True).first()
        if found is not None:
            return found
        # The code was taken at the same moment by a warehouse that is not the default.
        code = f"{DEFAULT_WAREHOUSE_CODE}-{uuid.uuid4().hex[:6].upper()}"
    raise RuntimeError("could not make the default warehouse")


def warehouse_problems(
    *, changes: WarehouseChanges, instance: Warehouse | None
) -> dict[str, list[str]]:
    """What the stored warehouses refuse in `changes` (field -> messages; empty: nothing).

    Read-only, so the input layer can name these next to its own findings, and the writes
    below check again against the row they hold.
    """
    problems: dict[str, list[str]] = {}
    if "code" in changes:
        clash = Warehouse.objects.filter(code__iexact=changes["code"])
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            problems["code"] = [_("Another warehouse has this code.")]
    is_default = changes.get("is_default", instance.is_default if instance else False)
    is_active = changes.get("is_active", instance.is_active if instance else True)
    if instance is not None and instance.is_default and changes.get("is_default") is False:
        problems["is_default"] = [_("Make another warehouse the default instead.")]
    if is_default and not is_active:
        problems["is_active"] = [_("The default warehouse cannot be inactive.")]
    return problems


def _lock_warehouses() -> dict[uuid.UUID, Warehouse]:
    """Every warehouse row, locked by pk: changes of the default queue behind each other."""
    return {w.pk: w for w in Warehouse.objects.select_for_update().order_by("pk")}


def _take_default(warehouse: Warehouse) -> None:
    """Make `warehouse` the only default (the caller holds `_lock_warehouses()`)."""
    Warehouse.objects.filter(is_default=True).exclude(pk=warehouse.pk).update(
        is_default=False, updated_at=timezone.now()
    )


def _warehouse_event(kind: str, warehouse: Warehouse, actor: Actor, **extra: Any) -> None:
    events.emit(
        event_type=kind,
        source_module="stock",
        entity_type="warehouse",
        entity_id=warehouse.pk,
        payload={"code": warehouse.code, "name": warehouse.name,
                 "is_default": warehouse.is_default, **extra},
        actor=actor,
    )  # fmt: skip


def warehouse_create(*, values: WarehouseInput, actor: Actor) -> Warehouse:
    fields = cast(WarehouseChanges, asdict(values))
    problems = warehouse_problems(changes=fields, instance=None)
    if problems:
        raise ValidationError(problems)
    with tenant_atomic():
        warehouse_default()  # there is always a default to hand over from
        warehouse = Warehouse(**fields)
        if warehouse.is_default:
            _lock_warehouses()
            _take_default(warehouse)
        warehouse.save()
        _warehouse_event("entity.created", warehouse, actor)
    return warehouse


def warehouse_update(*, warehouse: Warehouse, changes: WarehouseChanges, actor: Actor) -> Warehouse:
    with tenant_atomic():
        locked = _lock_warehouses().get(warehouse.pk)
        if locked is None:
            raise Warehouse.DoesNotExist
        problems = warehouse_problems(changes=changes, instance=locked)  # the locked row
        if problems:
            raise ValidationError(problems)
        wanted = cast(dict[str, Any], changes)
        changed = sorted(k for k, v in wanted.items() if getattr(locked, k) != v)
        if not changed:
            return locked
        if wanted.get("is_default"):
            _take_default(locked)
        for key in changed:
            setattr(locked, key, wanted[key])
        locked.save()
        _warehouse_event("entity.updated", locked, actor, changed=changed)
    return locked


def warehouse_delete(*, warehouse: Warehouse, actor: Actor) -> None:
    with tenant_atomic():
        locked = Warehouse.objects.select_for_update().get(pk=warehouse.pk)
        if locked.is_default:
            raise StateConflict(
                _("The default warehouse cannot be deleted; make another one the default."),
                code="default_warehouse",
            )
        if StockLevel.objects.filter(warehouse=locked).exists():
            raise StateConflict(
                _("This warehouse has stock records; deactivate it instead."),
                code="warehouse_in_use",
            )
        _warehouse_event("entity.deleted", locked, actor)
        locked.delete()
