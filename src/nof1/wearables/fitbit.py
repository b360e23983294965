"""Fitbit data from Google Takeout (the Takeout .zip, its unpacked folder, or one file) to
daily steps, resting heart rate, HRV (RMSSD) and hours asleep.

Files used, found by name anywhere in the export ("Takeout/Fitbit/Global Export Data/..."):
`steps-YYYY-MM-DD.json` (per-minute counts), `resting_heart_rate-YYYY-MM-DD.json`,
`sleep-YYYY-MM-DD.json` and `Daily Heart Rate Variability Summary - *.csv` (RMSSD in ms).
Fitbit writes local times without an offset ("03/29/26 01:59:00"), so a value's day is the
local date as written: a DST change needs nothing, and the repeated hour when clocks go back
is counted as written (both copies, because both are real minutes). Sleep logs count on the
local date their endTime falls on (the wake-up day); naps ending that day add to it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from nof1.exceptions import DataError
from nof1.wearables._daily import Provenance, WearableImport, check_imported_at, daily_frame
from nof1.wearables._safety import DEFAULT_LIMITS, Limits, read_matching

__all__ = ["import_fitbit"]

_KINDS = {
    "steps": re.compile(r"^steps-\d{4}-\d{2}-\d{2}\.json$"),
    "resting_hr": re.compile(r"^resting_heart_rate-\d{4}-\d{2}-\d{2}\.json$"),
    "sleep": re.compile(r"^sleep-\d{4}-\d{2}-\d{2}\.json$"),
    "hrv": re.compile(r"^Daily Heart Rate Variability Summary - .*\.csv$"),
}
_US_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{2})\b")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def _kind(name: str) -> str | None:
    for kind, pattern in _KINDS.items():
        if pattern.match(name):
            return kind
    return None


def _day(text: Any) -> str:
    """The local date as written: '03/29/26 01:59:00' or '2026-03-29T01:59:00.000'."""
    text = str(text)
    if found := _US_DATE.match(text):
        month, day, year = found.groups()
        iso = f"20{year}-{month}-{day}"
    elif found := _ISO_DATE.match(text):
        iso = "-".join(found.groups())
    else:
        raise ValueError(f"not a Fitbit date: {text!r}")
    dt.date.fromisoformat(iso)  # refuses 02/30/26
    return iso


def import_fitbit(
    path: str | os.PathLike[str],
    *,
    imported_at: dt.datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> WearableImport:
    """Daily steps, resting_hr, hrv_rmssd_ms and sleep_hours from a Fitbit Google Takeout
    export (zip, folder, or one of its files). Refused exports return nothing."""
    check_imported_at(imported_at)
    path = Path(path)
    if not path.exists():
        raise DataError("no such file or folder", source=str(path))
    files, digest, size = read_matching(path, lambda name: _kind(name) is not None, limits)
    if not files:
        raise DataError("no Fitbit files here (steps-*.json, resting_heart_rate-*.json, "
                        "sleep-*.json): is this a Fitbit Google Takeout export?",
                        source=str(path))
    steps: dict[str, float] = defaultdict(float)
    rhr: dict[str, list[float]] = defaultdict(list)
    rmssd: dict[str, list[float]] = defaultdict(list)
    sleep: dict[str, float] = defaultdict(float)
    used, skipped = 0, defaultdict[str, int](int)
    seen: set[str] = set()
    for name, data in files:
        base = name.rsplit("/", 1)[-1]
        if base in seen:  # the same day's file in two copies of an export
            skipped["duplicate_file"] += 1
            continue
        seen.add(base)
        kind = _kind(base)
        where = f"{path}:{name}" if path.is_dir() or name != path.name else str(path)
        try:
            text = data.decode("utf-8-sig")
            entries: list[Any] = (list(csv.DictReader(io.StringIO(text))) if kind == "hrv"
                                  else json.loads(text))
        except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
            raise DataError(f"cannot be read ({exc}); it may be truncated: export again",
                            source=where) from None
        if not isinstance(entries, list):
            raise DataError("expected a list of entries", source=where)
        for entry in entries:
            try:
                if kind == "steps":
                    steps[_day(entry["dateTime"])] += _number(entry["value"])
                elif kind == "resting_hr":
                    value = entry["value"]
                    if not _number(value["value"]):  # Fitbit writes 0 for "no estimate"
                        skipped["no_value"] += 1
                        continue
                    rhr[_day(value.get("date") or entry["dateTime"])].append(
                        _number(value["value"]))
                elif kind == "sleep":
                    sleep[_day(entry["endTime"])] += _number(entry["minutesAsleep"]) / 60
                else:
                    rmssd[_day(entry["timestamp"])].append(_number(entry["rmssd"]))
            except (KeyError, TypeError, ValueError, AttributeError):
                skipped["malformed"] += 1
                continue
            used += 1
    values = {
        "steps": dict(steps),
        "resting_hr": {day: sum(v) / len(v) for day, v in rhr.items()},
        "hrv_rmssd_ms": {day: sum(v) / len(v) for day, v in rmssd.items()},
        "sleep_hours": {day: round(hours, 6) for day, hours in sleep.items()},
    }
    return WearableImport(
        daily=daily_frame(values),
        provenance=Provenance(
            format="fitbit_takeout", file_name=path.name, sha256=digest, size_bytes=size,
            imported_at=imported_at, sources=("Fitbit",), records_used=used,
            skipped=dict(skipped),
            hrv="rmssd" if rmssd else "none", files=tuple(name for name, _ in files),
        ),
    )


def _number(value: Any) -> float:
    number = float(value)
    if not 0 <= number < float("inf"):
        raise ValueError(f"not a count: {value!r}")
    return number
