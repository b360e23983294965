"""The diary: one entry per day, weekly instruments, the blinding guess, today's kit.

Only the participant or a registered carer (proxy) writes; who entered is kept on every
entry and every change is in the audit trail with old and new values. A day may be entered
from the trial's first day to its last, on the day itself or up to `trial.backfill_days`
later (flagged as backfilled). "Too unwell to log" stores no ratings: a missing day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from nof1.protocol import Protocol
from nof1.web.diary.models import (
    BlindingGuess,
    DiaryEntry,
    DoseTaken,
    EntryStatus,
    Guess,
    WeeklyResponse,
)
from nof1.web.diary.table import daily_table
from nof1.web.trials import clock, history
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import Enrolment, EnrolmentStatus
from nof1.web.trials.permissions import (
    deny,
    is_participant,
    is_proxy,
    is_trial_clinician,
    is_trial_pharmacist,
    require_diary_writer,
)
from nof1.web.trials.services.unblinding import full_unblinding

__all__ = [
    "daily_table",
    "kit_for_day",
    "record_blinding_guess",
    "submit_day",
    "submit_weekly",
]

IN_TRIAL = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ACTIVE)
EXERTION = range(0, 11)
NOTE_LENGTH = 200


# -- checks --------------------------------------------------------------------------------------


def _check_day(day: Any) -> dt.date:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        raise EntryError("the diary day must be a calendar date")
    return day


def _open_diary(user: Any, enrolment: Enrolment) -> None:
    require_diary_writer(user, enrolment)
    if enrolment.status not in IN_TRIAL:
        raise WorkflowError(
            f"the diary is open during the trial only (now: {enrolment.get_status_display()})"
        )


def _in_window(enrolment: Enrolment, day: dt.date, *, first: dt.date, last: dt.date) -> None:
    """`day` between `first` and `last` of the trial, and within the backfill window."""
    today = clock.today()
    if day > today:
        raise EntryError("a day in the future cannot be logged yet")
    if day < first or day > last:
        raise EntryError(
            f"{day.isoformat()} is outside the trial ({first.isoformat()} to {last.isoformat()})"
        )
    window = enrolment.trial.backfill_days
    if (today - day).days > window:
        raise EntryError(
            f"{day.isoformat()} is more than {window} days ago; past days can be filled in "
            f"for {window} days only"
        )


def _ratings(protocol: Protocol, values: Mapping[str, Any] | None) -> dict[str, int | None]:
    daily = {o.id: o for o in protocol.outcomes_by_frequency("daily")}
    given = dict(values or {})
    unknown = sorted(set(given) - set(daily))
    if unknown:
        raise EntryError(f"not a daily item of this trial: {', '.join(unknown)}")
    ratings: dict[str, int | None] = {}
    for outcome_id, outcome in daily.items():
        value = given.get(outcome_id)
        if value is None or value == "":
            ratings[outcome_id] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise EntryError(f"{outcome.label}: a whole number is expected")
        try:
            number = int(value)
        except ValueError:
            raise EntryError(f"{outcome.label}: a whole number is expected") from None
        if not outcome.scale.min <= number <= outcome.scale.max:
            raise EntryError(
                f"{outcome.label}: {number} is outside {outcome.scale.min:g} to "
                f"{outcome.scale.max:g}"
            )
        ratings[outcome_id] = number
    return ratings


def _side_effects(protocol: Protocol, ticked: Iterable[str]) -> list[str]:
    if isinstance(ticked, str):
        raise EntryError("side effects are a list of checklist ids")
    known = [event.id for event in protocol.adverse_events]
    ticked = list(dict.fromkeys(str(item) for item in ticked))
    unknown = sorted(set(ticked) - set(known))
    if unknown:
        raise EntryError(f"not on this trial's side-effect checklist: {', '.join(unknown)}")
    return [item for item in known if item in ticked]  # checklist order


def _note(name: str, text: Any) -> str:
    text = "" if text is None else str(text).strip()
    if len(text) > NOTE_LENGTH:
        raise EntryError(f"{name}: at most {NOTE_LENGTH} characters")
    return text


# -- the daily entry -----------------------------------------------------------------------------


def submit_day(
    user: Any,
    enrolment: Enrolment,
    day: dt.date,
    *,
    values: Mapping[str, Any] | None = None,
    dose_taken: str = DoseTaken.UNKNOWN,
    side_effects: Iterable[str] = (),
    exertion_yesterday: int | None = None,
    crash_today: bool | None = None,
    other_medicines: str = "",
    infection: str = "",
    menstrual_period: str = "",
    too_unwell: bool = False,
) -> DiaryEntry:
    """Save one day's diary; the same day again updates the one entry (old values audited).

    `values` maps daily outcome ids to whole numbers on their scale (None: skipped). With
    `too_unwell`, every rating is stored as missing whatever was sent; dose, side effects,
    crash and notes are kept, as they still tell the clinician something.
    """
    _open_diary(user, enrolment)
    day = _check_day(day)
    protocol = enrolment.trial.protocol
    schedule = enrolment.schedule()
    _in_window(enrolment, day, first=schedule.start, last=schedule.end)
    if too_unwell:  # whatever was half-filled before the tap is not a rating of the day
        ratings = dict.fromkeys(o.id for o in protocol.outcomes_by_frequency("daily"))
    else:
        ratings = _ratings(protocol, values)
    if dose_taken not in DoseTaken.values:
        raise EntryError(f"dose taken must be one of {', '.join(DoseTaken.values)}")
    if exertion_yesterday is not None and (
        isinstance(exertion_yesterday, bool) or exertion_yesterday not in EXERTION
    ):
        raise EntryError("yesterday's exertion must be a whole number from 0 to 10")
    if crash_today is not None and not isinstance(crash_today, bool):
        raise EntryError("crash today must be yes or no")
    fields = {
        "status": EntryStatus.TOO_UNWELL if too_unwell else EntryStatus.COMPLETE,
        "values": ratings,
        "dose_taken": str(dose_taken),
        "side_effects": _side_effects(protocol, side_effects),
        "exertion_yesterday": exertion_yesterday,
        "crash_today": crash_today,
        "other_medicines": _note("other medicines", other_medicines),
        "infection": _note("infection", infection),
        "menstrual_period": _note("menstrual period", menstrual_period),
    }
    late = day < clock.today()
    try:
        return _save_day(user, enrolment, day, fields, late)
    except IntegrityError:  # the same day sent twice at once: the second one updates
        return _save_day(user, enrolment, day, fields, late)


def _save_day(
    user: Any, enrolment: Enrolment, day: dt.date, fields: dict[str, Any], late: bool
) -> DiaryEntry:
    with transaction.atomic():
        entry = DiaryEntry.objects.select_for_update().filter(enrolment=enrolment, day=day).first()
        if entry is None:
            entry = DiaryEntry.objects.create(
                enrolment=enrolment,
                day=day,
                entered_by=user,
                entered_at=timezone.now(),
                backfilled=late,
                created_by=user,
                **fields,
            )
            history.created(user, entry, reason="backfilled" if late else "")
        elif any(getattr(entry, name) != value for name, value in fields.items()):
            old = history.snapshot(entry)
            for name, value in fields.items():
                setattr(entry, name, value)
            entry.entered_by = user
            entry.entered_at = timezone.now()
            entry.backfilled = entry.backfilled or late
            entry.save()
            history.changed(user, entry, old, reason="the same day entered again")
        if enrolment.status == EnrolmentStatus.ENROLLED:
            history.move_enrolment(
                enrolment, EnrolmentStatus.ACTIVE, by=user, reason="first diary entry"
            )
    return entry


def kit_for_day(user: Any, enrolment: Enrolment, day: dt.date) -> str | None:
    """The kit code to take capsules from on `day` (None in the run-in). A code, never an arm."""
    trial = enrolment.trial
    if not (
        is_participant(user, enrolment)
        or is_proxy(user, enrolment)
        or is_trial_clinician(user, trial)
        or is_trial_pharmacist(user, trial)
    ):
        deny(
            user, "only the participant, their carer and the trial's staff see its kits", enrolment
        )
    schedule = enrolment.schedule()
    try:
        return schedule.on(_check_day(day)).kit
    except KeyError as error:
        raise EntryError(str(error.args[0])) from None


# -- weekly instruments and the blinding guess ---------------------------------------------------


def submit_weekly(
    user: Any,
    enrolment: Enrolment,
    week_start: dt.date,
    instrument: str,
    score: float,
    *,
    items: Mapping[str, Any] | None = None,
) -> WeeklyResponse:
    """A weekly instrument's score for the trial week starting `week_start` (trial day 1, 8,
    15, ...). It can be entered from the week's last day, within the backfill window."""
    _open_diary(user, enrolment)
    protocol = enrolment.trial.protocol
    weekly = {o.id: o for o in protocol.outcomes_by_frequency("weekly")}
    if instrument not in weekly:
        raise EntryError(f"{instrument!r} is not a weekly instrument of this trial")
    schedule = enrolment.schedule()
    week_start = _check_day(week_start)
    if (week_start - schedule.start).days % 7:
        raise EntryError("a trial week starts on trial day 1, 8, 15, ...")
    due = week_start + dt.timedelta(days=6)
    _in_window(enrolment, due, first=schedule.start, last=schedule.end)
    outcome = weekly[instrument]
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise EntryError(f"{outcome.label}: a number is expected")
    if not outcome.scale.min <= float(score) <= outcome.scale.max:
        raise EntryError(f"{outcome.label}: {score} is outside the instrument's range")
    fields = {"score": float(score), "items": dict(items or {})}
    with transaction.atomic():
        response = (
            WeeklyResponse.objects.select_for_update()
            .filter(enrolment=enrolment, week_start=week_start, instrument=instrument)
            .first()
        )
        if response is None:
            response = WeeklyResponse.objects.create(
                enrolment=enrolment,
                week_start=week_start,
                instrument=instrument,
                entered_by=user,
                entered_at=timezone.now(),
                created_by=user,
                **fields,
            )
            history.created(user, response)
        elif any(getattr(response, name) != value for name, value in fields.items()):
            old = history.snapshot(response)
            for name, value in fields.items():
                setattr(response, name, value)
            response.entered_by, response.entered_at = user, timezone.now()
            response.save()
            history.changed(user, response, old, reason="the same week entered again")
    return response


