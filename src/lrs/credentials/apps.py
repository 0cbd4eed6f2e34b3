from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "lrs.credentials"
    label = "credentials"
    verbose_name = "Verifiable credentials"

    def ready(self) -> None:
        # Credentials builds on records; records never imports credentials. It announces
        # changed events (revoked here in the same transaction) and takes page sections.
        from lrs.credentials import receivers  # noqa: F401
        from lrs.credentials.views import plr_panel
        from lrs.records.panels import plr_panel_register

        plr_panel_register(
            key="credentials", template="credentials/_plr_panel.html", context=plr_panel
        )
