"""The world the clinician page tests share: a trial, a participant at each stage, a clock.

No tests here. Plain functions rather than fixtures, so that each test file says what it
builds: `enrolled(clinician, pharmacist, participant)` is a randomised participant of a fresh
open trial of the standard LDN protocol starting on START. The services' today is moved
with `freeze(monkeypatch)`; diary days are written straight to the table (`keep_diary`)
because these tests are about pages, not the diary service.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from django.urls import reverse

from nof1.protocol import Protocol, load_template
from nof1.web.accounts.models import User
from nof1.web.audit.models import AuditEvent
from nof1.web.diary.models import DiaryEntry, EntryStatus
from nof1.web.trials import clock
from nof1.web.trials.models import Enrolment, Trial
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    create_trial,
    enrol,
    open_trial,
    record_consent,
    screen_participant,
    unblind,
)

PROTOCOL = load_template("ldn-mecfs-standard")  # 14-day run-in, 3 pairs of 28-day periods
START = dt.date(2026, 3, 2)
CLEAR = {"alt_iu_per_l": 20, "ast_iu_per_l": 22, "pregnant": False, "breastfeeding": False}
CONSENT = "I agree to take part in this n-of-1 trial. I can stop at any time."
SCRIPT = "<script>alert('x')</script>"
DOSE = re.compile(r"\b\d+(?:\.\d+)?\s*mg\b", re.IGNORECASE)


class Clock:
    """The services' today, moved with `set`."""

    def __init__(self, when: dt.date) -> None:
        self.value = when

    def set(self, when: dt.date) -> None:
        self.value = when

    def __call__(self) -> dt.date:
        return self.value


def freeze(monkeypatch, when: dt.date = START) -> Clock:
    holder = Clock(when)
    monkeypatch.setattr(clock, "today", holder)
    return holder


def url(name: str, *args: object) -> str:
    return reverse(f"clinician:{name}", args=args)


def new_trial(clinician: User, pharmacist: User, *, opened: bool = True) -> Trial:
    trial = create_trial(clinician, template_name="ldn-mecfs-standard", pharmacist=pharmacist)
    add_consent_version(clinician, trial, CONSENT)
    if opened:
        open_trial(clinician, trial)
    return trial


def added(clinician: User, pharmacist: User, participant: User) -> Enrolment:
    return add_participant(clinician, new_trial(clinician, pharmacist), participant, START)


def consented(clinician: User, pharmacist: User, participant: User) -> Enrolment:
    enrolment = added(clinician, pharmacist, participant)
    screen_participant(clinician, enrolment, **CLEAR)
    record_consent(participant, enrolment, enrolment.trial.consent_versions.get())
    enrolment.refresh_from_db()
    return enrolment


def enrolled(clinician: User, pharmacist: User, participant: User) -> Enrolment:
    return enrol(clinician, consented(clinician, pharmacist, participant))


def day(n: int) -> dt.date:
    """Trial day n (1 = START)."""
    return START + dt.timedelta(days=n - 1)


def keep_diary(
    enrolment: Enrolment,
    days: range,
    values: Callable[[int], dict[str, int]],
    **fields: object,
) -> None:
    """One logged diary day for each trial day in `days`, with `values(day)` as ratings."""
    participant = enrolment.participant
    DiaryEntry.objects.bulk_create(
        DiaryEntry(
            enrolment=enrolment,
            day=day(n),
            status=EntryStatus.COMPLETE,
            values=values(n),
            entered_by=participant,
            entered_at=dt.datetime.combine(day(n), dt.time(20), tzinfo=dt.UTC),
            created_by=participant,
            **fields,
        )
        for n in days
    )


def unblinded(clinician: User, enrolment: Enrolment, today: Clock) -> dict[int, str]:
    """Move past the last period and open the allocation; period -> arm id."""
    today.set(enrolment.schedule().end + dt.timedelta(days=1))
    event = unblind(clinician, enrolment, "end of trial")
    return {int(p["period"]): str(p["arm"]) for p in event.revealed["periods"]}


def allocation_words(protocol: Protocol = PROTOCOL) -> list[str]:
    """What no blinded page may contain: the word placebo, each arm's id and label."""
    return ["placebo", *(a.id for a in protocol.arms), *(a.label for a in protocol.arms)]


def assert_blinded(html: str, protocol: Protocol = PROTOCOL) -> None:
    lowered = html.lower()
    for word in allocation_words(protocol):
        assert word.lower() not in lowered, f"the page names {word!r}"
    assert not DOSE.search(html), f"the page shows a dose: {DOSE.search(html)}"
    assert protocol.blinding_leaks(html) == []


def audit_rows() -> int:
    return AuditEvent.objects.count()
