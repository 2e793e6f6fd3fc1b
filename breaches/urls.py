from django.urls import path

from breaches import views

app_name = "breaches"

urlpatterns = [
    path("", views.register, name="register"),
    path("report/", views.report, name="report"),
    path("ig-report/", views.report_for_ig, name="ig_report"),
    path("ig-report/csv/", views.report_for_ig_csv, name="ig_report_csv"),
    path("ig-report/pdf/", views.report_for_ig_pdf, name="ig_report_pdf"),
    path("<uuid:breach_id>/", views.breach_detail, name="breach"),
    path("<uuid:breach_id>/assign/", views.assign, name="assign"),
    path("<uuid:breach_id>/contain/", views.contain, name="contain"),
    path("<uuid:breach_id>/assess/", views.assess, name="assess"),
    path("<uuid:breach_id>/ico/", views.notify_ico, name="notify_ico"),
    path("<uuid:breach_id>/people-told/", views.tell_people, name="tell_people"),
    path("<uuid:breach_id>/lessons/", views.lessons, name="lessons"),
    path("<uuid:breach_id>/close/", views.close, name="close"),
]
