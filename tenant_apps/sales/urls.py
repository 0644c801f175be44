from django.urls import path

from . import views

app_name = "sales"
urlpatterns = [
    # Sections of a customer's page (the customer page loads them with htmx).
    path("orders/for-customer/<uuid:pk>/", views.customer_orders, name="customer_orders"),
    path("quotes/for-customer/<uuid:pk>/", views.customer_quotes, name="customer_quotes"),
]
