from django.apps import AppConfig


class WearablesConfig(AppConfig):
    name = "nof1.web.wearables"
    label = "wearables"
    verbose_name = "Wearable imports"
