"""List pages: a whitelisted sort from the query string, and a page of rows.

A list page runs a constant number of queries whatever the number of rows: the
selector's query (prefetching what the rows show), its count for the pager, nothing per
row. Sorting uses only the names a page offers, so a query string cannot order by an
arbitrary (or hidden) column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PER_PAGE = 25


@dataclass(frozen=True)
class SortOption:
    key: str  # the value in ?sort=
    label: Any
    ordering: tuple[str, ...]  # ORM ordering, ending on a unique column for a stable page


@dataclass(frozen=True)
class Listing:
    page: Page
    sort: str
    sorts: Sequence[SortOption]

    @property
    def rows(self) -> Sequence[Any]:
        return cast(Sequence[Any], self.page.object_list)


def listing(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    sorts: Sequence[SortOption],
    per_page: int = PER_PAGE,
) -> Listing:
    """Sort by ?sort= (the first option by default) and take the page ?page= (the last
    page when the number is past it, the first when it is not a number)."""
    options: Mapping[str, SortOption] = {option.key: option for option in sorts}
    chosen = options.get(request.GET.get("sort", ""), sorts[0])
    paginator = Paginator(queryset.order_by(*chosen.ordering), per_page)
    page = paginator.get_page(request.GET.get("page"))
    return Listing(page=page, sort=chosen.key, sorts=sorts)
