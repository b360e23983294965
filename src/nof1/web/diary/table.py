"""The canonical daily table (architecture.md) from one participant's diary, for the core.

One row per trial day, from the first run-in day: participant (the pseudonym, never the
account), day, date, period and pair (0 in the run-in), arm and dose_mg, then one column per
daily and weekly outcome, blank when missing, then, once any wearable day is stored for the
enrolment, the wearable columns (`WEARABLE_COLUMNS`: steps, resting_hr, hrv_sdnn_ms,
hrv_rmssd_ms, sleep_hours; blank = not measured). A day logged as "too unwell", or not logged at
all, is a row of blanks: the analysis sees a missing day, never a good one. Weekly scores sit
on the last day of their trial week, the day the schedule asks for them.

Before the whole allocation is unblinded the arms are unknown here: `after_unblinding=False`
gives the blinded monitoring table (no arm, no dose) to the trial's staff, and nothing more.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from nof1.data import validate
from nof1.wearables import METRICS
from nof1.web.accounts.models import Role
from nof1.web.diary.models import DiaryEntry, EntryStatus, WeeklyResponse
from nof1.web.trials import clock
from nof1.web.trials.errors import WorkflowError
from nof1.web.trials.models import Enrolment, EnrolmentStatus
from nof1.web.trials.permissions import (
    deny,
    is_participant,
    is_proxy,
    is_trial_clinician,
    is_trial_pharmacist,
)
from nof1.web.trials.services.unblinding import revealed_arms
from nof1.web.wearables.models import WearableDay

# after the outcomes: side_effects holds the protocol's adverse-event ids, ';'-separated;
# concurrent_change is 1 on a day the participant noted another medicine or an infection
EXTRAS = (
    "diary", "dose_taken", "exertion_yesterday", "crash_today", "side_effects", "concurrent_change"
)
WEARABLE_COLUMNS = METRICS  # after the outcomes, when the enrolment has any wearable day
NAN = math.nan


def _may_read(user: Any, enrolment: Enrolment, after_unblinding: bool) -> bool:
    trial = enrolment.trial
    if is_trial_clinician(user, trial) or is_trial_pharmacist(user, trial):
        return True
    if not after_unblinding:
        return False  # during the trial the participant sees "logged" and nothing else
    if is_participant(user, enrolment) or is_proxy(user, enrolment):
        return True
    return (
        getattr(user, "is_active", False)
        and getattr(user, "role", None) == Role.RESEARCHER
        and enrolment.status == EnrolmentStatus.COMPLETED
    )


def daily_table(user: Any, enrolment: Enrolment, *, after_unblinding: bool = True) -> pd.DataFrame:
    """The participant's daily table, validated by `nof1.data.validate`, ready for
    `nof1.analysis.single.SingleTrial`. Refused (`WorkflowError`) before the whole allocation
    is unblinded, unless `after_unblinding=False`: then the blinded table up to today, with no
    arm or dose column, for the trial's clinician and pharmacist."""
    if not _may_read(user, enrolment, after_unblinding):
        deny(user, "this participant's daily table is not yours to see", enrolment)
    protocol = enrolment.trial.protocol
    schedule = enrolment.schedule()
    arms: dict[int, str] | None = None
    last = schedule.end
    if after_unblinding:
        arms = revealed_arms(enrolment)
        if arms is None:
            raise WorkflowError(
                "the arms are unknown until the allocation is unblinded at the end of the "
                "trial; ask for the blinded table to monitor it before then"
            )
    else:
        last = min(last, clock.today())
    entries = {entry.day: entry for entry in DiaryEntry.objects.filter(enrolment=enrolment)}
    weekly: dict[dt.date, dict[str, float]] = {}
    for response in WeeklyResponse.objects.filter(enrolment=enrolment):
        due = response.week_start + dt.timedelta(days=6)
        weekly.setdefault(due, {})[response.instrument] = response.score
    wearable = {
        row["date"]: row
        for row in WearableDay.objects.filter(enrolment=enrolment).values("date", *METRICS)
    }
    daily_ids = [o.id for o in protocol.outcomes_by_frequency("daily")]
    weekly_ids = [o.id for o in protocol.outcomes_by_frequency("weekly")]

    rows = []
    for day in schedule:
        if day.date > last:
            break
        row: dict[str, Any] = {
            "participant": enrolment.pseudonym,
            "day": day.day,
            "date": day.date.isoformat(),
            "period": day.period or 0,
            "pair": day.block or 0,
        }
        if arms is not None:
            row["arm"], row["dose_mg"] = protocol.arm_and_dose(
                arms[day.period] if day.period else None, day.day_of_period
            )
        entry = entries.get(day.date)
        rated = entry is not None and entry.status == EntryStatus.COMPLETE
        for outcome_id in daily_ids:
            value = entry.values.get(outcome_id) if rated and entry is not None else None
            row[outcome_id] = NAN if value is None else float(value)
        for outcome_id in weekly_ids:
            row[outcome_id] = weekly.get(day.date, {}).get(outcome_id, NAN)
        if wearable:
            measured = wearable.get(day.date, {})
            for name in WEARABLE_COLUMNS:
                row[name] = _number(measured.get(name))
        row["diary"] = entry.status if entry is not None else "missing"
        row["dose_taken"] = entry.dose_taken if entry is not None else ""
        row["exertion_yesterday"] = _number(entry.exertion_yesterday if entry else None)
        row["crash_today"] = _number(entry.crash_today if entry else None)
        row["side_effects"] = ";".join(entry.side_effects) if entry is not None else ""
        # a flag, never the text: a medicine or infection note may name a person or a place
        row["concurrent_change"] = (
            NAN if entry is None else float(bool(entry.other_medicines or entry.infection))
        )
        rows.append(row)
    columns = ["participant", "day", "date", "period", "pair"]
    columns += ["arm", "dose_mg"] if arms is not None else []
    columns += [*daily_ids, *weekly_ids, *(WEARABLE_COLUMNS if wearable else ()), *EXTRAS]
    table = pd.DataFrame(rows, columns=columns)
    if arms is None:  # blinded: not a canonical table (no arm), so not validated as one
        table["date"] = pd.to_datetime(table["date"]).astype("datetime64[us]")
        return table
    active = [arm.id for arm in protocol.arms if not arm.is_placebo]
    return validate(table, source=f"diary of {enrolment.pseudonym}", arms=active)


def _number(value: float | bool | None) -> float:
    return NAN if value is None else float(value)
