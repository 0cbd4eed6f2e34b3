from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "lrs.users"
    label = "users"
    verbose_name = "Users and API tokens"

    def ready(self) -> None:
        from lrs.users import signals  # noqa: F401
