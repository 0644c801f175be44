"""Sign-in URLs, the same names as django.contrib.auth.urls, on both hosts."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import impersonation, views

urlpatterns = [
    # A platform admin's one-time link and the banner's End button: tenant hosts only (the
    # views answer 404 on the platform host, which mounts these URLs too).
    path("impersonate/end/", impersonation.impersonation_end, name="impersonation_end"),
    path(
        "impersonate/<str:token>/",
        impersonation.impersonation_redeem,
        name="impersonation_redeem",
    ),
    path("login/", views.LoginView.as_view(), name="login"),
    path("language/", views.language, name="language"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
