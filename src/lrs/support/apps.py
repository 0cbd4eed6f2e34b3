from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "lrs.support"
    label = "support"
    verbose_name = "Support requests"

    def ready(self) -> None:
        from lrs.support import receivers  # noqa: F401
