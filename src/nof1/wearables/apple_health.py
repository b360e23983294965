"""Apple Health exports (export.zip from the Health app, or its apple_health_export/export.xml;
on a phone set to another language both carry a translated name, e.g. exportar.zip holding
exportar.xml) to daily steps, resting heart rate, HRV (SDNN) and hours asleep.

The XML is read as a stream (see `_safety.iter_elements`), so a multi-GB export needs little
memory, and only attribute values are looked at. Rules, also in docs/wearables.md:

* A record's day is the local date written in it (Apple writes "2026-03-29 01:30:00 +0100":
  the wall-clock time where the record was made), so DST changes and travel need no zone.
* Steps: a record is split over the local clock hours it spans, in proportion to time
  (measured in real elapsed seconds, so a record across a DST change splits correctly), and
  so across midnight too. The iPhone and the Watch both count the same walk, so each clock
  hour takes ONE source: an Apple Watch over an iPhone over anything else; within a rank,
  the source that counted more. Summing sources would double count.
* Resting heart rate and HRV (Apple's HRV is SDNN, in ms): the mean of the day's records from
  the best-ranked source that day.
* Sleep: asleep records (core, deep, REM, unspecified; not "in bed" or "awake") of one source
  are merged where they overlap, joined into one night when gaps are under 2 hours, and the
  night's hours go to the local date it ends (the wake-up day). Each wake-up day takes its
  best-ranked source.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import zipfile
from collections import defaultdict
from pathlib import Path, PurePosixPath

from nof1.exceptions import DataError
from nof1.wearables._daily import (
    Provenance,
    WearableImport,
    check_imported_at,
    daily_frame,
    iso_day,
)
from nof1.wearables._safety import (
    DEFAULT_LIMITS,
    GuardedReader,
    Limits,
    is_zip,
    iter_elements,
    open_member,
    open_zip,
    require_file,
    sha256_of,
)

__all__ = ["import_apple_health"]

STEPS = "HKQuantityTypeIdentifierStepCount"
RESTING_HR = "HKQuantityTypeIdentifierRestingHeartRate"
SDNN = "HKQuantityTypeIdentifierHeartRateVariabilitySDNN"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"
_UNITS = {STEPS: "count", RESTING_HR: "count/min", SDNN: "ms"}
_ASLEEP = frozenset(
    "HKCategoryValueSleepAnalysis" + name
    for name in ("Asleep", "AsleepUnspecified", "AsleepCore", "AsleepDeep", "AsleepREM")
)
_STAMP = "%Y-%m-%d %H:%M:%S %z"
_HOUR = dt.timedelta(hours=1)
_NIGHT_GAP_S = 2 * 3600
_MAX_SPAN = dt.timedelta(days=2)  # a longer step record is a device error, not a walk
WATCH, PHONE, OTHER = 0, 1, 2
# The start of every HealthKit export, whatever its file is called: an XML declaration, then
# the HealthData document type or root element.
_HEALTH_DATA = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<(?:!DOCTYPE\s+)?HealthData\b",
    re.DOTALL,
)
_SNIFF_BYTES = 64 * 1024  # the inline DTD before <HealthData> is about 10 KB
_MAX_SNIFFED = 20


def _rank(source: str, device: str) -> int:
    if "Watch" in device or "Watch" in source:
        return WATCH
    if "iPhone" in device or "iPhone" in source:
        return PHONE
    return OTHER


class _Days:
    """Running totals keyed by (day, hour, source) and (day, source): a few thousand days,
    however many records, so memory does not grow with the file."""

    def __init__(self) -> None:
        self.rank: dict[str, int] = {}
        self.steps: dict[tuple[str, int, str], float] = defaultdict(float)
        self.means: dict[str, dict[tuple[str, str], list[float]]] = {
            RESTING_HR: defaultdict(lambda: [0.0, 0.0]), SDNN: defaultdict(lambda: [0.0, 0.0])}
        self.sleep: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
        self.used = 0
        self.skipped: dict[str, int] = defaultdict(int)

    def add(self, rec: dict[str, str]) -> None:
        kind = rec.get("type")
        if kind not in _UNITS and kind != SLEEP:
            return
        try:
            source = rec["sourceName"]
            rank = _rank(source, rec.get("device", ""))
            if rank < self.rank.get(source, OTHER + 1):
                self.rank[source] = rank
            start, end = rec["startDate"], rec["endDate"]
            if kind == SLEEP:
                if rec.get("value") in _ASLEEP:
                    self._sleep(source, start, end)
            else:
                if rec.get("unit") != _UNITS[kind]:
                    self.skipped["unit"] += 1
                    return
                value = float(rec["value"])
                if not 0 <= value < float("inf"):
                    self.skipped["value"] += 1
                    return
                if kind == STEPS:
                    self._steps(source, start, end, value)
                else:
                    total = self.means[kind][(start[:10], source)]
                    total[0] += value
                    total[1] += 1
        except (KeyError, ValueError):
            self.skipped["malformed"] += 1
            return
        self.used += 1

    def _steps(self, source: str, start: str, end: str, value: float) -> None:
        if start[:13] == end[:13] and start[19:] == end[19:] and len(start) == 25:
            self.steps[(start[:10], int(start[11:13]), source)] += value
            return
        begin, finish = dt.datetime.strptime(start, _STAMP), dt.datetime.strptime(end, _STAMP)
        seconds = (finish - begin).total_seconds()
        if seconds <= 0 or finish - begin > _MAX_SPAN:
            if seconds < 0 or finish - begin > _MAX_SPAN:
                raise ValueError("implausible span")
            self.steps[(begin.date().isoformat(), begin.hour, source)] += value
            return
        at = begin  # walk the start's wall clock hour by hour
        while at < finish:
            upto = min(at.replace(minute=0, second=0, microsecond=0) + _HOUR, finish)
            share = value * (upto - at).total_seconds() / seconds
            self.steps[(at.date().isoformat(), at.hour, source)] += share
            at = upto

    def _sleep(self, source: str, start: str, end: str) -> None:
        begin, finish = dt.datetime.strptime(start, _STAMP), dt.datetime.strptime(end, _STAMP)
        if finish > begin:
            self.sleep[source].append((begin.timestamp(), finish.timestamp(), end[:10]))

    def daily(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        best: dict[tuple[str, int], tuple[int, float]] = {}
        for (day, hour, source), value in self.steps.items():
            key, hourly = (day, hour), (self.rank[source], -value)
            if key not in best or hourly < best[key]:
                best[key] = hourly
        steps: dict[str, float] = defaultdict(float)
        for (day, _hour), (_rank, negative) in best.items():
            steps[day] -= negative
        out["steps"] = {day: round(total, 6) for day, total in steps.items()}
        for kind, name in ((RESTING_HR, "resting_hr"), (SDNN, "hrv_sdnn_ms")):
            chosen: dict[str, tuple[int, float, float]] = {}
            for (day, source), (total, count) in self.means[kind].items():
                mine = (self.rank[source], -count, total / count)
                if day not in chosen or mine < chosen[day]:
                    chosen[day] = mine
            out[name] = {day: mean for day, (_r, _n, mean) in chosen.items()}
        nights: dict[str, tuple[int, float]] = {}
        for source, spans in self.sleep.items():
            for day, hours in _nights(spans).items():
                night = (self.rank[source], -hours)
                if day not in nights or night < nights[day]:
                    nights[day] = night
        out["sleep_hours"] = {day: -negative for day, (_r, negative) in nights.items()}
        for metric in out.values():  # a day Apple wrote that is not a date is refused here
            for day in [d for d in metric if not _is_date(d)]:
                del metric[day]
                self.skipped["date"] += 1
        return out


def _is_date(text: str) -> bool:
    try:
        iso_day(text)
    except ValueError:
        return False
    return True


def _nights(spans: list[tuple[float, float, str]]) -> dict[str, float]:
    """Hours asleep per wake-up day: overlaps merged, pieces under 2 h apart one night."""
    hours: dict[str, float] = defaultdict(float)
    spans = sorted(spans)
    night_asleep, cover_end, wake_day = 0.0, -float("inf"), ""
    for begin, finish, end_day in spans:
        if begin - cover_end >= _NIGHT_GAP_S and wake_day:
            hours[wake_day] += night_asleep / 3600
            night_asleep = 0.0
        night_asleep += max(0.0, finish - max(begin, cover_end))
        if finish > cover_end:
            cover_end, wake_day = finish, end_day
    if wake_day:
        hours[wake_day] += night_asleep / 3600
    return {day: round(total, 6) for day, total in hours.items()}


def _find_export(archive: zipfile.ZipFile, limits: Limits) -> zipfile.ZipInfo:
    """The HealthKit XML in the zip: export.xml, or its translated name on a phone set to
    another language (eksport.xml, exportar.xml, vienti.xml, 导出.xml, ...), recognised by its
    first bytes. export_cda.xml (clinical documents, never translated) is not it."""
    xml = [info for info in archive.infolist()
           if not info.is_dir() and info.filename.lower().endswith(".xml")
           and PurePosixPath(info.filename).name != "export_cda.xml"]
    english = [info for info in xml if PurePosixPath(info.filename).name == "export.xml"]
    if english:
        return min(english, key=lambda info: (info.filename != "apple_health_export/export.xml",
                                              info.filename))
    shallow = sorted((info for info in xml if info.filename.count("/") <= 1),
                     key=lambda info: info.filename)
    for info in shallow[:_MAX_SNIFFED]:
        head = open_member(archive, info, limits).read(_SNIFF_BYTES)
        if _HEALTH_DATA.match(head):
            return info
    raise DataError(
        "no apple_health_export/export.xml in this zip (nor the same file under a translated "
        "name): is it an Apple Health export?",
        source=str(archive.filename),
    )


def import_apple_health(
    path: str | os.PathLike[str],
    *,
    imported_at: dt.datetime,
    limits: Limits = DEFAULT_LIMITS,
) -> WearableImport:
    """Daily steps, resting_hr, hrv_sdnn_ms and sleep_hours from an Apple Health export: the
    export.zip the Health app writes, or the export.xml inside it. Anything unsafe, damaged
    or truncated is refused with a DataError and nothing is returned."""
    path = require_file(path)
    check_imported_at(imported_at)
    source = str(path)
    days = _Days()
    if is_zip(path):
        with open_zip(path, limits) as archive:
            info = _find_export(archive, limits)
            reader = open_member(archive, info, limits)
            for rec in iter_elements(reader, "Record", f"{source}:{info.filename}"):
                days.add(rec)
        digest = sha256_of(path)
    else:
        hasher = hashlib.sha256()
        with path.open("rb") as handle:
            reader = GuardedReader(handle, source, limits, on_block=hasher.update)
            for rec in iter_elements(reader, "Record", source):
                days.add(rec)
        digest = hasher.hexdigest()
    values = days.daily()
    return WearableImport(
        daily=daily_frame(values),
        provenance=Provenance(
            format="apple_health",
            file_name=path.name,
            sha256=digest,
            size_bytes=Path(path).stat().st_size,
            imported_at=imported_at,
            sources=tuple(sorted(days.rank)),
            records_used=days.used,
            skipped=dict(days.skipped),
            hrv="sdnn",
        ),
    )
