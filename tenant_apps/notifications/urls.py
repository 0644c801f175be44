"""The signed-in user's inbox: /notifications/ (mounted in dockpulse/urls_tenant.py)."""

from django.urls import path

from . import views

app_name = "inbox"
urlpatterns = [
    path("", views.inbox, name="index"),
    path("badge/", views.badge, name="badge"),
    path("read/", views.mark_all_read, name="read-all"),
    path("<uuid:pk>/read/", views.mark_read, name="read"),
]
