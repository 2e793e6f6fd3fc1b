from django.apps import AppConfig


class BreachesConfig(AppConfig):
    name = "breaches"
    verbose_name = "Breach register"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from breaches import models

        # Before/after values of the plain columns (status, decisions, dates, who); the sealed
        # text and the key are left out: the audit trail names each step instead.
        sealed = [
            field.name
            for field in models.Breach._meta.get_fields()
            if field.name.endswith("_sealed") or field.name.startswith("data_key_")
        ]
        auditlog.register(models.Breach, exclude_fields=sealed, m2m_fields={"clients"})
