from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export/", views.customer_export, name="export"),
    path("new/", views.customer_new, name="new"),
    path("import/", views.customer_import, name="import"),
    path("import/template.csv", views.customer_import_template, name="import_template"),
    path("<uuid:pk>/", views.customer_detail, name="detail"),
    path("<uuid:pk>/edit/", views.customer_edit, name="edit"),
    path("<uuid:pk>/timeline/", views.customer_timeline, name="timeline"),
    path("<uuid:pk>/portal-access/", views.customer_portal_grant, name="portal_grant"),
    path("<uuid:pk>/portal-access/off/", views.customer_portal_revoke, name="portal_revoke"),
]
