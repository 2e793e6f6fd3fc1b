from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Access monitoring"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from monitoring import models

        # The rules' parameters are policy settings: admin changes keep before and after values.
        auditlog.register(models.Rule)
