from django.apps import AppConfig


class SoapConfig(AppConfig):
    name = "lrs.soap"
    label = "soap"
    verbose_name = "SOAP facade"
