from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class TrialsConfig(AppConfig):
    name = "nof1.web.trials"
    label = "trials"
    verbose_name = "Trials"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        checks.register(check_key_encryption_key)


def check_key_encryption_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A malformed NOF1_KEY_ENCRYPTION_KEY stops start-up; a missing one warns outside debug."""
    from django.core.exceptions import ImproperlyConfigured

    from nof1.web.trials import keys

    if keys.configured():
        try:
            keys.server_key()
        except ImproperlyConfigured as error:
            return [checks.Error(str(error), id="trials.E001")]
        return []
    if settings.DEBUG:
        return []
    return [
        checks.Warning(
            f"{keys.ENV} is not set: allocation keys are wrapped with a key derived from "
            "NOF1_SECRET_KEY, so rotating the secret key would make every sealed allocation "
            "impossible to open in the web app",
            hint=f"set {keys.ENV} (see nof1/web/trials/keys.py) before the first enrolment",
            id="trials.W001",
        )
    ]
