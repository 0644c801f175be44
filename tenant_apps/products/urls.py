from django.urls import path

from . import views

app_name = "products"
urlpatterns = [
    path("", views.product_list, name="list"),
    path("export/", views.product_export, name="export"),
    path("new/", views.product_new, name="new"),
    path("import/", views.product_import, name="import"),
    path("import/template.csv", views.product_import_template, name="import_template"),
    path("<uuid:pk>/", views.product_detail, name="detail"),
    path("<uuid:pk>/edit/", views.product_edit, name="edit"),
]
