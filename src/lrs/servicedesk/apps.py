from django.apps import AppConfig


class ServiceDeskConfig(AppConfig):
    name = "lrs.servicedesk"
    label = "servicedesk"
    verbose_name = "Service desk"
