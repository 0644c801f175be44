"""The stock pages' URLs (mounted at /stock/)."""

from django.urls import URLPattern, path

from .views import levels, movements, operations, warehouses

app_name = "stock"
urlpatterns: list[URLPattern] = [
    path("", levels.level_list, name="levels"),
    path("levels/<uuid:pk>/threshold/", levels.level_threshold, name="level_threshold"),
    # The "Stock" section of a product's page (loaded by htmx).
    path("for-product/<uuid:pk>/", levels.product_levels, name="product_levels"),
    path("receive/", operations.receive, name="receive"),
    path("adjust/", operations.adjust, name="adjust"),
    path("products/", operations.product_options, name="product_options"),
    path("movements/", movements.movement_list, name="movements"),
    path("warehouses/", warehouses.warehouse_list, name="warehouses"),
    path("warehouses/new/", warehouses.warehouse_new, name="warehouse_new"),
    path("warehouses/<uuid:pk>/edit/", warehouses.warehouse_edit, name="warehouse_edit"),
    path(
        "warehouses/<uuid:pk>/default/",
        warehouses.warehouse_make_default,
        name="warehouse_make_default",
    ),
    path(
        "warehouses/<uuid:pk>/active/", warehouses.warehouse_set_active, name="warehouse_set_active"
    ),
]
