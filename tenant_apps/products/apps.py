from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "tenant_apps.products"
    label = "products"
    verbose_name = "Products"

    def ready(self) -> None:
        from . import extensions  # noqa: F401  (permission row, route, configurable fields)
