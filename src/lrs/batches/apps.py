from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "lrs.batches"
    label = "batches"
    verbose_name = "Batch files"
