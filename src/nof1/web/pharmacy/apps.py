from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    name = "nof1.web.pharmacy"
    label = "pharmacy"
    default_auto_field = "django.db.models.BigAutoField"