def record_blinding_guess(
    user: Any, enrolment: Enrolment, period: int, guess: str
) -> BlindingGuess:
    """What the participant thinks a period was, asked from its last day until unblinding."""
    _open_diary(user, enrolment)
    if guess not in Guess.values:
        raise EntryError(f"the guess must be one of {', '.join(Guess.values)}")
    schedule = enrolment.schedule()
    if isinstance(period, bool) or not isinstance(period, int):
        raise EntryError("the period must be a whole number")
    if not 1 <= period <= len(schedule.periods):
        raise EntryError(f"there is no period {period}")
    last = schedule.periods[period - 1].last
    if clock.today() < last:
        raise WorkflowError(f"period {period} ends on {last.isoformat()}; the guess comes then")
    if (
        full_unblinding(enrolment) is not None
        or enrolment.unblindings.filter(period=period, outcome="revealed").exists()
    ):
        raise WorkflowError("this period has been unblinded; a guess now would mean nothing")
    with transaction.atomic():
        row = (
            BlindingGuess.objects.select_for_update()
            .filter(enrolment=enrolment, period=period)
            .first()
        )
        if row is None:
            row = BlindingGuess.objects.create(
                enrolment=enrolment,
                period=period,
                guess=guess,
                asked_on=last,
                entered_by=user,
                entered_at=timezone.now(),
                created_by=user,
            )
            history.created(user, row)
        elif row.guess != guess:
            old = history.snapshot(row)
            row.guess, row.entered_by, row.entered_at = guess, user, timezone.now()
            row.save()
            history.changed(user, row, old, reason="guess changed")
    return row
