"""The canonical daily table: one row per participant-day, loaded, checked and saved.

Files become data here and nowhere else. The single-patient and series models trust what
`validate` returns, so every rule a trial table must keep is checked here, and a bad table is
refused whole, with a message naming the file, the row and the column: nothing is half-loaded.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api import types as ptypes

from nof1.exceptions import DataError

__all__ = ["DESIGN_COLUMNS", "is_dose_label", "load", "outcome_columns", "save", "validate"]

PLACEBO, ACTIVE, RUN_IN = "placebo", "active", "run-in"
DESIGN_COLUMNS = ("participant", "day", "date", "period", "pair", "arm", "dose_mg")
_REQUIRED = ("participant", "period", "pair", "arm")
# "4.5mg", "LDN 4.5 mg": a dose-finding trial names its arms by dose, so these need no protocol.
_DOSE_LABEL = re.compile(r"^(?:[A-Za-z][A-Za-z0-9 ._-]*?\s*)?\d+(?:\.\d+)?\s*mg$")
_MISSING = ("", "NA", "NaN", "nan")
_CSV, _PARQUET = (".csv",), (".parquet", ".pq")
_MAX_WHOLE = 2.0**53  # beyond this a float no longer holds every whole number


def is_dose_label(arm: str) -> bool:
    """Whether an arm is named by its dose, which every table may use without a protocol."""
    return _DOSE_LABEL.match(arm) is not None


class _Where:
    """Turns a row position into words a user can find in their own file."""

    def __init__(self, source: str, line_of: Callable[[int], int | None] | None = None) -> None:
        self.source = source
        self.line_of = line_of

    def line(self, pos: int) -> int | None:
        return self.line_of(pos) if self.line_of is not None else None

    def at(self, pos: int) -> str:
        line = self.line(pos)
        return f"row {pos + 1}" + (f" (line {line})" if line is not None else "")

    def error(
        self, message: str, column: str | None = None, pos: int | None = None, *, line: bool = True
    ) -> DataError:
        if pos is not None and line and (number := self.line(pos)) is not None:
            message = f"{message} (line {number})"
        row = None if pos is None else pos + 1
        return DataError(message, source=self.source, row=row, column=column)


def _csv_line_finder(path: Path) -> Callable[[int], int | None]:
    """File line where a data row starts, found by re-reading the file only when it is needed.

    Blank lines and quoted line breaks make line numbers drift from row numbers, and the
    error message should point at the line an editor shows.
    """

    def is_record(fields: list[str]) -> bool:  # pandas skips empty and whitespace-only lines
        return len(fields) > 1 or (len(fields) == 1 and fields[0].strip() != "")

    def line_of(pos: int) -> int | None:
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                seen_header, count, start = False, -1, 1
                for fields in reader:
                    if is_record(fields):
                        if seen_header:
                            count += 1
                            if count == pos:
                                return start
                        seen_header = True
                    start = reader.line_num + 1
        except (OSError, UnicodeDecodeError, csv.Error):
            pass
        return None

    return line_of


def _read_csv(path: Path, source: str) -> pd.DataFrame:
    with path.open("rb") as handle:
        head = handle.read(8192)
    if b"\x00" in head:
        hint = "; it looks like Parquet: name it .parquet" if head.startswith(b"PAR1") else ""
        raise DataError(f"this is a binary file, not a CSV text file{hint}", source=source)
    try:
        # Every cell is read as text so that a bad value can be quoted exactly as written. The
        # header is read as a row: otherwise pandas silently turns a row with one field too
        # many into an index and drops longer ones, and renames duplicate column names.
        cells = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, na_filter=False)
    except pd.errors.EmptyDataError:
        raise DataError(
            "the file is empty: expected a header naming the columns", source=source
        ) from None
    except UnicodeDecodeError:
        raise DataError(
            "this is not UTF-8 text: save the file as UTF-8 and load it again", source=source
        ) from None
    except (pd.errors.ParserError, ValueError) as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        why = (
            f"line {found[2]} has {found[3]} fields but the header names {found[1]} columns"
            if found
            else str(exc).strip().removeprefix("Error tokenizing data. C error: ")
        )
        raise DataError(f"cannot be read as CSV: {why}", source=source) from None
    names = [name.strip() for name in cells.iloc[0]]
    for number, name in enumerate(names, start=1):
        if not name:
            raise DataError(f"column {number} has no name in the header", source=source)
        if names.count(name) > 1:
            raise DataError(
                f"column {name!r} appears twice in the header", source=source, column=name
            )
    table = cells.iloc[1:].reset_index(drop=True)
    table.columns = pd.Index(names)
    return table


def _read_parquet(path: Path, source: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise DataError(f"cannot be read as Parquet: {exc}", source=source) from None


def _is_csv(path: Path, verb: str) -> bool:
    suffix = path.suffix.lower()
    if suffix not in _CSV + _PARQUET:
        raise DataError(
            f"cannot {verb} files ending {suffix or 'in no suffix'!r}: use .csv, .parquet or .pq",
            source=str(path),
        )
    return suffix in _CSV


def load(
    path: str | os.PathLike[str],
    *,
    outcomes: Sequence[str] = (),
    arms: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read a daily table from .csv or .parquet/.pq and return it validated (see `validate`).

    The suffix, not the content, decides the format, so a mislabelled file is refused rather
    than guessed at.
    """
    path = Path(path)
    source = str(path)
    is_csv = _is_csv(path, "read")
    if not path.exists():
        raise DataError("no such file", source=source)
    if not path.is_file():
        raise DataError("not a file", source=source)
    try:
        if is_csv:
            raw, where = _read_csv(path, source), _Where(source, _csv_line_finder(path))
        else:
            raw, where = _read_parquet(path, source), _Where(source)
    except OSError as exc:
        raise DataError(f"cannot be read: {exc.strerror or exc}", source=source) from None
    return _validate(raw, where, outcomes, arms)


