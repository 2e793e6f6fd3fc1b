from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.findings, name="findings"),
    path("findings/<uuid:finding_id>/", views.finding, name="finding"),
]
