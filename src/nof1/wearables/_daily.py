"""What every importer returns: daily values in one table, and where they came from.

The table has one row per local calendar day with the columns in `DAILY_COLUMNS` (blank =
not measured that day). `merge_daily` folds an import into a stored table so that importing
the same file twice changes nothing, and a different file that disagrees is refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from nof1.exceptions import DataError

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

METRICS = ("steps", "resting_hr", "hrv_sdnn_ms", "hrv_rmssd_ms", "sleep_hours")
DAILY_COLUMNS = ("date", *METRICS)
# Values closer than this are the same measurement (floating sums may differ in the last bit).
_SAME = 1e-9


@dataclass(frozen=True)
class Provenance:
    """Where an import's numbers came from. `imported_at` is given by the caller: the core
    never reads the clock, so the same file imported twice gives equal results."""

    format: str
    file_name: str
    sha256: str
    size_bytes: int
    imported_at: dt.datetime
    sources: tuple[str, ...]
    records_used: int
    skipped: Mapping[str, int] = field(default_factory=dict)  # records skipped, by reason
    hrv: str = "none"
    files: tuple[str, ...] = ()

    @property
    def records_skipped(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "size_bytes": self.size_bytes,
            "imported_at": self.imported_at.isoformat(),
            "sources": list(self.sources),
            "records_used": self.records_used,
            "records_skipped": self.records_skipped,
            "skipped": dict(self.skipped),
            "hrv": self.hrv,
            "files": list(self.files),
        }


@dataclass(frozen=True)
class WearableImport:
    """An import's daily table (see `DAILY_COLUMNS`) and its provenance."""

    daily: pd.DataFrame
    provenance: Provenance


def check_imported_at(imported_at: dt.datetime) -> dt.datetime:
    if not isinstance(imported_at, dt.datetime):
        raise TypeError("imported_at must be a datetime, given by the caller")
    if imported_at.tzinfo is None or imported_at.utcoffset() is None:
        raise ValueError("imported_at must carry a time zone, e.g. datetime.now(UTC)")
    return imported_at


def iso_day(text: str) -> str:
    """`text` if it is a calendar date written YYYY-MM-DD, else ValueError. Stricter than
    `date.fromisoformat`, which also takes "20260329" and "2026-W13-1"."""
    if not _ISO_DAY.fullmatch(text):
        raise ValueError(f"not a date written YYYY-MM-DD: {text!r}")
    dt.date.fromisoformat(text)  # refuses 2026-02-30
    return text


def daily_frame(values: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """{metric: {"YYYY-MM-DD": value}} -> the daily table, sorted by date."""
    days = sorted({day for per_day in values.values() for day in per_day})
    out = pd.DataFrame(
        {"date": pd.to_datetime(pd.Series(days, dtype="str"), format="%Y-%m-%d")
         .astype("datetime64[us]")}
    )
    for name in METRICS:
        per_day = values.get(name, {})
        out[name] = np.array([per_day.get(day, math.nan) for day in days], dtype="float64")
    return out


def merge_daily(
    existing: pd.DataFrame | None, imported: WearableImport | pd.DataFrame, *,
    replace: bool = False,
) -> pd.DataFrame:
    """`existing` with the imported days added; a new table, the inputs are not changed.

    A value already stored for a date and column stays when the import gives the same value
    (so re-importing a file changes nothing) or no value. When the import gives a different
    value the merge is refused with a DataError naming the date and column, unless
    `replace=True`, when the imported value wins. Other columns of `existing` are kept.
    """
    new = imported.daily if isinstance(imported, WearableImport) else imported
    if existing is None or len(existing) == 0:
        return new.copy().sort_values("date").reset_index(drop=True)
    if "date" not in existing.columns:
        raise DataError("the stored table has no 'date' column", column="date")
    old = existing.copy()
    old["date"] = pd.to_datetime(old["date"]).astype("datetime64[us]")
    if old["date"].duplicated().any():
        day = old.loc[old["date"].duplicated(), "date"].iloc[0]
        raise DataError(f"the stored table has {day:%Y-%m-%d} twice", column="date")
    fresh = new.set_index("date")
    merged = old.set_index("date")
    for name in fresh.columns:
        if name not in merged.columns:
            merged[name] = np.nan
    merged = merged.reindex(merged.index.union(fresh.index))
    for name in fresh.columns:
        incoming = fresh[name]
        given = incoming.notna()
        stored = merged.loc[incoming.index, name]
        both = given & stored.notna()
        differs = both & ~np.isclose(
            pd.to_numeric(stored, errors="coerce").to_numpy("float64", na_value=np.nan),
            incoming.to_numpy("float64", na_value=np.nan), rtol=0, atol=_SAME, equal_nan=True)
        if differs.any() and not replace:
            day = differs[differs].index[0]
            raise DataError(
                f"{day:%Y-%m-%d} already has {name} {stored[day]!r}, the import has "
                f"{incoming[day]!r}: this is a different file or device for the same day. "
                "Import with replace=True to overwrite",
                column=name,
            )
        merged.loc[incoming.index[given.to_numpy()], name] = incoming[given]
    return merged.reset_index().sort_values("date").reset_index(drop=True)
