"""Builders shared by the research view tests (this module holds no tests of its own).

    pool = build_pool(clinician, pharmacist)  # clock.today must be after the trial's end
    pool.completed, pool.in_progress, pool.withdrawn, pool.people, pool.trial

Each completed participant is enrolled through the services, given a diary for every trial
day (written straight to the table: hundreds of service calls per participant would only
slow the suite down), and unblinded at the end through the services, as a clinician would.
Fatigue is 6 on placebo and 6 + effect on the active arm once the 7-day washout is over;
every tenth day is "too unwell to log".
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import numpy as np
from django.utils import timezone
from personas import make_user

from nof1.web.accounts.models import Role
from nof1.web.diary.models import DiaryEntry, EntryStatus
from nof1.web.trials.models import Enrolment
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    create_trial,
    enrol,
    open_trial,
    record_consent,
    revealed_arms,
    screen_participant,
    unblind,
    withdraw,
)

START = dt.date(2025, 6, 2)
AFTER_THE_END = dt.date(2026, 3, 2)  # after 182 (standard) or 238 (dose-finding) days
CLEAR = {"alt_iu_per_l": 20, "ast_iu_per_l": 22, "pregnant": False, "breastfeeding": False}
CONSENT = "I agree to take part in this n-of-1 trial of low-dose naltrexone."
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Exactly what a research export of ldn-mecfs-standard trials holds, in this order.
STANDARD_COLUMNS = [
    "participant",
    "day",
    "period",
    "pair",
    "arm",
    "dose_mg",
    "fatigue",
    "pain",
    "brain_fog",
    "unrefreshing_sleep",
    "orthostatic",
    "overall",
    "promis_fatigue",
    "diary",
    "dose_taken",
    "exertion_yesterday",
    "crash_today",
    "side_effects",
    "concurrent_change",
    "protocol_id",
    "protocol_version",
    "trial_id",
]


def open_standard_trial(clinician, pharmacist, *, title="", template="ldn-mecfs-standard"):
    trial = create_trial(clinician, template_name=template, pharmacist=pharmacist, title=title)
    add_consent_version(clinician, trial, CONSENT)
    open_trial(clinician, trial)
    return trial


def enrolled(clinician, trial, participant, start=START) -> Enrolment:
    enrolment = add_participant(clinician, trial, participant, start)
    screen_participant(clinician, enrolment, **CLEAR)
    record_consent(participant, enrolment, trial.consent_versions.get())
    return enrol(clinician, enrolment)


def write_diary(enrolment: Enrolment, participant, effect: float, seed: int) -> None:
    """A rated day for every trial day (every tenth one "too unwell"), after unblinding."""
    arms = revealed_arms(enrolment)
    assert arms is not None, "unblind first: the diary follows the revealed arms"
    rng = np.random.default_rng(seed)
    now = timezone.now()
    entries = []
    for day in enrolment.schedule():
        common = {
            "enrolment": enrolment,
            "day": day.date,
            "entered_by": participant,
            "entered_at": now,
            "created_by": participant,
        }
        if day.day % 10 == 0:
            entries.append(DiaryEntry(status=EntryStatus.TOO_UNWELL, values={}, **common))
            continue
        on_drug = day.period is not None and arms[day.period] != "placebo"
        fatigue = 6.0 + (effect if on_drug and day.day_of_period > 7 else 0.0)
        fatigue += rng.normal(0, 1)
        entries.append(
            DiaryEntry(
                status=EntryStatus.COMPLETE,
                values={"fatigue": int(np.clip(round(fatigue), 0, 10)), "pain": 3},
                dose_taken="yes" if day.kit else "unknown",
                exertion_yesterday=4,
                crash_today=False,
                side_effects=["vivid_dreams", "nausea"] if on_drug and day.day % 5 == 0 else [],
                other_medicines="ibuprofen from Dr Secret's clinic" if day.day % 2 else "",
                **common,
            )
        )
    DiaryEntry.objects.bulk_create(entries)


def completed(clinician, trial, participant, *, effect=-2.0, seed=1) -> Enrolment:
    """Enrolled, unblinded at the end (clinic today must be after the end), with a diary."""
    enrolment = enrolled(clinician, trial, participant)
    unblind(clinician, enrolment, "end of trial")
    enrolment.refresh_from_db()
    write_diary(enrolment, participant, effect, seed)
    return enrolment


def build_pool(clinician, pharmacist, effects=(-2.0, -1.5, -2.5)) -> SimpleNamespace:
    """One trial: a completed participant per effect, one still in the trial, one withdrawn.
    Names, e-mails and the trial's title are distinctive so that a leak is easy to find."""
    trial = open_standard_trial(clinician, pharmacist, title="Zelda Quokka's LDN trial")
    people = [
        make_user(Role.PARTICIPANT, display_name=f"{first} Quokka", email=f"{first}@quokka.test")
        for first in ("Zelda", "Yusuf", "Xena", "Wanda", "Viktor")
    ]
    done = [
        completed(clinician, trial, person, effect=effect, seed=i)
        for i, (person, effect) in enumerate(zip(people, effects, strict=False))
    ]
    running = enrolled(clinician, trial, people[3])
    gone = enrolled(clinician, trial, people[4])
    withdraw(clinician, gone, "moved away")
    return SimpleNamespace(
        trial=trial, completed=done, in_progress=running, withdrawn=gone, people=people
    )


def identifying_strings(pool) -> list[str]:
    """What must never reach a researcher: names, user names, e-mails, ids, dates, titles."""
    found = [pool.trial.title, "Quokka", "Dr Secret"]
    for person in pool.people:
        found += [person.display_name, person.username, person.email, str(person.pk)]
    for enrolment in [*pool.completed, pool.in_progress, pool.withdrawn]:
        found += [str(enrolment.pk), enrolment.start_date.isoformat()]
    return found


def add_dose_finding(clinician, pharmacist, pool, *, effect=-2.0) -> Enrolment:
    """A completed participant of a dose-finding trial (placebo, 1.5, 3 and 4.5 mg), pooled
    with the standard ones."""
    trial = open_standard_trial(clinician, pharmacist, template="ldn-mecfs-dose-finding")
    person = make_user(Role.PARTICIPANT, display_name="Ursula Quokka", email="u@quokka.test")
    pool.people.append(person)
    enrolment = completed(clinician, trial, person, effect=effect, seed=99)
    pool.completed.append(enrolment)
    return enrolment
