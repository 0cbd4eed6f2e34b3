from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "lrs.guidance"
    label = "guidance"
    verbose_name = "Guidance"
