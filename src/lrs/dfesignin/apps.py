from django.apps import AppConfig


class DfeSignInConfig(AppConfig):
    name = "lrs.dfesignin"
    label = "dfesignin"
    verbose_name = "DfE Sign-in for organisation users"
