from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("statistics/", views.statistics_page, name="statistics"),
    path("statistics/csv/", views.statistics_csv, name="statistics_csv"),
    path("statistics/pdf/", views.statistics_pdf, name="statistics_pdf"),
]
