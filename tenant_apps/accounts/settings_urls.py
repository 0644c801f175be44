"""/settings/users/: the tenant's staff users and their roles."""

from django.urls import path

from . import user_views

app_name = "users"
urlpatterns = [
    path("", user_views.user_list, name="list"),
    path("invite/", user_views.user_invite, name="invite"),
    path("<uuid:pk>/", user_views.user_edit, name="edit"),
    path("<uuid:pk>/active/", user_views.user_active, name="active"),
    path("<uuid:pk>/invitation/", user_views.user_reinvite, name="reinvite"),
]
