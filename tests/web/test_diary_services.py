"""The diary services: one entry per day, carers, "too unwell", backfill, kits, guesses, table.

`clock.today` is moved with monkeypatch; the participant is enrolled (randomised) in the
standard LDN protocol starting on START: a 14-day run-in, then six 28-day periods.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.core.exceptions import PermissionDenied
from personas import make_user

from nof1.protocol import load_template
from nof1.web.accounts.models import Role
from nof1.web.audit.models import Action, AuditEvent
from nof1.web.diary.models import DiaryEntry, EntryStatus
from nof1.web.diary.services import (
    daily_table,
    kit_for_day,
    record_blinding_guess,
    submit_day,
    submit_weekly,
)
from nof1.web.trials import clock
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import EnrolmentStatus
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    add_proxy,
    create_trial,
    enrol,
    open_trial,
    record_consent,
    revoke_proxy,
    screen_participant,
    unblind,
)

pytestmark = pytest.mark.django_db

PROTOCOL = load_template("ldn-mecfs-standard")
START = dt.date(2026, 3, 2)
CLEAR = {"alt_iu_per_l": 20, "ast_iu_per_l": 22, "pregnant": False, "breastfeeding": False}
GOOD_DAY = {"fatigue": 4, "pain": 2, "brain_fog": 3}


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The services' today (START unless moved with `today.set`)."""

    class Today:
        value = START

        def set(self, when: dt.date) -> None:
            self.value = when

    holder = Today()
    monkeypatch.setattr(clock, "today", lambda: holder.value)
    return holder


@pytest.fixture
def enrolment(clinician, pharmacist, participant):
    trial = create_trial(clinician, template_name="ldn-mecfs-standard", pharmacist=pharmacist)
    version = add_consent_version(clinician, trial, "I agree.")
    open_trial(clinician, trial)
    enrolment = add_participant(clinician, trial, participant, START)
    screen_participant(clinician, enrolment, **CLEAR)
    record_consent(participant, enrolment, version)
    return enrol(clinician, enrolment)


def day(n: int) -> dt.date:
    """Trial day n (1 = START)."""
    return START + dt.timedelta(days=n - 1)


def test_submitting_the_same_day_twice_keeps_one_entry_and_audits_the_change(
    participant, enrolment
):
    first = submit_day(participant, enrolment, START, values=GOOD_DAY, dose_taken="yes")
    again = submit_day(participant, enrolment, START, values={**GOOD_DAY, "fatigue": 7})
    assert again.pk == first.pk
    assert DiaryEntry.objects.filter(enrolment=enrolment, day=START).count() == 1
    assert again.values["fatigue"] == 7 and again.dose_taken == "unknown"
    change = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(first.pk))
    assert change.old["values"]["fatigue"] == 4 and change.new["values"]["fatigue"] == 7
    assert change.actor == participant

    submit_day(participant, enrolment, START, values={**GOOD_DAY, "fatigue": 7})
    assert AuditEvent.objects.filter(object_id=str(first.pk)).count() == 2  # nothing changed


def test_the_first_entry_makes_the_trial_active(participant, enrolment):
    assert enrolment.status == EnrolmentStatus.ENROLLED
    submit_day(participant, enrolment, START, values=GOOD_DAY)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_a_carer_enters_on_the_participants_behalf_and_is_named(participant, enrolment):
    carer = make_user(Role.PARTICIPANT, display_name="Sam (carer)")
    with pytest.raises(PermissionDenied):
        submit_day(carer, enrolment, START, values=GOOD_DAY)
    proxy = add_proxy(participant, enrolment, carer)
    entry = submit_day(carer, enrolment, START, values=GOOD_DAY)
    assert entry.entered_by == carer
    entry = submit_day(participant, enrolment, START, values={**GOOD_DAY, "pain": 5})
    assert entry.entered_by == participant
    change = AuditEvent.objects.get(action=Action.UPDATE, object_id=str(entry.pk))
    assert change.old["entered_by"] == str(carer.pk)
    assert change.new["entered_by"] == str(participant.pk)

    revoke_proxy(participant, proxy)
    with pytest.raises(PermissionDenied):
        submit_day(carer, enrolment, START, values=GOOD_DAY)


