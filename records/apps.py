from django.apps import AppConfig
from django.db.models import Model


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Client records"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from records import models

        # Before/after values of the plain columns. Sealed columns and keys are left out: their
        # ciphertext means nothing to a reader, and the audit trail names the fields changed.
        def sealed(model: type[Model]) -> list[str]:
            return [
                field.name
                for field in model._meta.get_fields()
                if field.name.endswith("_sealed") or field.name.startswith("data_key_")
            ]

        auditlog.register(
            models.Client,
            exclude_fields=[
                *sealed(models.Client),
                "nhs_number_index",
                "name_dob_index",
                "family_name_index",
                "postcode_index",
            ],
        )
        auditlog.register(models.Allocation)
        auditlog.register(models.BreakGlassAccess, exclude_fields=sealed(models.BreakGlassAccess))
        auditlog.register(
            models.ConflictDeclaration, exclude_fields=sealed(models.ConflictDeclaration)
        )
