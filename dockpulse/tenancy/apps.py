from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "dockpulse.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        import django.db
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_finished, request_started

        from . import connections

        # Django's handlers walk every alias in connections.settings on every request;
        # ours touch only what this thread used (docs/tenancy.md, "Connections").
        request_started.disconnect(django.db.reset_queries)
        request_started.disconnect(django.db.close_old_connections)
        request_finished.disconnect(django.db.close_old_connections)
        request_started.connect(connections.reset_queries, dispatch_uid="dockpulse_reset")
        request_started.connect(connections.close_old_connections, dispatch_uid="dp_close1")
        request_finished.connect(connections.close_old_connections, dispatch_uid="dp_close2")
        user_logged_in.connect(_bind_session_to_tenant, dispatch_uid="dockpulse_bind_session")


def _bind_session_to_tenant(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .middleware import SESSION_TENANT_KEY, session_owner

    if request is not None and hasattr(request, "session"):
        request.session[SESSION_TENANT_KEY] = session_owner(request)
