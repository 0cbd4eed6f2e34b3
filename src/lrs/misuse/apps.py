from django.apps import AppConfig


class MisuseConfig(AppConfig):
    name = "lrs.misuse"
    label = "misuse"
    verbose_name = "Misuse watch"

    def ready(self) -> None:
        from lrs.core.observability import database_metrics_register

        # Misuse sits above users: it holds an account its watch suspended by refusing
        # users' reactivation (receivers), so users never imports misuse.
        from lrs.misuse import receivers  # noqa: F401
        from lrs.misuse.metrics import misuse_metrics

        database_metrics_register(key="misuse", metrics=misuse_metrics)