def save(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a table as .csv or .parquet/.pq (by suffix) so that `load` gives it back exactly.

    pandas writes floats in their shortest exact form, which is what makes CSV lossless here.
    """
    path = Path(path)
    if _is_csv(path, "write"):
        df.to_csv(path, index=False)
    else:
        df.to_parquet(path, index=False)


def outcome_columns(df: pd.DataFrame) -> list[str]:
    """Numeric columns that are not part of the design: what a user may pick as an outcome."""
    return [
        str(name)
        for name in df.columns
        if name not in DESIGN_COLUMNS
        and ptypes.is_numeric_dtype(df[name])
        and not ptypes.is_bool_dtype(df[name])
    ]


def validate(
    df: pd.DataFrame,
    *,
    source: str = "<table>",
    outcomes: Sequence[str] = (),
    arms: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Check a daily table and return a new, normalised copy; the input is never changed.

    Rows keep their order (the index becomes 0..n-1) because row numbers in messages and in a
    user's file must mean the same thing. Design columns get fixed dtypes, `day` is derived
    from `date` when absent, `dose_mg` is filled when absent, and every other column whose
    values are all numbers or blank becomes float64, so `outcome_columns` can find it.
    `outcomes` names columns that must exist and hold numbers; `arms`, when given, are the
    protocol's arm names and replace "active" and dose labels.
    """
    return _validate(df, _Where(source), outcomes, arms)


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _shown(col: pd.Series, pos: int) -> str:
    return repr(str(col.iloc[pos]).strip())


def _text(col: pd.Series, name: str, where: _Where) -> pd.Series:
    text = col.astype("str").str.strip()
    if (pos := _first((text.isna() | (text == "")).to_numpy())) is not None:
        raise where.error(f"{name} is blank", name, pos)
    return text


def _parse(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numbers (NaN where missing) and a mask of the cells that are neither numbers nor blank."""
    if ptypes.is_numeric_dtype(col) and not ptypes.is_bool_dtype(col):
        values = col.to_numpy(dtype="float64", na_value=np.nan)
        return values, np.zeros(len(col), dtype=bool)
    text = col.astype("str").str.strip()
    blank = (text.isna() | text.isin(_MISSING)).to_numpy()
    kept = text.mask(blank)
    try:  # Arrow parses exactly, like pandas, and about ten times faster
        values = pc.cast(pa.array(kept), pa.float64()).to_numpy(zero_copy_only=False)
        return values, np.zeros(len(col), dtype=bool)
    except pa.ArrowInvalid:  # some cell is not a number: find which, slowly
        values = pd.to_numeric(kept, errors="coerce").to_numpy("float64", na_value=np.nan)
        return values, np.isnan(values) & ~blank


def _numbers(col: pd.Series, name: str, where: _Where) -> np.ndarray:
    return _finite(col, *_parse(col), name, where)


def _finite(
    col: pd.Series, values: np.ndarray, bad: np.ndarray, name: str, where: _Where
) -> np.ndarray:
    if (pos := _first(bad)) is not None:
        raise where.error(f"{name} must be a number, got {_shown(col, pos)}", name, pos)
    if (pos := _first(np.isinf(values))) is not None:
        raise where.error(f"{name} must be a finite number, got {_shown(col, pos)}", name, pos)
    return values


def _whole(col: pd.Series, name: str, where: _Where, minimum: int) -> np.ndarray:
    values = _numbers(col, name, where)
    if (pos := _first(np.isnan(values))) is not None:
        raise where.error(f"{name} is blank", name, pos)
    if (pos := _first((values != np.floor(values)) | (np.abs(values) > _MAX_WHOLE))) is not None:
        raise where.error(f"{name} must be a whole number, got {_shown(col, pos)}", name, pos)
    if (pos := _first(values < minimum)) is not None:
        raise where.error(f"{name} must be {minimum} or more, got {_shown(col, pos)}", name, pos)
    return values.astype(np.int64)


def _dates(col: pd.Series, where: _Where) -> pd.Series:
    if ptypes.is_datetime64_dtype(col):
        stamps = col.astype("datetime64[us]")
        if (pos := _first(stamps.isna().to_numpy())) is not None:
            raise where.error("date is blank", "date", pos)
        if (pos := _first((stamps != stamps.dt.normalize()).to_numpy())) is not None:
            raise where.error(
                f"date must be a calendar date without a time, got {stamps[pos]}", "date", pos
            )
        return stamps
    text = _text(col, "date", where)
    iso = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    stamps = pd.to_datetime(text.where(iso), format="%Y-%m-%d", errors="coerce")
    if (pos := _first(stamps.isna().to_numpy())) is not None:
        raise where.error(
            f"date must be an ISO date such as 2024-03-01, got {_shown(text, pos)}", "date", pos
        )
    return stamps.astype("datetime64[us]")


def _conflict(keys: pd.DataFrame, values: np.ndarray) -> tuple[int, int] | None:
    """First row whose value differs from the first row with the same keys, and that row."""
    groups = keys.groupby(list(keys.columns), sort=False)
    first = pd.Series(values).groupby(groups.ngroup().to_numpy()).transform("first")
    pos = _first(values != first.to_numpy())
    if pos is None:
        return None
    same = (keys == keys.iloc[pos]).all(axis=1).to_numpy()
    return pos, int(np.flatnonzero(same)[0])


def _check_columns(df: pd.DataFrame, where: _Where, outcomes: Sequence[str]) -> None:
    if df.shape[1] == 0:
        raise where.error("the table is empty: there is no header naming the columns")
    if len(df) == 0:
        raise where.error("the table has a header but no rows")
    found = ", ".join(repr(str(name)) for name in df.columns)
    for name in _REQUIRED:
        if name not in df.columns:
            raise where.error(f"missing required column {name!r}; the columns are {found}", name)
    if "day" not in df.columns and "date" not in df.columns:
        raise where.error(
            f"missing required column 'day' (or 'date'); the columns are {found}", "day"
        )
    for name in outcomes:
        if name in DESIGN_COLUMNS:
            raise where.error(f"{name!r} is a design column, not an outcome", name)
        if name not in df.columns:
            raise where.error(
                f"{name!r} was asked for but is not a column; the columns are {found}", name
            )


def _validate(
    raw: pd.DataFrame, where: _Where, outcomes: Sequence[str], arms: Iterable[str] | None
) -> pd.DataFrame:
    outcomes = (outcomes,) if isinstance(outcomes, str) else tuple(outcomes)
    _check_columns(raw, where, outcomes)
    out = raw.reset_index(drop=True)  # a new frame: the caller's stays as it was
    who = _text(out["participant"], "participant", where)
    participant = who.to_numpy()
    period = _whole(out["period"], "period", where, 0)
    pair = _whole(out["pair"], "pair", where, 0)
    day = _whole(out["day"], "day", where, 1) if "day" in out.columns else None
    if "date" in out.columns:
        stamps = _dates(out["date"], where)
        ordinal = stamps.to_numpy().astype("datetime64[D]").astype(np.int64)
        if day is None:  # day 1 is the participant's first date in the table
            first = pd.Series(ordinal).groupby(participant, sort=False).transform("min")
            day = ordinal - first.to_numpy() + 1
        elif (hit := _conflict(pd.DataFrame({"p": participant}), day - ordinal)) is not None:
            i, j = hit
            raise where.error(
                f"day {day[i]} on {stamps[i]:%Y-%m-%d} at {where.at(i)} does not agree with "
                f"day {day[j]} on {stamps[j]:%Y-%m-%d} at {where.at(j)} for participant "
                f"{participant[i]!r}",
                "date",
                i,
                line=False,
            )
        out["date"] = stamps
    assert day is not None  # _check_columns guarantees day or date

    arm = _text(out["arm"], "arm", where)
    if arms is None:
        fixed = {PLACEBO, ACTIVE, RUN_IN}
        allowed = "'placebo', 'active', 'run-in' or a dose such as '4.5mg' or 'LDN 4.5 mg'"
    else:
        fixed = {PLACEBO, RUN_IN, *arms}
        allowed = ", ".join(repr(name) for name in sorted(fixed))
    unknown = [
        a for a in arm.unique() if a not in fixed and (arms is not None or not is_dose_label(a))
    ]
    if (pos := _first(arm.isin(unknown).to_numpy())) is not None:
        raise where.error(f"unknown arm {arm[pos]!r}; allowed: {allowed}", "arm", pos)
    arm_of = arm.to_numpy()
    run_in = arm_of == RUN_IN
    if (pos := _first(run_in & (period != 0))) is not None:
        raise where.error(f"the run-in is period 0, not period {period[pos]}", "period", pos)
    if (pos := _first(~run_in & (period == 0))) is not None:
        raise where.error(
            f"period 0 is the run-in, so its arm must be 'run-in', not {arm_of[pos]!r}", "arm", pos
        )
    if (pos := _first((period == 0) != (pair == 0))) is not None:
        raise where.error(
            f"pair 0 is the run-in and only the run-in (period 0); got pair "
            f"{pair[pos]} in period {period[pos]}",
            "pair",
            pos,
        )

    dose = (
        _numbers(out["dose_mg"], "dose_mg", where)
        if "dose_mg" in out.columns
        else np.full(len(out), np.nan)
    )
    dose = np.where(np.isnan(dose) & ((arm_of == PLACEBO) | run_in), 0.0, dose)
    if (pos := _first(dose < 0)) is not None:
        raise where.error(f"dose_mg must not be negative, got {dose[pos]:g}", "dose_mg", pos)
    if (pos := _first((arm_of == PLACEBO) & (dose != 0))) is not None:
        raise where.error(f"a placebo row must have dose_mg 0, got {dose[pos]:g}", "dose_mg", pos)

    keys = pd.DataFrame({"participant": participant, "day": day})
    if (pos := _first(keys.duplicated().to_numpy())) is not None:
        j = int(np.flatnonzero((participant == participant[pos]) & (day == day[pos]))[0])
        raise where.error(
            f"participant {participant[pos]!r} has day {day[pos]} twice: at "
            f"{where.at(j)} and at {where.at(pos)}",
            "day",
            pos,
            line=False,
        )
    previous = keys.groupby("participant", sort=False)["day"].shift().to_numpy("float64")
    if (pos := _first(day < previous)) is not None:
        j = int(np.flatnonzero(participant[:pos] == participant[pos])[-1])
        raise where.error(
            f"days out of order for participant {participant[pos]!r}: day "
            f"{day[pos]} at {where.at(pos)} comes after day {day[j]} at "
            f"{where.at(j)}",
            "day",
            pos,
            line=False,
        )
    periods = pd.DataFrame({"participant": participant, "period": period})
    for name, values in (("arm", arm_of), ("pair", pair)):
        if (hit := _conflict(periods, values)) is not None:
            i, j = hit
            show = repr if name == "arm" else str
            raise where.error(
                f"period {period[i]} of participant {participant[i]!r} has "
                f"{name} {show(values[j])} at {where.at(j)} but {name} "
                f"{show(values[i])} at {where.at(i)}",
                name,
                i,
                line=False,
            )

    for name in out.columns:
        if name not in DESIGN_COLUMNS:
            values, bad = _parse(out[name])
            if name in outcomes or not bad.any():  # a column of numbers is an outcome too
                out[name] = _finite(out[name], values, bad, str(name), where)
    out["participant"] = who
    out["arm"] = arm
    out["period"], out["pair"] = period, pair
    if "day" in out.columns:
        out["day"] = day
    else:
        out.insert(list(out.columns).index("date"), "day", day)
    if "dose_mg" in out.columns:
        out["dose_mg"] = dose
    else:
        out.insert(list(out.columns).index("arm") + 1, "dose_mg", dose)
    return out
