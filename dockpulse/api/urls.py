"""/api/v1/ of a tenant host."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from tenant_apps.accounts.api import UserViewSet
from tenant_apps.configuration.api import FieldConfigViewSet, ModuleViewSet
from tenant_apps.customers.api import CustomerViewSet
from tenant_apps.events.api import EventViewSet
from tenant_apps.notifications.api import DeliveryViewSet, InboxViewSet, TriggerViewSet
from tenant_apps.products.api import ProductViewSet
from tenant_apps.sales.api import OrderViewSet, QuoteViewSet
from tenant_apps.stock.api import (
    StockLevelViewSet,
    StockMovementViewSet,
    StockOperationViewSet,
    WarehouseViewSet,
)

from . import views

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")
router.register("customers", CustomerViewSet, basename="customer")
router.register("products", ProductViewSet, basename="product")
router.register("orders", OrderViewSet, basename="order")
router.register("quotes", QuoteViewSet, basename="quote")
router.register("warehouses", WarehouseViewSet, basename="warehouse")
router.register("stock/levels", StockLevelViewSet, basename="stock-level")
router.register("stock/movements", StockMovementViewSet, basename="stock-movement")
router.register("stock", StockOperationViewSet, basename="stock")  # receive/, adjust/
router.register("settings/modules", ModuleViewSet, basename="module")
router.register("settings/fields", FieldConfigViewSet, basename="field-config")
router.register("settings/triggers", TriggerViewSet, basename="trigger")
router.register("notifications/deliveries", DeliveryViewSet, basename="notification-delivery")
router.register("notifications", InboxViewSet, basename="notification")
router.register("events", EventViewSet, basename="event")

urlpatterns = [
    path("auth/token/", views.TokenObtainView.as_view(), name="token_obtain"),
    path("auth/token/refresh/", views.TokenRefreshView.as_view(), name="token_refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout_api"),
    path("auth/password/change/", views.PasswordChangeView.as_view(), name="password_change_api"),
    path("auth/password/reset/", views.PasswordResetView.as_view(), name="password_reset_api"),
    path("", include(router.urls)),
]
