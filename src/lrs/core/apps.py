from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lrs.core"
    label = "core"
    verbose_name = "Core"