def test_another_participant_cannot_write_or_read_this_diary(
    other_participant, other_clinician, enrolment
):
    with pytest.raises(PermissionDenied):
        submit_day(other_participant, enrolment, START, values=GOOD_DAY)
    with pytest.raises(PermissionDenied):
        kit_for_day(other_participant, enrolment, START)
    with pytest.raises(PermissionDenied):
        daily_table(other_clinician, enrolment, after_unblinding=False)


def test_too_unwell_is_missing_in_the_table_never_a_value(clinician, participant, enrolment, today):
    today.set(day(2))
    submit_day(participant, enrolment, day(1), values=GOOD_DAY)
    entry = submit_day(
        participant, enrolment, day(2), values={"fatigue": 0}, too_unwell=True, crash_today=True
    )
    assert entry.status == EntryStatus.TOO_UNWELL
    assert all(value is None for value in entry.values.values())

    table = daily_table(clinician, enrolment, after_unblinding=False)
    assert len(table) == 2 and "arm" not in table.columns and "dose_mg" not in table.columns
    assert table.loc[0, "fatigue"] == 4
    assert math.isnan(table.loc[1, "fatigue"])
    assert table.loc[1, "diary"] == "too_unwell" and table.loc[1, "crash_today"] == 1.0

    today.set(enrolment.schedule().end + dt.timedelta(days=1))
    unblind(clinician, enrolment, "end of trial")
    table = daily_table(clinician, enrolment)
    assert len(table) == PROTOCOL.total_days
    assert math.isnan(table.loc[1, "fatigue"]) and table.loc[0, "fatigue"] == 4
    assert table["fatigue"].notna().sum() == 1  # days never logged are missing too
    assert set(table.loc[table["period"] == 0, "arm"]) == {"run-in"}


def test_backfill_is_flagged_inside_the_window_and_refused_outside(participant, enrolment, today):
    today.set(day(10))
    assert enrolment.trial.backfill_days == 3
    late = submit_day(participant, enrolment, day(7), values=GOOD_DAY)
    assert late.backfilled
    assert not submit_day(participant, enrolment, day(10), values=GOOD_DAY).backfilled
    with pytest.raises(EntryError, match="3 days"):
        submit_day(participant, enrolment, day(6), values=GOOD_DAY)
    with pytest.raises(EntryError, match="future"):
        submit_day(participant, enrolment, day(11), values=GOOD_DAY)
    today.set(START)
    with pytest.raises(EntryError, match="outside the trial"):
        submit_day(participant, enrolment, START - dt.timedelta(days=1), values=GOOD_DAY)


def test_ratings_and_checklists_outside_the_protocol_are_refused(participant, enrolment):
    for values in ({"fatigue": 11}, {"fatigue": -1}, {"fatigue": True}, {"mood": 3}):
        with pytest.raises(EntryError):
            submit_day(participant, enrolment, START, values=values)
    with pytest.raises(EntryError, match="checklist"):
        submit_day(participant, enrolment, START, values=GOOD_DAY, side_effects=["hiccups"])
    with pytest.raises(EntryError, match="exertion"):
        submit_day(participant, enrolment, START, values=GOOD_DAY, exertion_yesterday=12)
    with pytest.raises(EntryError, match="200"):
        submit_day(participant, enrolment, START, values=GOOD_DAY, infection="x" * 201)
    entry = submit_day(
        participant,
        enrolment,
        START,
        values=GOOD_DAY,
        side_effects=["nausea", "vivid_dreams", "nausea"],
        exertion_yesterday=6,
        other_medicines="  ibuprofen 200  ",
    )
    assert entry.side_effects == ["vivid_dreams", "nausea"]  # checklist order, once each
    assert entry.other_medicines == "ibuprofen 200"
    assert entry.values["unrefreshing_sleep"] is None  # skipped, not zero


