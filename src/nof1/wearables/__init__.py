"""Wearable exports to daily values: Apple Health, Fitbit (Google Takeout), Garmin, CSV.

Every importer returns a `WearableImport`: a daily table (`DAILY_COLUMNS`) and its
`Provenance`. `merge_daily` folds an import into a stored table. See docs/wearables.md.
"""

from nof1.wearables._daily import (
    DAILY_COLUMNS,
    METRICS,
    Provenance,
    WearableImport,
    merge_daily,
)
from nof1.wearables._safety import DEFAULT_LIMITS, Limits
from nof1.wearables.apple_health import import_apple_health
from nof1.wearables.fitbit import import_fitbit
from nof1.wearables.garmin import import_garmin
from nof1.wearables.generic import import_csv

__all__ = [
    "DAILY_COLUMNS",
    "DEFAULT_LIMITS",
    "METRICS",
    "Limits",
    "Provenance",
    "WearableImport",
    "import_apple_health",
    "import_csv",
    "import_fitbit",
    "import_garmin",
    "merge_daily",
]
