from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "lrs.demo"
    label = "demo"
    verbose_name = "Demo data"
