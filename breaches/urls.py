from django.urls import URLPattern

app_name = "breaches"

urlpatterns: list[URLPattern] = []
