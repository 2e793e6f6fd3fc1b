from django.urls import path

from disclosures import agreement_views, views

app_name = "disclosures"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("guardian/", views.guardian_queue, name="guardian_queue"),
    path("agreements/", agreement_views.agreement_list, name="agreements"),
    path("agreements/new/", agreement_views.agreement_new, name="agreement_new"),
    path("agreements/<int:agreement_id>/", agreement_views.agreement_detail, name="agreement"),
    path(
        "agreements/<int:agreement_id>/edit/",
        agreement_views.agreement_edit,
        name="agreement_edit",
    ),
    path("agreements/<int:agreement_id>/end/", agreement_views.agreement_end, name="agreement_end"),
    path("new/<uuid:client_id>/", views.case_new, name="new"),
    path("log/<uuid:client_id>/", views.client_log, name="client_log"),
    path("<uuid:case_id>/", views.case_detail, name="case"),
    path("<uuid:case_id>/verify/", views.case_verify, name="verify"),
    path("<uuid:case_id>/decide/", views.case_decide, name="decide"),
    path("<uuid:case_id>/review/", views.case_review, name="review"),
    path("<uuid:case_id>/release/", views.case_release, name="release"),
    path("<uuid:case_id>/withdraw/", views.case_withdraw, name="withdraw"),
    path("deadlines/", views.deadlines, name="deadlines"),
    path("<uuid:case_id>/clock/stop/", views.clock_stop, name="clock_stop"),
    path("<uuid:case_id>/clock/restart/", views.clock_restart, name="clock_restart"),
    path("<uuid:case_id>/clock/extend/", views.clock_extend, name="clock_extend"),
    path("<uuid:case_id>/subject-access/", views.subject_access, name="subject_access"),
    path("<uuid:case_id>/answer/", views.rights_answer, name="rights_answer"),
    path(
        "<uuid:case_id>/releases/<uuid:release_id>/bundle/",
        views.release_bundle,
        name="bundle",
    ),
    path(
        "<uuid:case_id>/releases/<uuid:release_id>/correct/",
        views.release_correct,
        name="correct",
    ),
]
