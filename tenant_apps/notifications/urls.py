"""The signed-in user's inbox: /notifications/ (mounted in dockpulse/urls_tenant.py)."""

from django.urls import path

from . import delivery_views, views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="index"),
    path("badge/", views.badge, name="badge"),
    path("read/", views.mark_all_read, name="read-all"),
    path("<uuid:pk>/read/", views.mark_read, name="read"),
    # The delivery log (managers): failed and waiting sends, "Send again".
    path("deliveries/", delivery_views.delivery_log, name="deliveries"),
    path("deliveries/<uuid:pk>/retry/", delivery_views.delivery_retry, name="delivery_retry"),
]
