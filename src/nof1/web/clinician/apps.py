from django.apps import AppConfig


class ClinicianConfig(AppConfig):
    name = "nof1.web.clinician"
    label = "clinician"
    default_auto_field = "django.db.models.BigAutoField"
