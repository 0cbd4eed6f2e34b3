from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "lrs.audit"
    label = "audit"
    verbose_name = "Audit log"
