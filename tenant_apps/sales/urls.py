from django.urls import URLPattern

app_name = "sales"
urlpatterns: list[URLPattern] = []
