from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "lrs.credentials"
    label = "credentials"
    verbose_name = "Verifiable credentials"
