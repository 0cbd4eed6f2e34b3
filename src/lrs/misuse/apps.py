from django.apps import AppConfig


class MisuseConfig(AppConfig):
    name = "lrs.misuse"
    label = "misuse"
    verbose_name = "Misuse watch"

    def ready(self) -> None:
        from lrs.core.observability import database_metrics_register
        from lrs.misuse.metrics import misuse_metrics

        database_metrics_register(key="misuse", metrics=misuse_metrics)
