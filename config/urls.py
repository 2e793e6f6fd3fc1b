from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("account/", include("accounts.urls")),
    path("records/", include("records.urls")),
    path("disclosures/", include("disclosures.urls")),
    path("breaches/", include("breaches.urls")),
    path("retention/", include("retention.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]
