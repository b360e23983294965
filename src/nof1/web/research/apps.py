from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "nof1.web.research"
    label = "research"
    default_auto_field = "django.db.models.BigAutoField"
