from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "retention"
    verbose_name = "Retention and disposal"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from retention import models

        # Changes to the schedule (admin) keep their before and after values.
        auditlog.register(models.RetentionClass)
