"""The sales pages' URLs (mounted at the tenant root): each topic's module lists its own."""

from django.urls import path

from .views import customer_sections
from .views.documents import urlpatterns as document_urls
from .views.editor import urlpatterns as editor_urls
from .views.orders import urlpatterns as order_urls
from .views.quotes import urlpatterns as quote_urls

app_name = "sales"
urlpatterns = [
    # Sections of a customer's page (the customer page loads them with htmx).
    path(
        "orders/for-customer/<uuid:pk>/",
        customer_sections.customer_orders,
        name="customer_orders",
    ),
    path(
        "quotes/for-customer/<uuid:pk>/",
        customer_sections.customer_quotes,
        name="customer_quotes",
    ),
    *editor_urls,
    *document_urls,
    *order_urls,
    *quote_urls,
]
