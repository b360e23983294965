"""Wearable imports: read an upload, let the person check it, then store or drop its days.

    pending = preview(user, enrolment, request.FILES["file"], "auto")   # nothing stored yet
    done = confirm(user, pending, replace=False)                         # days stored, or
    discard(user, pending)                                               # nothing kept

The file is read by the core (`nof1.wearables`), which refuses anything unsafe, damaged or
ambiguous; that refusal comes back as `ImportRefused` with a message for the person, and
nothing is stored. Only the trial's own days (its first run-in day to its last day) are kept:
the rest of a decade-long export is counted and left out, never stored.

Confirming follows the core's merge rules (`merge_daily`): the same file again changes nothing
(and says so); a value that differs from one already stored for that day is refused with
`ConflictError` unless the person asks to replace it. Who may do this: the participant, their
registered carer, or the trial's clinician. Every write is in the audit trail: the import
row (its provenance, not the pending day values) and every stored day with old and new values.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from nof1.exceptions import DataError
from nof1.wearables import METRICS, import_export, merge_daily
from nof1.wearables import WearableImport as CoreImport
from nof1.web.audit.models import Action
from nof1.web.audit.services import model_snapshot, record
from nof1.web.trials import history
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import Enrolment, EnrolmentStatus
from nof1.web.trials.permissions import deny, is_participant, is_proxy, is_trial_clinician
from nof1.web.wearables.models import ImportStatus, WearableDay, WearableFormat, WearableImport

__all__ = [
    "AUTO",
    "ConflictError",
    "ImportRefused",
    "confirm",
    "detect_format",
    "discard",
    "discard_stale",
    "earlier_import",
    "max_upload_bytes",
    "preview",
    "trial_days",
]

AUTO = "auto"
# An upload nobody added or discarded within this many days is discarded by the nightly
# checks, so a forgotten preview does not keep health data outside the trial's record.
# nof1's choice: a week leaves room for a bad spell before the person gets back to it.
STALE_AFTER_DAYS = 7
# Randomised, running or finished: the trial's days are fixed. Not before (no days yet),
# not after withdrawal or an ineligible screening.
OPEN = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ACTIVE, EnrolmentStatus.COMPLETED)
LABELS = {
    "steps": "steps",
    "resting_hr": "resting heart rate",
    "hrv_sdnn_ms": "heart-rate variability (SDNN)",
    "hrv_rmssd_ms": "heart-rate variability (RMSSD)",
    "sleep_hours": "hours asleep",
}
_SAME = 1e-9  # the core's tolerance: closer values are the same measurement
_FITBIT_NAME = re.compile(
    r"^(steps|resting_heart_rate|sleep)-\d{4}-\d{2}-\d{2}\.json$"
    r"|^daily heart rate variability summary"
)
_GARMIN_NAME = re.compile(r"^udsfile_.*\.json$|sleepdata\.json$")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9 ._()+-]")


class ImportRefused(EntryError):
    """The file or the request cannot be used; nothing was stored. The message says why."""


@dataclass(frozen=True)
class Conflict:
    date: dt.date
    column: str
    stored: float
    imported: float

    @property
    def label(self) -> str:
        return LABELS[self.column]


class ConflictError(ImportRefused):
    """The import disagrees with values already stored for some days (`conflicts`)."""

    def __init__(self, message: str, conflicts: Sequence[Conflict]) -> None:
        super().__init__(message)
        self.conflicts = tuple(conflicts)


# -- who, when, how large ----------------------------------------------------------------------


def may_import(user: Any, enrolment: Enrolment) -> bool:
    return (
        is_participant(user, enrolment)
        or is_proxy(user, enrolment)
        or is_trial_clinician(user, enrolment.trial)
    )


def _require_importer(user: Any, enrolment: Enrolment) -> None:
    if not may_import(user, enrolment):
        deny(
            user,
            "only the participant, their carer or the trial's clinician may add wearable data",
            enrolment,
        )


def _require_open(enrolment: Enrolment) -> None:
    if enrolment.status not in OPEN:
        raise WorkflowError(
            "Wearable data can be added once the trial has started, and not after leaving it "
            f"(now: {enrolment.get_status_display()})."
        )


def trial_days(enrolment: Enrolment) -> tuple[dt.date, dt.date]:
    """The first and last day of the trial (run-in included): the days wearable data may fill."""
    first = enrolment.start_date
    return first, first + dt.timedelta(days=enrolment.trial.protocol.total_days - 1)


def max_upload_bytes() -> int:
    """NOF1_WEARABLE_MAX_MB (settings.WEARABLE_MAX_MB), read now so it can change in tests."""
    return int(settings.WEARABLE_MAX_MB) * 1024 * 1024


def too_large_message(limit: int | None = None) -> str:
    limit = max_upload_bytes() if limit is None else limit
    return (
        f"This file is larger than {limit // (1024 * 1024):,} MB, the most this site accepts. "
        "Nothing was stored. Export a shorter time span if your app allows it."
    )


# -- which importer -----------------------------------------------------------------------------


def detect_format(file_name: str, path: Path | None = None) -> str | None:
    """The export's format from its name (and, for a zip, its members' names), or None."""
    name = file_name.lower()
    if _FITBIT_NAME.search(name) or "fitbit" in name:
        return WearableFormat.FITBIT
    if _GARMIN_NAME.search(name) or "garmin" in name or name.endswith(".fit"):
        return WearableFormat.GARMIN
    if name.endswith(".csv"):
        return WearableFormat.CSV
    if name.endswith(".xml") or name == "export.zip" or "apple" in name:
        return WearableFormat.APPLE_HEALTH
    if path is not None and name.endswith(".zip"):
        return _detect_in_zip(path)
    return None


def _detect_in_zip(path: Path) -> str | None:
    """Members' names only, from the zip's directory: nothing is unpacked here."""
    try:
        with zipfile.ZipFile(path) as archive:
            paths = archive.namelist()[:100_000]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    names = [PurePosixPath(n).name.lower() for n in paths]
    # a phone set to another language translates export.xml (exportar.xml, ...), not the folder
    if "export.xml" in names or any(p.startswith("apple_health_export/") for p in paths):
        return WearableFormat.APPLE_HEALTH
    if any(_FITBIT_NAME.search(n) for n in names):
        return WearableFormat.FITBIT
    if any(_GARMIN_NAME.search(n) or n.endswith(".fit") for n in names):
        return WearableFormat.GARMIN
    return None


# the core's importer for each format the upload form offers
_KIND = {WearableFormat.APPLE_HEALTH: "apple-health", WearableFormat.FITBIT: "fitbit",
         WearableFormat.GARMIN: "garmin", WearableFormat.CSV: "csv"}


def _read(chosen: str, path: Path, imported_at: dt.datetime, hrv: str | None) -> CoreImport:
    kind = _KIND.get(chosen, "csv")
    return import_export(kind, path, imported_at=imported_at, hrv=hrv or None)


def safe_file_name(name: str | None) -> str:
    """The person's file name, kept (Fitbit and Garmin files are chosen by name) but made
    harmless as a file name: no folders, no odd characters, not hidden, not too long."""
    base = PurePosixPath(str(name or "").replace("\\", "/")).name
    base = _UNSAFE_CHARS.sub("_", base).strip(" .")[-120:].lstrip(" .")
    return base or "upload"


@contextmanager
def _on_disk(uploaded: UploadedFile) -> Iterator[Path]:
    """The upload as a file with the person's file name, in a private temporary folder that
    is removed afterwards. An upload Django already spooled to disk (larger than
    FILE_UPLOAD_MAX_MEMORY_SIZE) is hard-linked, not copied."""
    spooled = getattr(uploaded, "temporary_file_path", None)
    where = os.path.dirname(spooled()) if spooled is not None else None
    folder = Path(tempfile.mkdtemp(prefix="nof1-wearable-", dir=where))
    try:
        target = folder / safe_file_name(uploaded.name)
        linked = False
        if spooled is not None:
            try:
                os.link(spooled(), target)
                linked = True
            except OSError:
                linked = False
        if not linked:
            with target.open("wb") as out:
                for chunk in uploaded.chunks():
                    out.write(chunk)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _for_person(error: DataError, folder: Path) -> str:
    """The core's message, naming the person's file rather than the temporary folder."""
    text = str(error).replace(str(folder) + os.sep, "").replace(str(folder), "")
    return f"This file could not be used, and nothing was stored. {text}"


# -- preview ------------------------------------------------------------------------------------


def preview(
    user: Any,
    enrolment: Enrolment,
    uploaded_file: UploadedFile,
    format: str = AUTO,
    *,
    hrv: str | None = None,
) -> WearableImport:
    """Read the upload and keep what it found as a pending import; store no day yet."""
    _require_importer(user, enrolment)
    _require_open(enrolment)
    limit = max_upload_bytes()
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise ImportRefused(too_large_message(limit))
    if format not in (AUTO, *WearableFormat.values):
        raise ImportRefused("Choose which kind of file this is.")
    if hrv not in (None, "", "sdnn", "rmssd"):
        raise ImportRefused("Heart-rate variability is either SDNN or RMSSD.")
    imported_at = timezone.now()
    with _on_disk(uploaded_file) as path:
        chosen = detect_format(path.name, path) if format == AUTO else format
        if chosen is None:
            raise ImportRefused(
                "Which kind of file is this? Choose Apple Health, Fitbit, Garmin or CSV "
                "from the list, then send it again. Nothing was stored."
            )
        try:
            result = _read(chosen, path, imported_at, hrv)
        except DataError as error:
            raise ImportRefused(_for_person(error, path.parent)) from None
    daily = result.daily
    if daily.empty or not daily[list(METRICS)].notna().to_numpy().any():
        raise ImportRefused(
            f"No steps, heart rate, heart-rate variability or sleep were found in "
            f"{result.provenance.file_name}. Nothing was stored. Is it the right export?"
        )
    first, last = trial_days(enrolment)
    dates = daily["date"].dt.date
    inside = (dates >= first) & (dates <= last)
    provenance = result.provenance
    with transaction.atomic():
        pending = WearableImport.objects.create(
            enrolment=enrolment,
            format=provenance.format,
            file_name=provenance.file_name[:255],
            sha256=provenance.sha256,
            size=provenance.size_bytes,
            sources=list(provenance.sources),
            records_used=provenance.records_used,
            records_skipped=provenance.records_skipped,
            skipped=dict(provenance.skipped),
            hrv=provenance.hrv[:16],
            daily=_rows(daily.loc[inside]),
            first_day=dates.min(),
            last_day=dates.max(),
            days_in_file=len(daily),
            days_outside=int((~inside).sum()),
            imported_at=provenance.imported_at,
            created_by=user,
        )
        record(
            actor=user,
            action=Action.CREATE,
            target=pending,
            new=_snapshot(pending),
            reason="uploaded, waiting to be checked",
        )
    return pending


def earlier_import(pending: WearableImport) -> WearableImport | None:
    """The same file (by SHA-256), added to this enrolment before, if it was."""
    return (
        WearableImport.objects.filter(
            enrolment_id=pending.enrolment_id, sha256=pending.sha256,
            status=ImportStatus.CONFIRMED,
        )
        .exclude(pk=pending.pk)
        .order_by("-decided_at")
        .first()
    )


# -- confirm and discard ------------------------------------------------------------------------


def confirm(user: Any, pending: WearableImport, *, replace: bool = False) -> WearableImport:
    """Store the pending import's days. Afterwards `values_added` and `values_replaced` say
    what changed: both 0 means everything was already stored (the same file again)."""
    enrolment = pending.enrolment
    _require_importer(user, enrolment)
    _require_open(enrolment)
    with transaction.atomic():
        row = _still_pending(pending)
        incoming = row.daily
        days = [dt.date.fromisoformat(item["date"]) for item in incoming]
        stored = {
            day.date: day
            for day in WearableDay.objects.select_for_update().filter(
                enrolment=enrolment, date__in=days
            )
        }
        try:
            merged = merge_daily(_frame([_row_of(d) for d in stored.values()]),
                                 _frame(incoming), replace=replace)
        except DataError as error:  # the core's rule refused: name the values for the person
            conflicts = _conflicts(stored, incoming)
            raise ConflictError(_conflict_message(conflicts, error), conflicts) from None
        added = replaced = 0
        for values in merged.to_dict("records"):  # the stored days are the file's days only
            day = pd.Timestamp(values["date"]).date()
            new = {name: _number(values.get(name)) for name in METRICS}
            current = stored.get(day)
            if current is None:
                if all(v is None for v in new.values()):
                    continue
                made = WearableDay.objects.create(
                    enrolment=enrolment, date=day, source_import=row, created_by=user, **new
                )
                history.created(user, made, reason=f"wearable import {row.file_name}")
                added += sum(v is not None for v in new.values())
                continue
            changes = {
                name: value for name, value in new.items()
                if value is not None and not _same(getattr(current, name), value)
            }
            if not changes:
                continue
            old = history.snapshot(current)
            for name, value in changes.items():
                if getattr(current, name) is None:
                    added += 1
                else:
                    replaced += 1
                setattr(current, name, value)
            current.source_import = row
            current.save()
            history.changed(user, current, old, reason=f"wearable import {row.file_name}")
        _decide(user, row, ImportStatus.CONFIRMED,
                "confirmed" if added or replaced else "confirmed: already stored, nothing changed",
                values_added=added, values_replaced=replaced)
    return row


def discard(user: Any, pending: WearableImport) -> WearableImport:
    """Drop a pending import: its days are forgotten, its provenance kept."""
    _require_importer(user, pending.enrolment)
    with transaction.atomic():
        row = _still_pending(pending)
        _decide(user, row, ImportStatus.DISCARDED, "discarded")
    return row


def discard_stale(now: dt.datetime, *, days: int = STALE_AFTER_DAYS) -> int:
    """Discard every upload still pending `days` after it was read; return how many.

    Run by the nightly checks, as no one: the audit trail shows an update with no actor and
    the reason "not added within N days". The provenance stays, the days are dropped.
    """
    cutoff = now - dt.timedelta(days=days)
    stale = WearableImport.objects.filter(status=ImportStatus.PENDING, imported_at__lt=cutoff)
    count = 0
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            row = WearableImport.objects.select_for_update().get(pk=pk)
            if row.status != ImportStatus.PENDING:
                continue  # decided since the query ran
            _decide(None, row, ImportStatus.DISCARDED, f"not added within {days} days")
            count += 1
    return count


def _still_pending(pending: WearableImport) -> WearableImport:
    row = WearableImport.objects.select_for_update().get(pk=pending.pk)
    if row.status != ImportStatus.PENDING:
        raise WorkflowError(
            f"This upload was already {row.get_status_display().lower()}; nothing changed."
        )
    return row


def _decide(user: Any, row: WearableImport, status: str, reason: str, **counts: int) -> None:
    old = _snapshot(row)
    row.status = status
    row.decided_by, row.decided_at = user, timezone.now()
    row.daily = []  # the days are stored (confirmed) or not wanted (discarded)
    for name, value in counts.items():
        setattr(row, name, value)
    row.save()
    record(actor=user, action=Action.UPDATE, target=row, old=old, new=_snapshot(row),
           reason=reason)


# -- helpers ------------------------------------------------------------------------------------


def _snapshot(row: WearableImport) -> dict[str, Any]:
    # The pending day values are not copied into the append-only audit trail: a discarded
    # import's days must not live on there. Stored days are audited one by one.
    return model_snapshot(row, exclude=("daily",))


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _same(stored: float | None, new: float | None) -> bool:
    if stored is None or new is None:
        return stored is new
    return abs(stored - new) <= _SAME


def _rows(daily: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"date": pd.Timestamp(values["date"]).date().isoformat(),
         **{name: _number(values.get(name)) for name in METRICS}}
        for values in daily.to_dict("records")
    ]


def _row_of(day: WearableDay) -> dict[str, Any]:
    return {"date": day.date.isoformat(), **{name: getattr(day, name) for name in METRICS}}


def _frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows as the core's daily table (DAILY_COLUMNS; NaN = not measured)."""
    table = pd.DataFrame(
        {
            "date": pd.to_datetime(pd.Series([r["date"] for r in rows], dtype="str"),
                                   format="%Y-%m-%d").astype("datetime64[us]"),
            **{
                name: pd.Series([r.get(name) for r in rows], dtype="float64")
                for name in METRICS
            },
        }
    )
    return table


def _conflicts(stored: dict[dt.date, WearableDay], incoming: Sequence[dict[str, Any]]
               ) -> list[Conflict]:
    found = []
    for item in incoming:
        day = dt.date.fromisoformat(item["date"])
        current = stored.get(day)
        if current is None:
            continue
        for name in METRICS:
            old, new = getattr(current, name), item.get(name)
            if old is not None and new is not None and not _same(old, new):
                found.append(Conflict(day, name, old, new))
    return found


def _conflict_message(conflicts: Sequence[Conflict], error: DataError) -> str:
    if not conflicts:  # the core saw a difference this summary did not: say what it said
        return f"Nothing was stored: {error.message}"
    first = conflicts[0]
    more = len(conflicts) - 1
    return (
        f"Nothing was stored. {len(conflicts)} value{'s' if more else ''} in this file "
        f"differ{'' if more else 's'} from what is already stored, for example "
        f"{first.label} on {first.date.day} {first.date:%B %Y}: stored {first.stored:g}, this file "
        f"{first.imported:g}. This happens when another device or app recorded the same "
        "days. To use this file's values instead, tick \u201cReplace the stored values\u201d "
        "and add it again."
    )
