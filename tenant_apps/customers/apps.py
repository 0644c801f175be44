from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "tenant_apps.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        # What the app adds to the core (permission row, event types, route, fields), and
        # the timeline handler it registers with the event bus.
        from . import extensions, handlers  # noqa: F401
