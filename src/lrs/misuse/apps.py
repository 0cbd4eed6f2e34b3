from django.apps import AppConfig


class MisuseConfig(AppConfig):
    name = "lrs.misuse"
    label = "misuse"
    verbose_name = "Misuse watch"
