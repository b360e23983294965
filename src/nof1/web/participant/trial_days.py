"""What is due for one enrolment on one day: diary days to fill in, weekly questionnaires,
blinding guesses. Read-only questions the pages ask; the diary services do the writing and
make the final checks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from nof1.protocol import Outcome, Schedule
from nof1.web.diary.models import BlindingGuess, DiaryEntry, WeeklyResponse
from nof1.web.trials.models import Enrolment, EnrolmentStatus
from nof1.web.trials.services.unblinding import full_unblinding

IN_TRIAL = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ACTIVE)
# Consent can be given once screening has passed, and again for a newer text during the trial.
CONSENT_OPEN = (
    EnrolmentStatus.ELIGIBLE,
    EnrolmentStatus.CONSENTED,
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.ACTIVE,
)
WEEK = 7


def schedule_of(enrolment: Enrolment) -> Schedule | None:
    """The blinded schedule, or None before randomisation (no kit codes yet)."""
    return enrolment.schedule() if enrolment.kit_codes else None


def diary_open(enrolment: Enrolment) -> bool:
    return enrolment.status in IN_TRIAL and bool(enrolment.kit_codes)


def can_log(enrolment: Enrolment, day: dt.date, today: dt.date) -> bool:
    """The diary services' window: in the trial, not in the future, within the backfill."""
    schedule = schedule_of(enrolment)
    if schedule is None or enrolment.status not in IN_TRIAL:
        return False
    return (
        schedule.start <= day <= schedule.end
        and day <= today
        and (today - day).days <= enrolment.trial.backfill_days
    )


def logged_days(enrolment: Enrolment, days: list[dt.date]) -> set[dt.date]:
    return set(
        DiaryEntry.objects.filter(enrolment=enrolment, day__in=days).values_list("day", flat=True)
    )


def days_to_backfill(enrolment: Enrolment, today: dt.date) -> list[dt.date]:
    """Past days, newest first, that may still be filled in and have no entry."""
    window = enrolment.trial.backfill_days
    candidates = [today - dt.timedelta(days=n) for n in range(1, window + 1)]
    candidates = [day for day in candidates if can_log(enrolment, day, today)]
    done = logged_days(enrolment, candidates)
    return [day for day in candidates if day not in done]


@dataclass(frozen=True)
class WeeklyDue:
    outcome: Outcome
    week_start: dt.date
    due: dt.date  # the week's last day, when the diary asks

    @property
    def key(self) -> str:
        return f"{self.outcome.id}:{self.week_start.isoformat()}"


def weekly_due(enrolment: Enrolment, today: dt.date) -> list[WeeklyDue]:
    """Weekly questionnaires whose week has ended (within the backfill window), unanswered."""
    schedule = schedule_of(enrolment)
    outcomes = enrolment.trial.protocol.outcomes_by_frequency("weekly")
    if schedule is None or not outcomes or enrolment.status not in IN_TRIAL:
        return []
    answered = set(
        WeeklyResponse.objects.filter(enrolment=enrolment).values_list("instrument", "week_start")
    )
    due = []
    for day in schedule:
        if day.day % WEEK or not can_log(enrolment, day.date, today):
            continue
        week_start = day.date - dt.timedelta(days=WEEK - 1)
        for outcome in outcomes:
            if (outcome.id, week_start) not in answered:
                due.append(WeeklyDue(outcome, week_start, day.date))
    return due


@dataclass(frozen=True)
class GuessDue:
    period: int
    last: dt.date  # the period's last day


def guesses_due(enrolment: Enrolment, today: dt.date) -> list[GuessDue]:
    """Periods that have ended, not yet guessed and not unblinded, oldest first."""
    schedule = schedule_of(enrolment)
    if schedule is None or enrolment.status not in IN_TRIAL:
        return []
    if full_unblinding(enrolment) is not None:
        return []
    guessed = set(
        BlindingGuess.objects.filter(enrolment=enrolment).values_list("period", flat=True)
    )
    opened = set(
        enrolment.unblindings.filter(outcome="revealed", period__isnull=False).values_list(
            "period", flat=True
        )
    )
    return [
        GuessDue(span.period, span.last)
        for span in schedule.periods
        if span.last <= today and span.period not in guessed | opened
    ]