def test_todays_kit_is_a_code_and_never_an_arm(participant, pharmacist, enrolment):
    assert kit_for_day(participant, enrolment, day(14)) is None  # the run-in
    codes = enrolment.kit_codes
    assert kit_for_day(participant, enrolment, day(15)) == codes[0]
    assert kit_for_day(pharmacist, enrolment, day(15 + 28)) == codes[1]
    for code in codes:
        assert PROTOCOL.blinding_leaks(code) == []
    with pytest.raises(EntryError, match="outside"):
        kit_for_day(participant, enrolment, day(PROTOCOL.total_days + 1))


def test_the_daily_table_is_refused_before_unblinding(
    clinician, participant, researcher, enrolment, today
):
    today.set(START - dt.timedelta(days=1))
    empty = daily_table(clinician, enrolment, after_unblinding=False)
    assert empty.empty and "fatigue" in empty.columns and "arm" not in empty.columns
    today.set(START)
    submit_day(participant, enrolment, START, values=GOOD_DAY)
    with pytest.raises(WorkflowError, match="unblinded"):
        daily_table(clinician, enrolment)
    for user in (participant, researcher):  # no trends or tables during the trial
        with pytest.raises(PermissionDenied):
            daily_table(user, enrolment, after_unblinding=False)
    with pytest.raises(PermissionDenied):
        daily_table(researcher, enrolment)  # not completed: nothing to export


def test_weekly_scores_land_on_the_last_day_of_their_week(clinician, participant, enrolment, today):
    with pytest.raises(EntryError, match="future"):
        submit_weekly(participant, enrolment, START, "promis_fatigue", 60.0)
    today.set(day(7))
    with pytest.raises(EntryError, match="weekly"):
        submit_weekly(participant, enrolment, START, "fatigue", 6)
    with pytest.raises(EntryError, match="day 1, 8, 15"):
        submit_weekly(participant, enrolment, day(2), "promis_fatigue", 60.0)
    with pytest.raises(EntryError, match="range"):
        submit_weekly(participant, enrolment, START, "promis_fatigue", 160.0)
    first = submit_weekly(participant, enrolment, START, "promis_fatigue", 60.0)
    again = submit_weekly(participant, enrolment, START, "promis_fatigue", 58.5)
    assert first.pk == again.pk and again.score == 58.5
    table = daily_table(clinician, enrolment, after_unblinding=False)
    assert len(table) == 7 and table["promis_fatigue"].iloc[6] == 58.5
    assert table["promis_fatigue"].isna().sum() == 6


def test_the_blinding_guess_comes_at_the_end_of_the_period_and_before_unblinding(
    clinician, participant, enrolment, today
):
    period_1 = enrolment.schedule().periods[0]
    today.set(period_1.last - dt.timedelta(days=1))
    with pytest.raises(WorkflowError, match="ends on"):
        record_blinding_guess(participant, enrolment, 1, "active")
    today.set(period_1.last)
    with pytest.raises(EntryError):
        record_blinding_guess(participant, enrolment, 1, "ldn")
    guess = record_blinding_guess(participant, enrolment, 1, "dont_know")
    assert guess.asked_on == period_1.last
    guess = record_blinding_guess(participant, enrolment, 1, "placebo")
    assert guess.guess == "placebo"
    assert AuditEvent.objects.filter(object_id=str(guess.pk)).count() == 2

    unblind(clinician, enrolment, "rash", period=1)
    with pytest.raises(WorkflowError, match="unblinded"):
        record_blinding_guess(participant, enrolment, 1, "active")


def test_the_diary_closes_when_the_participant_withdraws(participant, enrolment):
    from nof1.web.trials.services import withdraw

    withdraw(participant, enrolment)
    with pytest.raises(WorkflowError, match="during the trial"):
        submit_day(participant, enrolment, START, values=GOOD_DAY)
