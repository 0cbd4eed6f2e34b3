from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "lrs.support"
    label = "support"
    verbose_name = "Support requests"
