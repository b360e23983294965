"""`nof1 web seed_demo`: demo accounts, one trial in progress and one completed and unblinded.

For `make run` only: every account gets a fresh random password, printed once. The diary
values are simulated (fatigue about 1.5 points lower on LDN after the washout, day-to-day
noise), illustrative numbers, not clinical facts. Everything goes through the same services
as real use, so the demo is audited like any trial.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Iterator
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand
from django.db import transaction

from nof1.web.accounts.models import Role, User
from nof1.web.diary.services import submit_day
from nof1.web.trials import clock
from nof1.web.trials.models import Trial
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    confirm_dispensed,
    create_trial,
    enrol,
    kit_sheet_rows,
    open_trial,
    record_consent,
    screen_participant,
    unblind,
)

DEMO_TITLE = "Demo: LDN 4.5 mg against placebo"
CONSENT = (
    "I agree to take part in this blinded n-of-1 trial of low-dose naltrexone. I understand that "
    "I will take identical capsules in periods chosen at random, that I can stop at any time, "
    "and that my pseudonymised data may be pooled with other trials."
)
CLEAR = {"alt_iu_per_l": 21, "ast_iu_per_l": 19, "pregnant": False, "breastfeeding": False}
ACCOUNTS = [
    ("demo-clinician", Role.CLINICIAN, "Dr Demo"),
    ("demo-pharmacist", Role.PHARMACIST, "Demo Pharmacy"),
    ("demo-researcher", Role.RESEARCHER, "Demo Researcher"),
    ("demo-admin", Role.ADMIN, "Demo Admin"),
    ("demo-participant", Role.PARTICIPANT, "Alex (trial in progress)"),
    ("demo-finished", Role.PARTICIPANT, "Sam (trial completed)"),
]


@contextlib.contextmanager
def on_day(day: dt.date) -> Iterator[None]:
    """The services' today, moved to `day` while the demo's past is written."""
    real = clock.today
    clock.today = lambda: day  # type: ignore[assignment]
    try:
        yield
    finally:
        clock.today = real  # type: ignore[assignment]


class Command(BaseCommand):
    help = "Create demo accounts and two demo trials (idempotent; prints the logins)."

    def handle(self, *args: Any, **options: Any) -> None:
        passwords = {}
        with transaction.atomic():
            users = {}
            for username, role, name in ACCOUNTS:
                user = User.objects.filter(username=username).first()
                if user is None:
                    user = User.objects.create_user(
                        username=username,
                        role=role,
                        display_name=name,
                        email=f"{username}@example.org",
                    )
                passwords[username] = secrets.token_urlsafe(9)
                user.set_password(passwords[username])
                user.save()
                users[username] = user
            if not Trial.objects.filter(title=DEMO_TITLE).exists():
                self._trials(users)
        self.stdout.write(
            "Demo logins (new passwords each run; staff set up two-factor login "
            "with an authenticator app at first sign-in):"
        )
        for username, role, _ in ACCOUNTS:
            self.stdout.write(f"  {role:<12} {username:<18} {passwords[username]}")

    def _trials(self, users: dict[str, User]) -> None:
        clinician, pharmacist = users["demo-clinician"], users["demo-pharmacist"]
        today = clock.today()
        trial = create_trial(
            clinician, template_name="ldn-mecfs-standard", pharmacist=pharmacist, title=DEMO_TITLE
        )
        add_consent_version(clinician, trial, CONSENT)
        open_trial(clinician, trial)
        total = trial.protocol.total_days
        rng = np.random.default_rng(20261125)
        self._participant(
            trial,
            clinician,
            pharmacist,
            users["demo-finished"],
            today - dt.timedelta(days=total + 3),
            rng,
            finish=True,
        )
        self._participant(
            trial,
            clinician,
            pharmacist,
            users["demo-participant"],
            today - dt.timedelta(days=60),
            rng,
            finish=False,
        )

    def _participant(
        self,
        trial: Trial,
        clinician: User,
        pharmacist: User,
        person: User,
        start: dt.date,
        rng: np.random.Generator,
        *,
        finish: bool,
    ) -> None:
        today = clock.today()
        with on_day(start):
            enrolment = add_participant(clinician, trial, person, start)
            screen_participant(clinician, enrolment, **CLEAR)
            record_consent(person, enrolment, trial.consent_versions.get())
            enrolment = enrol(clinician, enrolment)
            arm_of_kit = {row["kit"]: row["arm"] for row in kit_sheet_rows(pharmacist, enrolment)}
            for kit in enrolment.kits.all():
                confirm_dispensed(pharmacist, kit)
        noise = 0.0
        for day in enrolment.schedule():
            if day.date >= today:
                break
            noise = 0.5 * noise + rng.normal(0, 1.0)
            if rng.random() < 0.08:
                continue  # a missed day costs nothing
            with on_day(day.date):
                if rng.random() < 0.03:
                    submit_day(person, enrolment, day.date, too_unwell=True)
                    continue
                on_drug = day.kit is not None and arm_of_kit[day.kit] != "placebo"
                effect = -1.5 if on_drug and (day.day_of_period or 0) > 7 else 0.0
                fatigue = _score(6.0 + effect + noise)
                submit_day(
                    person,
                    enrolment,
                    day.date,
                    values={"fatigue": fatigue, "pain": int(np.clip(round(4 + noise), 0, 10))},
                    dose_taken="yes" if day.kit else "unknown",
                )
        if finish:
            unblind(clinician, enrolment, "demo: end of trial")


def _score(value: float) -> int:
    return int(np.clip(round(value), 0, 10))
