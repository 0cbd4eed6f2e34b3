from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lrs.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from lrs.core import observability

        task_finished.connect(observability.task_finished, dispatch_uid="lrs-task-log")
        observability.register_database_collector()
