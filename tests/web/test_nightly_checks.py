"""`nof1 web nightly_checks`: missing days, low adherence and opioids raise alerts once a day."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from nof1.web.diary.services import submit_day
from nof1.web.trials import clock, nightly
from nof1.web.trials.models import Alert, AlertKind
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    create_trial,
    enrol,
    open_trial,
    record_consent,
    screen_participant,
)

pytestmark = pytest.mark.django_db

START = dt.date(2026, 3, 2)
CLEAR = {"alt_iu_per_l": 20, "ast_iu_per_l": 22, "pregnant": False, "breastfeeding": False}


@pytest.fixture
def move(monkeypatch):
    def to(day: dt.date) -> None:
        monkeypatch.setattr(clock, "today", lambda: day)

    to(START)
    return to


@pytest.fixture
def enrolment(move, clinician, pharmacist, participant):
    clinician.email = "dr@example.org"
    clinician.save()
    trial = create_trial(clinician, template_name="ldn-mecfs-standard", pharmacist=pharmacist)
    add_consent_version(clinician, trial, "I agree to take part.")
    open_trial(clinician, trial)
    enrolment = add_participant(clinician, trial, participant, START)
    screen_participant(clinician, enrolment, **CLEAR)
    record_consent(participant, enrolment, trial.consent_versions.get())
    return enrol(clinician, enrolment)


def log(move, participant, enrolment, day, **fields):
    move(day)
    submit_day(participant, enrolment, day, values={"fatigue": 5}, **fields)


def test_three_silent_days_raise_one_alert_and_one_email(move, participant, enrolment):
    log(move, participant, enrolment, START)
    move(START + dt.timedelta(days=5))
    out = StringIO()
    call_command("nightly_checks", stdout=out)
    call_command("nightly_checks", stdout=StringIO())  # twice on a day adds nothing
    assert [a.kind for a in Alert.objects.all()] == [AlertKind.MISSING_DAYS]
    assert "1 new alert" in out.getvalue()
    assert len(mail.outbox) == 1 and enrolment.pseudonym in mail.outbox[0].body


def test_a_too_unwell_day_counts_as_logged(move, participant, enrolment):
    for k in range(4):
        move(START + dt.timedelta(days=k))
        submit_day(participant, enrolment, START + dt.timedelta(days=k), too_unwell=True)
    assert nightly.findings(enrolment, START + dt.timedelta(days=4)) == []


def test_capsules_often_not_taken_raise_an_adherence_alert(move, participant, enrolment):
    for k in range(5):
        log(move, participant, enrolment, START + dt.timedelta(days=k),
            dose_taken="no" if k % 2 == 0 else "yes")
    kinds = [f.kind for f in nightly.findings(enrolment, START + dt.timedelta(days=5))]
    assert kinds == [AlertKind.LOW_ADHERENCE]


def test_an_opioid_in_the_diary_notes_raises_a_pause_alert_with_its_source(
    move, participant, enrolment
):
    log(move, participant, enrolment, START + dt.timedelta(days=1),
        other_medicines="co-codamol for a toothache")
    [finding] = nightly.findings(enrolment, START + dt.timedelta(days=2))
    assert finding.kind == AlertKind.OPIOID
    assert "codeine" in finding.message and "label" in finding.source.lower()


def test_a_medicine_that_may_contain_an_opioid_raises_a_review_alert(
    move, participant, enrolment
):
    log(move, participant, enrolment, START + dt.timedelta(days=1),
        other_medicines="loperamide for a stomach bug")
    [finding] = nightly.findings(enrolment, START + dt.timedelta(days=2))
    assert finding.kind == AlertKind.OPIOID_REVIEW
    assert "loperamide" in finding.message and "clinician reviews it" in finding.message
    assert finding.source
    created = nightly.run(START + dt.timedelta(days=2))
    assert [a.get_kind_display() for a in created] == ["A medicine that may contain an opioid"]


def test_a_clear_opioid_wins_over_a_possible_one(move, participant, enrolment):
    log(move, participant, enrolment, START + dt.timedelta(days=1), other_medicines="Imodium")
    log(move, participant, enrolment, START + dt.timedelta(days=2), other_medicines="tramadol")
    [finding] = nightly.findings(enrolment, START + dt.timedelta(days=3))
    assert finding.kind == AlertKind.OPIOID and "tramadol" in finding.message


def test_a_medicine_the_table_does_not_know_raises_nothing(move, participant, enrolment):
    log(move, participant, enrolment, START + dt.timedelta(days=1), other_medicines="sertraline")
    assert nightly.findings(enrolment, START + dt.timedelta(days=2)) == []


def test_nothing_is_checked_before_the_trial_starts_or_for_other_statuses(enrolment):
    assert nightly.findings(enrolment, START) == []
    enrolment.status = "withdrawn"
    enrolment.save()
    assert nightly.run(START + dt.timedelta(days=10)) == []


def test_the_clinician_dashboard_lists_the_nightly_alerts(
    move, participant, enrolment, client_for, clinician
):
    move(START + dt.timedelta(days=5))
    nightly.run(START + dt.timedelta(days=5))
    page = client_for(clinician).get(f"/clinic/participants/{enrolment.pk}/monitoring/")
    assert page.status_code == 200
    assert b"From the nightly checks" in page.content
    assert b"Diary not logged for several days" in page.content
