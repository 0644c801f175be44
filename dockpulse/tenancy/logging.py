from __future__ import annotations

import logging

from .context import PLATFORM, current_state
from .info import TenantInfo


class TenantLogFilter(logging.Filter):
    """Adds `tenant` (slug, "platform" or "-") and `request_id` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        from .middleware import request_id_var

        state = current_state()
        if isinstance(state, TenantInfo):
            record.tenant = state.slug
        else:
            record.tenant = "platform" if state is PLATFORM else "-"
        record.request_id = request_id_var.get()
        return True
