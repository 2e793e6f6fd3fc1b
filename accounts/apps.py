from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts, sign-in and audit"

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth.models import Group

        from accounts import models

        # Before/after values of changes made to staff accounts, teams and policies
        # (DESIGN §2: changes to models keep before/after values).
        # The home postcode's keyed hash is left out: the log says the field changed, not to what.
        auditlog.register(
            models.User,
            exclude_fields=["password", "last_login"],
            mask_fields=["home_postcode_index"],
            m2m_fields={"groups", "teams"},
        )
        auditlog.register(models.Team)
        auditlog.register(models.ConfidentialityPolicy)
        auditlog.register(Group, m2m_fields={"permissions"})
