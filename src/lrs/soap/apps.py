from django.apps import AppConfig


class SoapConfig(AppConfig):
    name = "lrs.soap"
    label = "soap"
    verbose_name = "SOAP facade"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from lrs.soap.views import reset_statement_timeout

        # Connected after Django's close_old_connections, so a connection that is being
        # closed anyway is not reset first.
        request_finished.connect(reset_statement_timeout, dispatch_uid="lrs-soap-timeout")
