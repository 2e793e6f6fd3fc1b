from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.findings, name="findings"),
    path("findings/<uuid:finding_id>/", views.finding, name="finding"),
    path("reports/", views.report, name="report"),
    path("reports/csv", views.report_csv, name="report_csv"),
    path("reports/pdf", views.report_pdf, name="report_pdf"),
    path("reports/monthly/", views.monthly_list, name="monthly_list"),
    path("reports/monthly/<int:report_id>/", views.monthly, name="monthly"),
    path("reports/monthly/<int:report_id>/pdf", views.monthly_pdf, name="monthly_pdf"),
]
