from django.urls import path

from retention import views

app_name = "retention"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("sweep", views.sweep_now, name="sweep_now"),
    path("find", views.find_record, name="find"),
    path("records/<uuid:client_id>/", views.record, name="record"),
    path("records/<uuid:client_id>/class", views.assign_class, name="assign_class"),
    path("records/<uuid:client_id>/hold", views.hold_new, name="hold_new"),
    path("holds/<uuid:hold_id>/", views.hold, name="hold"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<uuid:review_id>/", views.review, name="review"),
    path("reviews/<uuid:review_id>/keep", views.review_keep, name="review_keep"),
    path("reviews/<uuid:review_id>/hold", views.review_hold, name="review_hold"),
    path("reviews/<uuid:review_id>/destroy", views.review_approve, name="review_approve"),
    path("reviews/<uuid:review_id>/confirm", views.review_confirm, name="review_confirm"),
    path("certificates/", views.certificate_list, name="certificates"),
    path("certificates/<int:certificate_id>/", views.certificate, name="certificate"),
    path("certificates/paper", views.paper_new, name="paper_new"),
]
