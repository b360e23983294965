"""Garmin Connect account exports and Garmin FIT monitoring files (a .zip, a folder, or one
file) to daily steps, resting heart rate and hours asleep.

Files used, found by name anywhere in the export: `UDSFile_*.json` (daily summaries in
DI_CONNECT/DI-Connect-Aggregator: `calendarDate`, `totalSteps`, `restingHeartRate`) and
`*sleepData.json` (DI-Connect-Wellness: `calendarDate`, deep/light/REM seconds). Garmin
already dates each summary by the local calendar day, and dates a night by the morning it
ends (the wake-up day), so no time-zone arithmetic is needed. A day found in two files
(overlapping exports) takes the later file's value in name order and is counted as skipped.

`*.fit` files (the watch's monitoring files, e.g. copied from its GARMIN/Monitor folder) are
read by `garmin_fit` (rules there). A day and measure found in both a daily summary and FIT
files takes the summary's value, which is Garmin's own figure for the day (merged across
devices); the FIT value is counted as skipped (`fit_day_in_summary`). FIT files fill the
days and measures the summaries lack.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from nof1.exceptions import DataError
from nof1.wearables._daily import (
    Provenance,
    WearableImport,
    check_imported_at,
    daily_frame,
    iso_day,
)
from nof1.wearables._safety import DEFAULT_LIMITS, Limits, read_matching
from nof1.wearables.garmin_fit import FitMonitoring, is_fit

__all__ = ["import_garmin"]

_SUMMARY = re.compile(r"^UDSFile_.*\.json$")
_SLEEP = re.compile(r"^.*sleepData\.json$")


def _wanted(name: str) -> bool:
    return bool(_SUMMARY.match(name) or _SLEEP.match(name) or name.lower().endswith(".fit"))


def _date(value: Any) -> str:
    if isinstance(value, dict):  # some exports nest it: {"date": "2026-03-29"}
        value = value.get("date")
    return iso_day(str(value)[:10])


def _positive(value: Any) -> float | None:
    """Garmin writes null or 0 where a device measured nothing."""
    if value is None:
        return None
    number = float(value)
    if not 0 <= number < float("inf"):
        raise ValueError(f"not a measurement: {value!r}")
    return number or None


def import_garmin(
    path: str | os.PathLike[str],
    *,
    imported_at: dt.datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> WearableImport:
    """Daily steps, resting_hr and sleep_hours from a Garmin Connect account export and/or
    Garmin FIT monitoring files. Refused exports return nothing."""
    check_imported_at(imported_at)
    path = Path(path)
    if not path.exists():
        raise DataError("no such file or folder", source=str(path))
    files, digest, size = read_matching(path, _wanted, limits)
    if not files:
        raise DataError("no Garmin daily summaries or FIT files here (UDSFile_*.json, "
                        "*sleepData.json, *.fit): is this a Garmin Connect account export?",
                        source=str(path))
    values: dict[str, dict[str, float]] = defaultdict(dict)
    used, skipped = 0, defaultdict[str, int](int)
    fit = FitMonitoring()
    fit_files = json_files = 0
    for name, data in files:
        base = name.rsplit("/", 1)[-1]
        where = f"{path}:{name}" if name != path.name else str(path)
        if is_fit(data) or base.lower().endswith(".fit"):
            fit.read(data, where)
            fit_files += 1
            continue
        json_files += 1
        try:
            entries = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"cannot be read ({exc}); it may be truncated: export again",
                            source=where) from None
        if not isinstance(entries, list):
            raise DataError("expected a list of daily entries", source=where)
        is_sleep = bool(_SLEEP.match(base))
        for entry in entries:
            try:
                day = _date(entry["calendarDate"])
                if is_sleep:
                    seconds = sum(_positive(entry.get(key)) or 0.0 for key in (
                        "deepSleepSeconds", "lightSleepSeconds", "remSleepSeconds"))
                    found = {"sleep_hours": round(seconds / 3600, 6) if seconds else None}
                else:
                    heart = (entry.get("restingHeartRate")
                             or entry.get("currentDayRestingHeartRate"))
                    found = {"steps": _positive(entry.get("totalSteps")),
                             "resting_hr": _positive(heart)}
            except (KeyError, TypeError, ValueError, AttributeError):
                skipped["malformed"] += 1
                continue
            if all(value is None for value in found.values()):
                skipped["no_value"] += 1
                continue
            for metric, value in found.items():
                if value is None:
                    continue
                if day in values[metric]:
                    skipped["duplicate_day"] += 1
                values[metric][day] = value
            used += 1
    if fit_files:
        if not fit.files_used and not json_files:
            raise DataError(f"none of the {fit_files} FIT file(s) is a monitoring file (all-day "
                            "steps and heart rate); activity files are not read",
                            source=str(path))
        steps, resting, others = fit.daily()
        for metric, per_day in (("steps", steps), ("resting_hr", resting)):
            for day, value in per_day.items():
                if day in values[metric]:
                    skipped["fit_day_in_summary"] += 1
                else:
                    values[metric][day] = value
        used += fit.records_used
        for reason, count in sorted(fit.skipped.items()):
            skipped[reason] += count
        if others:
            skipped["fit_other_device"] += others
    sources = (("Garmin Connect",) if json_files else ()) + tuple(sorted(fit.devices))
    return WearableImport(
        daily=daily_frame(values),
        provenance=Provenance(
            format="garmin_connect" if json_files else "garmin_fit", file_name=path.name,
            sha256=digest, size_bytes=size, imported_at=imported_at, sources=sources,
            records_used=used,
            skipped=dict(skipped),
            files=tuple(name for name, _ in files),
        ),
    )
