"""The messaging pages' URLs (mounted at /messages/)."""

from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.thread_list, name="index"),
    # A section of the customer's page (loaded with htmx), its reply form posts here too.
    path("for-customer/<uuid:pk>/", views.customer_thread, name="customer_thread"),
]
