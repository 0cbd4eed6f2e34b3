from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "lrs.records"
    label = "records"
    verbose_name = "Personal Learning Records"

    def ready(self) -> None:
        from lrs.core.observability import database_metrics_register
        from lrs.records.metrics import achievement_metrics

        database_metrics_register(key="records", metrics=achievement_metrics)
