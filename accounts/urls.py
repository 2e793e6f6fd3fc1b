from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("two-factor/", views.mfa_verify, name="mfa_verify"),
    path("two-factor/set-up/", views.mfa_setup, name="mfa_setup"),
    path("locked/", views.locked, name="locked"),
    path("keep-alive/", views.keep_alive, name="keep_alive"),
    path("confidentiality-policy/", views.policy, name="policy"),
    path("password/", views.password_change, name="password_change"),
    path("security/", views.security, name="security"),
    path("security/backup-codes/", views.backup_codes_regenerate, name="backup_codes"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path(
        "notifications/<uuid:notification_id>/",
        views.notification_open,
        name="notification_open",
    ),
]
