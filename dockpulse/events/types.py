"""The event types services send, as the apps declared them.

Each app declares the types it sends (`extensions.event_types` in its extensions.py; the
generic `entity.*` are the events core's own). `EVENT_TYPES` is a live view of that
registry, so a module may import it before every app has declared its types.

Order: the trigger API lists the types in its OpenAPI description, in the order this
module once spelled them out (seed section 4.3). Types are grouped by the family before
the dot in that order; a family not listed follows in registration order, so a new app
needs no edit here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import overload

from dockpulse import extensions

_FAMILY_ORDER = ("entity", "order", "quote", "customer", "stock", "portal")


def event_types() -> tuple[str, ...]:
    """Every declared event type, in the order the API documents them."""
    declared = extensions.known_event_types()
    rank = {family: index for index, family in enumerate(_FAMILY_ORDER)}

    def key(item: tuple[int, str]) -> tuple[int, int]:
        index, event_type = item
        return rank.get(event_type.partition(".")[0], len(rank)), index

    return tuple(event_type for _index, event_type in sorted(enumerate(declared), key=key))


class _Declared(Sequence[str]):
    """A tuple-like view of event_types(), read at each use."""

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        return event_types()[index]

    def __len__(self) -> int:
        return len(extensions.known_event_types())

    def __contains__(self, value: object) -> bool:
        return value in extensions.known_event_types()

    def __iter__(self) -> Iterator[str]:
        return iter(event_types())

    def __repr__(self) -> str:
        return repr(event_types())


EVENT_TYPES: Sequence[str] = _Declared()
