"""All of a participant's own data as one CSV: the daily table plus what else they entered.

After the whole allocation is unblinded this is the canonical daily table (with arm and
dose_mg) from `nof1.web.diary.table.daily_table`. Before then the participant may not read that
table (it would be the same as trends and scores during the trial), but they may always take
away what they entered themselves: the same rows without arm or dose, built here from their
own diary. Either way the side effects, notes and the backfilled flag are added, then their
stored wearable days (`WEARABLE_COLUMNS`, always present, blank on a day with no value), in
the same place before and after unblinding.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from typing import Any

from nof1.web.diary.models import DiaryEntry, EntryStatus, WeeklyResponse
from nof1.web.diary.table import WEARABLE_COLUMNS, daily_table
from nof1.web.participant.trial_days import schedule_of
from nof1.web.trials import clock
from nof1.web.trials.models import Enrolment
from nof1.web.trials.services.unblinding import revealed_arms
from nof1.web.wearables.models import WearableDay

EXTRA_COLUMNS = (
    "side_effects",
    "other_medicines",
    "infection",
    "menstrual_period",
    "backfilled",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def own_data_csv(user: Any, enrolment: Enrolment) -> str:
    entries = {entry.day: entry for entry in DiaryEntry.objects.filter(enrolment=enrolment)}
    wearable = {
        day["date"]: day
        for day in WearableDay.objects.filter(enrolment=enrolment).values("date", *WEARABLE_COLUMNS)
    }
    if revealed_arms(enrolment) is not None:
        table = daily_table(user, enrolment, after_unblinding=True)
        # the wearable values and the extras go last, below, wherever the daily table puts them;
        # concurrent_change is the research export's flag for the notes this file holds in full
        later = (*EXTRA_COLUMNS, *WEARABLE_COLUMNS, "concurrent_change")
        table = table.drop(columns=[c for c in later if c in table.columns])
        columns = [str(c) for c in table.columns]
        rows = [dict(zip(columns, values, strict=True)) for values in table.itertuples(index=False)]
    else:
        columns, rows = _blinded_rows(enrolment, entries)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*columns, *EXTRA_COLUMNS, *WEARABLE_COLUMNS])
    for row in rows:
        day = _as_date(row["date"])
        measured = wearable.get(day, {})
        writer.writerow(
            [_cell(row[name]) for name in columns]
            + _extras(entries.get(day))
            + [_cell(measured.get(name)) for name in WEARABLE_COLUMNS]
        )
    return out.getvalue()


def _blinded_rows(
    enrolment: Enrolment, entries: dict[dt.date, DiaryEntry]
) -> tuple[list[str], list[dict[str, Any]]]:
    """The daily table's blinded columns for days up to today, from the diary itself."""
    schedule = schedule_of(enrolment)
    protocol = enrolment.trial.protocol
    daily = [o.id for o in protocol.outcomes_by_frequency("daily")]
    weekly = [o.id for o in protocol.outcomes_by_frequency("weekly")]
    columns = ["participant", "day", "date", "period", "pair", *daily, *weekly]
    columns += ["diary", "dose_taken", "exertion_yesterday", "crash_today"]
    if schedule is None:
        return columns, []
    scores: dict[dt.date, dict[str, float]] = {}
    for response in WeeklyResponse.objects.filter(enrolment=enrolment):
        due = response.week_start + dt.timedelta(days=6)
        scores.setdefault(due, {})[response.instrument] = response.score
    today = clock.today()
    rows = []
    for day in schedule:
        if day.date > today:
            break
        entry = entries.get(day.date)
        rated = entry is not None and entry.status == EntryStatus.COMPLETE
        row: dict[str, Any] = {
            "participant": enrolment.pseudonym,
            "day": day.day,
            "date": day.date,
            "period": day.period or 0,
            "pair": day.block or 0,
        }
        for outcome_id in daily:
            row[outcome_id] = entry.values.get(outcome_id) if rated and entry else None
        for outcome_id in weekly:
            row[outcome_id] = scores.get(day.date, {}).get(outcome_id)
        row["diary"] = entry.status if entry is not None else "missing"
        row["dose_taken"] = entry.dose_taken if entry is not None else ""
        row["exertion_yesterday"] = entry.exertion_yesterday if entry else None
        row["crash_today"] = None if entry is None else entry.crash_today
        rows.append(row)
    return columns, rows


def _extras(entry: DiaryEntry | None) -> list[str]:
    if entry is None:
        return ["", "", "", "", ""]
    return [
        ";".join(entry.side_effects),
        _text(entry.other_medicines),
        _text(entry.infection),
        _text(entry.menstrual_period),
        "1" if entry.backfilled else "0",
    ]


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:g}"
    if isinstance(value, dt.date):  # datetime and pandas Timestamp included
        return _as_date(value).isoformat()
    if isinstance(value, str):
        return _text(value)
    return str(value)


def _text(value: str) -> str:
    """Free text as a spreadsheet will show it, never run it."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value
