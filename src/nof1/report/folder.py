"""A report straight from a trial folder written by `nof1 randomize`, once it is unblinded.

    DIR/                          (as nof1 randomize wrote it, see nof1.trial_folder)
      trial.json, sealed-allocation.json, unblinding-log.jsonl, pharmacist/...
      data.csv or data.parquet    the diary: day (or date), the outcomes, and optionally
                                  dose_taken, side_effects; period/pair/arm/dose_mg optional
      guesses.csv                 optional: period,guess (active / placebo / dont_know)

When the diary has no `arm` column the arms come from pharmacist/allocation.csv, laid on the
schedule the protocol gives - but only after the unblinding log records that the whole
allocation was revealed. Before that a report would unblind the trial, so it is refused.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from nof1 import data as dataio
from nof1.exceptions import DataError, Nof1Error
from nof1.protocol import Protocol, build_schedule, load_protocol
from nof1.randomization import Allocation, verify
from nof1.report.trial import TrialReport, build_trial_report
from nof1.trial_folder import LOG, TRIAL
from nof1.unblinding_log import UnblindingLog

DATA_NAMES = ("data.csv", "data.parquet")
GUESSES = "guesses.csv"


def from_trial_folder(path: str | Path, **options: Any) -> TrialReport:
    """The trial report of an unblinded trial folder; `options` go to `build_trial_report`."""
    folder = Path(path)
    if not (folder / TRIAL).is_file():
        raise Nof1Error(f"{folder}: no {TRIAL} here; is this a trial folder from nof1 randomize?")
    trial = json.loads((folder / TRIAL).read_text(encoding="utf-8"))
    protocol = load_protocol(folder / "pharmacist" / "protocol.toml")
    source = next((folder / n for n in DATA_NAMES if (folder / n).is_file()), None)
    if source is None:
        raise Nof1Error(
            f"{folder}: no diary data; put the daily table here as data.csv or data.parquet"
        )
    unblinded_on = full_unblinding_date(folder)
    active = [arm.id for arm in protocol.arms if not arm.is_placebo]
    if "arm" in _columns(source):
        table = dataio.load(source, arms=active)
    else:
        if unblinded_on is None:
            raise Nof1Error(
                f"{folder}: the allocation has not been unblinded, so the report cannot say "
                f"which period was which; unblind the trial first: nof1 unblind {folder} "
                '--key pharmacist/key.txt --reason "end of trial"'
            )
        table = _with_arms(_read(source), protocol, trial, folder, str(source))
    options.setdefault("protocol", protocol)
    options.setdefault("participant", str(trial["participant"]))
    options.setdefault("unblinded_on", unblinded_on)
    if (folder / GUESSES).is_file() and "guesses" not in options:
        options["guesses"] = read_guesses(folder / GUESSES, protocol.period_count)
    return build_trial_report(table, **options)


def full_unblinding_date(folder: Path) -> str | None:
    """The date (ISO) the whole allocation was first revealed, from the checked log."""
    log = UnblindingLog(folder / LOG)
    log.verify()  # a tampered log is refused (TamperedError), never trusted
    for entry in log.entries():
        event = entry.event
        if (
            event.get("action") == "unblind"
            and event.get("what") == "full allocation"
            and event.get("outcome") == "revealed"
        ):
            return str(event.get("at", ""))[:10] or None
    return None


def read_guesses(path: Path, periods: int) -> list[str | None]:
    """guesses.csv (period,guess) as one guess per period, None where none was given."""
    try:
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError) as error:
        raise DataError(f"cannot be read as CSV ({error})", source=str(path)) from None
    if not {"period", "guess"} <= set(rows.columns):
        raise DataError("needs the columns period and guess", source=str(path))
    out: list[str | None] = [None] * periods
    for i, (period, guess) in enumerate(zip(rows["period"], rows["guess"], strict=True)):
        if not period.strip().isdigit() or not 1 <= int(period) <= periods:
            raise DataError(
                f"period must be a whole number from 1 to {periods}, got {period!r}",
                source=str(path), row=i + 1, column="period",
            )
        out[int(period) - 1] = guess.strip() or None
    return out


def _columns(source: Path) -> list[str]:
    if source.suffix == ".csv":
        return [str(c).strip() for c in pd.read_csv(source, nrows=0).columns]
    import pyarrow.parquet as pq

    return list(pq.read_schema(source).names)


def _read(source: Path) -> pd.DataFrame:
    try:
        if source.suffix == ".csv":
            return pd.read_csv(source, dtype={"participant": str, "side_effects": str,
                                              "dose_taken": str})
        return pd.read_parquet(source)
    except (OSError, ValueError, pd.errors.ParserError) as error:
        raise DataError(f"cannot be read ({error})", source=str(source)) from None


def _with_arms(
    raw: pd.DataFrame, protocol: Protocol, trial: dict[str, Any], folder: Path, source: str
) -> pd.DataFrame:
    """Period, pair, arm and dose of every diary day, from the schedule and the allocation."""
    start = dt.date.fromisoformat(trial["start"])
    schedule = build_schedule(protocol, start, trial["kits"])
    allocation = Allocation.from_csv(folder / "pharmacist" / "allocation.csv", protocol.arm_ids)
    verify(allocation)  # the list must be what its recorded seed gives
    arms = allocation.arm_by_period
    table = raw.copy()
    if "day" not in table.columns:
        if "date" not in table.columns:
            raise DataError("needs a day or a date column", source=source)
        dates = pd.to_datetime(table["date"], errors="coerce")
        if dates.isna().any():
            raise DataError("has a date that is not an ISO date", source=source, column="date")
        table["day"] = (dates - pd.Timestamp(start)).dt.days + 1
    day = pd.to_numeric(table["day"], errors="coerce")
    outside = ~day.between(1, len(schedule))
    if outside.any():
        row = int(outside.to_numpy().nonzero()[0][0])
        raise DataError(
            f"day {table['day'].iloc[row]} is outside the trial (days 1 to {len(schedule)})",
            source=source, row=row + 1, column="day",
        )
    by_day = {d.day: d for d in schedule}
    table["participant"] = str(trial["participant"])
    cells = [_design_of(protocol, arms, by_day[int(d)]) for d in day]
    for i, name in enumerate(("period", "pair", "arm", "dose_mg")):
        table[name] = [c[i] for c in cells]
    active = [arm.id for arm in protocol.arms if not arm.is_placebo]
    return dataio.validate(table, source=source, arms=active)


def _design_of(protocol: Protocol, arms: tuple[str, ...], day: Any) -> tuple[int, int, str, float]:
    if day.period is None:
        return (0, 0, *protocol.arm_and_dose(None, None))
    return (day.period, day.block, *protocol.arm_and_dose(arms[day.period - 1],
                                                          day.day_of_period))
