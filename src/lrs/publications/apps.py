from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "lrs.publications"
    label = "publications"
    verbose_name = "Published lists"
