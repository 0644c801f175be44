"""How the API's lists come in pages, and which pagination a view's lists use.

The one source of truth for both the answer (dockpulse.api.params.page) and the schema
(dockpulse.api.schema): a view's `pagination_class`, DRF's default where it names none
(the API's plain ViewSets and APIViews get no pagination_class of their own from DRF),
None for a list that is whole.
"""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.settings import api_settings


class Pagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


def paginator_for(view: Any) -> BasePagination | None:
    """A new paginator of `view`'s pagination class, or None when its lists are whole.

    An `@action(pagination_class=None)` sets the attribute on the view instance, so it
    counts for that action only.
    """
    # api_settings has already imported the class its setting names.
    pagination_class: Any = getattr(view, "pagination_class", api_settings.DEFAULT_PAGINATION_CLASS)
    return pagination_class() if pagination_class else None
