from django.contrib.admin.apps import AdminConfig


class ConfideAdminConfig(AdminConfig):
    """Django admin, on the site that requires the full two-factor sign-in."""

    default_site = "accounts.admin_site.ConfideAdminSite"
