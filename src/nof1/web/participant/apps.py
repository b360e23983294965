from django.apps import AppConfig


class ParticipantConfig(AppConfig):
    name = "nof1.web.participant"
    label = "participant"
    default_auto_field = "django.db.models.BigAutoField"
