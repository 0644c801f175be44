from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "tenant_apps.customers"
    label = "customers"
    verbose_name = "Customers"

    def ready(self) -> None:
        from . import handlers  # noqa: F401  (registers the timeline handler)
