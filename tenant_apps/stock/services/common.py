"""What every stock write shares: the module switch, quantities and who is recorded."""

from __future__ import annotations

from decimal import Decimal

from dockpulse.actors import Actor
from dockpulse.modules import module_switch
from dockpulse.numbers import MAX_QUANTITY, QUANTITY_STEP

MODULE = "@stock"
STEP = QUANTITY_STEP

__all__ = ["MAX_QUANTITY", "MODULE", "STEP", "decimal_text", "recorded_name", "stock_enabled"]


def stock_enabled() -> bool:
    return module_switch().is_enabled(MODULE)


def decimal_text(value: Decimal) -> str:
    return str(value.quantize(STEP))


def recorded_name(actor: Actor) -> str:
    """The ledger's `actor_name`: the person's name; blank for the system, as it always was."""
    return "" if actor.is_system else actor.label
