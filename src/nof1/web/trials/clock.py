"""Today's date as the services see it, in one place so tests can walk through a trial.

The diary's backfill window, "the last period has ended" and the blinding-guess day all
depend on today. Tests replace `today` with monkeypatch; nothing else should.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    """The current date in the site's time zone (settings.TIME_ZONE, UTC by default)."""
    return timezone.localdate()
