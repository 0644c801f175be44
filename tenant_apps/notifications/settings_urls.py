from django.urls import URLPattern

app_name = "triggers"
urlpatterns: list[URLPattern] = []
