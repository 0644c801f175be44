from django.apps import AppConfig


class ProductsConfig(AppConfig):
    name = "tenant_apps.products"
    label = "products"
    verbose_name = "Products"
