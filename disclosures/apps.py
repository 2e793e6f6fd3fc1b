from django.apps import AppConfig


class DisclosuresConfig(AppConfig):
    name = "disclosures"
    verbose_name = "Disclosure requests"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from disclosures import models

        # The register is organisational and kept in clear: every change keeps before and after.
        auditlog.register(models.DataSharingAgreement)
