from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "lrs.batches"
    label = "batches"
    verbose_name = "Batch files"

    def ready(self) -> None:
        from lrs.batches.metrics import batch_metrics
        from lrs.core.observability import database_metrics_register

        database_metrics_register(key="batches", metrics=batch_metrics)
