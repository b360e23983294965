from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "nof1.web.audit"
    label = "audit"
    verbose_name = "Audit trail"
