from django.urls import path

from records import views

app_name = "records"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("team/", views.team, name="team"),
    path("search/", views.search, name="search"),
    path("new/", views.client_new, name="client_new"),
    path("break-the-glass/", views.break_glass, name="break_glass"),
    path("break-the-glass/reviews/", views.break_glass_reviews, name="break_glass_reviews"),
    path(
        "break-the-glass/<uuid:access_id>/review/",
        views.break_glass_review,
        name="break_glass_review",
    ),
    path("off-site/", views.off_site_queue, name="off_site_queue"),
    path("access-log/", views.access_log_lookup, name="access_log_lookup"),
    path("declarations/", views.declarations, name="declarations"),
    path("declarations/new/", views.declaration_new, name="declaration_new"),
    path(
        "declarations/<uuid:declaration_id>/",
        views.declaration_decide,
        name="declaration_decide",
    ),
    path("<uuid:client_id>/", views.client_detail, name="client"),
    path("<uuid:client_id>/details/", views.client_edit, name="client_edit"),
    path("<uuid:client_id>/status/", views.client_status, name="client_status"),
    path("<uuid:client_id>/allocation/", views.client_allocation, name="client_allocation"),
    path(
        "<uuid:client_id>/allocation/<int:allocation_id>/end/",
        views.client_deallocate,
        name="client_deallocate",
    ),
    path("<uuid:client_id>/accesses/", views.client_accesses, name="client_accesses"),
    path("<uuid:client_id>/off-site/", views.off_site, name="off_site"),
    path(
        "<uuid:client_id>/off-site/<uuid:request_id>/decide/",
        views.off_site_decide,
        name="off_site_decide",
    ),
    path(
        "<uuid:client_id>/off-site/<uuid:request_id>/returned/",
        views.off_site_return,
        name="off_site_return",
    ),
    path("<uuid:client_id>/consent/", views.consents, name="consents"),
    path("<uuid:client_id>/consent/new/", views.consent_new, name="consent_new"),
    path("<uuid:client_id>/consent/privacy/", views.client_privacy, name="client_privacy"),
    path(
        "<uuid:client_id>/consent/<uuid:consent_id>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
    path("<uuid:client_id>/entries/new/", views.entry_new, name="entry_new"),
    path("<uuid:client_id>/entries/<uuid:entry_id>/", views.entry_detail, name="entry"),
    path(
        "<uuid:client_id>/entries/<uuid:entry_id>/history/",
        views.entry_history,
        name="entry_history",
    ),
    path(
        "<uuid:client_id>/entries/<uuid:entry_id>/amend/",
        views.entry_amend,
        name="entry_amend",
    ),
    path(
        "<uuid:client_id>/entries/<uuid:entry_id>/documents/new/",
        views.attachment_new,
        name="attachment_new",
    ),
    path(
        "<uuid:client_id>/entries/<uuid:entry_id>/documents/<uuid:attachment_id>/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "<uuid:client_id>/entries/<uuid:entry_id>/challenges/new/",
        views.challenge_new,
        name="challenge_new",
    ),
    path(
        "<uuid:client_id>/entries/<uuid:entry_id>/challenges/<uuid:challenge_id>/",
        views.challenge_decide,
        name="challenge_decide",
    ),
]
