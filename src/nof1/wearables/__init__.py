"""Wearable exports to daily values: Apple Health, Fitbit (Google Takeout), Garmin, CSV.

Every importer returns a `WearableImport`: a daily table (`DAILY_COLUMNS`) and its
`Provenance`. `merge_daily` folds an import into a stored table. See docs/wearables.md.
"""

import datetime as dt
import os
from typing import Literal

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
    "KINDS",
    "METRICS",
    "Limits",
    "Provenance",
    "WearableImport",
    "import_apple_health",
    "import_csv",
    "import_export",
    "import_fitbit",
    "import_garmin",
    "merge_daily",
]

KINDS = ("apple-health", "fitbit", "garmin", "csv")  # what `import_export` reads


def import_export(
    kind: str,
    path: str | os.PathLike[str],
    *,
    imported_at: dt.datetime,
    hrv: Literal["sdnn", "rmssd"] | None = None,
) -> WearableImport:
    """The importer for `kind` (one of `KINDS`) on `path`; `hrv` is for a CSV only."""
    if kind == "csv":
        return import_csv(path, imported_at=imported_at, hrv=hrv)
    readers = {"apple-health": import_apple_health, "fitbit": import_fitbit,
               "garmin": import_garmin}
    if kind not in readers:
        raise ValueError(f"no importer for {kind!r}; kinds: {', '.join(KINDS)}")
    return readers[kind](path, imported_at=imported_at)
