"""Any device, via a CSV the participant or a script writes: one row per local day.

Columns: `date` (ISO, the local day) and any of `steps`, `resting_hr`, `hrv_sdnn_ms`,
`hrv_rmssd_ms`, `sleep_hours`; a column named `hrv` needs `hrv="sdnn"` or `hrv="rmssd"`,
because the two measures differ several-fold and must never be mixed. Blank = not measured.
Other columns are ignored. A bad cell is refused naming the file, row and column.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import os
from typing import Literal

from nof1.exceptions import DataError
from nof1.wearables._daily import (
    METRICS,
    Provenance,
    WearableImport,
    check_imported_at,
    daily_frame,
    iso_day,
)
from nof1.wearables._safety import require_file

__all__ = ["import_csv"]

_MAX_BYTES = 64 * 1024**2  # decades of days fit in a few MB
# Plausible ranges: outside them a value is a typo or a wrong unit (sleep in minutes).
_RANGE = {"steps": (0, 200_000), "resting_hr": (20, 250), "hrv_sdnn_ms": (0, 1000),
          "hrv_rmssd_ms": (0, 1000), "sleep_hours": (0, 24)}


def import_csv(
    path: str | os.PathLike[str],
    *,
    imported_at: dt.datetime,
    hrv: Literal["sdnn", "rmssd"] | None = None,
    source_name: str = "csv",
) -> WearableImport:
    """Daily values from a CSV with a `date` column (see the module docstring)."""
    path = require_file(path)
    check_imported_at(imported_at)
    source = str(path)
    if path.stat().st_size > _MAX_BYTES:
        raise DataError(f"refused: larger than {_MAX_BYTES:,} bytes for a daily CSV",
                        source=source)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DataError("this is not UTF-8 text: save it as UTF-8 CSV", source=source) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise DataError("the file is empty: expected a header with 'date'", source=source)
    names = [name.strip() for name in rows[0]]
    if "date" not in names:
        raise DataError(f"no 'date' column; the columns are {names}", source=source,
                        column="date")
    rename = {name: name for name in METRICS}
    if "hrv" in names:
        if hrv not in ("sdnn", "rmssd"):
            raise DataError("an 'hrv' column needs hrv='sdnn' or hrv='rmssd': say which "
                            "measure your device reports", source=source, column="hrv")
        rename["hrv"] = f"hrv_{hrv}_ms"
    used = {i: rename[name] for i, name in enumerate(names) if name in rename}
    if not used:
        raise DataError(f"no measure columns; expected any of {list(METRICS)} (got {names})",
                        source=source)
    at_date = names.index("date")
    values: dict[str, dict[str, float]] = {name: {} for name in METRICS}
    seen: dict[str, int] = {}
    records = 0
    for number, fields in enumerate(rows[1:], start=1):
        if not any(cell.strip() for cell in fields):
            continue
        if len(fields) != len(names):
            raise DataError(f"has {len(fields)} fields but the header names {len(names)}",
                            source=source, row=number)
        day = fields[at_date].strip()
        try:
            iso_day(day)
        except ValueError:
            raise DataError(f"date must be an ISO date such as 2026-03-01, got {day!r}",
                            source=source, row=number, column="date") from None
        if day in seen:
            raise DataError(f"{day} appears twice: at row {seen[day]} and row {number}",
                            source=source, row=number, column="date")
        seen[day] = number
        records += 1
        for i, name in used.items():
            cell = fields[i].strip()
            if cell in ("", "NA", "NaN", "nan"):
                continue
            try:
                value = float(cell)
            except ValueError:
                value = math.nan
            low, high = _RANGE[name]
            if not low <= value <= high:
                raise DataError(f"{names[i]} must be a number from {low} to {high}, got "
                                f"{cell!r}", source=source, row=number, column=names[i])
            values[name][day] = value
    return WearableImport(
        daily=daily_frame(values),
        provenance=Provenance(
            format="csv", file_name=path.name, sha256=hashlib.sha256(raw).hexdigest(),
            size_bytes=len(raw), imported_at=imported_at, sources=(source_name,),
            records_used=records,
            hrv=", ".join(sorted(m[4:-3] for m in used.values() if m.startswith("hrv")))
            or "none",
        ),
    )
