"""Shared fixtures for the participant pages' tests (imported by each test_participant_* file).

A participant ("Pat") is enrolled and randomised in the standard LDN protocol starting on
START: a 14-day run-in, then six 28-day periods. `today` moves the services' clock.
This module holds no tests of its own; it only builds the world the others test in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from personas import make_user

from nof1.web.accounts.models import Role, User
from nof1.web.diary.models import DiaryEntry, EntryStatus
from nof1.web.trials import clock
from nof1.web.trials.models import Enrolment, Trial
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    add_proxy,
    create_trial,
    enrol,
    open_trial,
    record_consent,
    revealed_arms,
    screen_participant,
    unblind,
)

START = dt.date(2026, 3, 2)
CLEAR = {"alt_iu_per_l": 20, "ast_iu_per_l": 22, "pregnant": False, "breastfeeding": False}
CONSENT = "I agree to take part in this n-of-1 trial. I can stop at any time."
HTMX = {"HTTP_HX_REQUEST": "true"}
GOOD_DAY = {"rate_fatigue": "4", "rate_pain": "2", "rate_brain_fog": "3"}


def day(n: int) -> dt.date:
    """Trial day n (1 = START); day 15 is the first day of period 1."""
    return START + dt.timedelta(days=n - 1)


def url(name: str, enrolment: Enrolment, *args: Any) -> str:
    return reverse(f"participant:{name}", args=[enrolment.pk, *args])


def leaks(enrolment: Enrolment, text: str) -> list[str]:
    """Arm ids or labels, doses, "mg" or "placebo" in `text` (the protocol's own check)."""
    return enrolment.trial.protocol.blinding_leaks(text)


@pytest.fixture(autouse=True)
def today(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The services' today (START unless moved with `today.set`)."""

    class Today:
        value = START

        def set(self, when: dt.date) -> None:
            self.value = when

    holder = Today()
    monkeypatch.setattr(clock, "today", lambda: holder.value)
    return holder


def enrolled(clinician: User, trial: Trial, person: User, start: dt.date = START) -> Enrolment:
    enrolment = add_participant(clinician, trial, person, start)
    screen_participant(clinician, enrolment, **CLEAR)
    record_consent(person, enrolment, trial.consent_versions.get())
    return enrol(clinician, enrolment)


@pytest.fixture
def trial(clinician: User, pharmacist: User) -> Trial:
    trial = create_trial(clinician, template_name="ldn-mecfs-standard", pharmacist=pharmacist)
    add_consent_version(clinician, trial, CONSENT)
    open_trial(clinician, trial)
    return trial


@pytest.fixture
def enrolment(clinician: User, trial: Trial, participant: User) -> Enrolment:
    return enrolled(clinician, trial, participant)


@pytest.fixture
def other_enrolment(clinician: User, trial: Trial, other_participant: User) -> Enrolment:
    return enrolled(clinician, trial, other_participant)


@pytest.fixture
def carer(participant: User, enrolment: Enrolment) -> User:
    carer = make_user(Role.PARTICIPANT, display_name="Sam")
    add_proxy(participant, enrolment, carer)
    return carer


@pytest.fixture
def pat(client_for: Any, participant: User) -> Client:
    """Pat, signed in."""
    return client_for(participant)


def unblinded(clinician: User, enrolment: Enrolment, today: Any, *, effect: float = -2.0) -> None:
    """Every diary day filled in (fatigue `effect` points apart on the active arm after the
    washout, a little noise), then the trial ended and unblinded by the clinician."""
    schedule = enrolment.schedule()
    today.set(schedule.end + dt.timedelta(days=1))
    unblind(clinician, enrolment, "end of trial")
    arms = revealed_arms(enrolment) or {}
    wobble = [0, 1, -1, 1, 0, -1, 0]
    rows = []
    for when in schedule:
        arm = arms.get(when.period) if when.period else None
        active = arm is not None and arm != "placebo" and (when.day_of_period or 0) > 7
        fatigue = 6 + (effect if active else 0) + wobble[when.day % 7]
        rows.append(
            DiaryEntry(
                enrolment=enrolment,
                day=when.date,
                status=EntryStatus.COMPLETE,
                values={"fatigue": int(round(fatigue)), "pain": 3},
                entered_by=enrolment.participant,
                entered_at=dt.datetime.combine(when.date, dt.time(19), tzinfo=dt.UTC),
                created_by=enrolment.participant,
            )
        )
    DiaryEntry.objects.bulk_create(rows)
