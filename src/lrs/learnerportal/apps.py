from django.apps import AppConfig


class LearnerPortalConfig(AppConfig):
    name = "lrs.learnerportal"
    label = "learnerportal"
    verbose_name = "Learners' own records"

    def ready(self) -> None:
        from lrs.learnerportal import signals  # noqa: F401
