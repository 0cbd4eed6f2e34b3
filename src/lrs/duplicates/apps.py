from django.apps import AppConfig


class DuplicatesConfig(AppConfig):
    name = "lrs.duplicates"
    label = "duplicates"
    verbose_name = "Duplicate learners"
