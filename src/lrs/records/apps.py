from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "lrs.records"
    label = "records"
    verbose_name = "Personal Learning Records"
