"""Today's kit: the kit code and how many capsules, never an arm or a dose."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.utils.html import escape
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    HTMX,
    START,
    carer,
    day,
    enrolment,
    leaks,
    other_enrolment,
    pat,
    today,
    trial,
    url,
)

from nof1.web.trials.services import withdraw

pytestmark = pytest.mark.django_db


def test_in_a_period_it_shows_the_kit_code_and_the_capsules(pat, enrolment, today):
    codes = enrolment.kit_codes
    today.set(day(15))
    page = pat.get(url("kit", enrolment)).content.decode()
    assert codes[0] in page and "Take 1 capsule at bedtime." in page
    assert "2 capsules a day from the same kit" in page
    today.set(day(14 + 28 + 15))  # period 2, third week
    page = pat.get(url("kit", enrolment)).content.decode()
    assert codes[1] in page and codes[0] not in page and "Take 3 capsules" in page
    assert not leaks(enrolment, page)


def test_it_lists_when_to_contact_the_clinician_without_naming_an_arm(pat, enrolment, today):
    today.set(day(15))
    page = pat.get(url("kit", enrolment)).content.decode()
    assert "When to contact your clinician" in page
    for rule in enrolment.trial.protocol.stopping_rules:
        assert escape(rule.description) in page
    assert "cough, cold or diarrhoea medicines that contain one" in page
    assert not leaks(enrolment, page)


def test_in_the_run_in_there_are_no_capsules_yet(pat, enrolment):
    page = pat.get(url("kit", enrolment)).content.decode()
    assert "No capsules yet" in page and enrolment.kit_codes[0] in page
    assert "Monday 16 March" in page


def test_before_the_start_and_after_the_end(pat, enrolment, today):
    today.set(START.replace(day=1))
    assert "starts on Monday 2 March" in pat.get(url("kit", enrolment)).content.decode()
    end = enrolment.schedule().end
    today.set(end.replace(year=end.year + 1))
    assert "no more capsules" in pat.get(url("kit", enrolment)).content.decode()


def test_after_withdrawal_there_are_no_capsules(pat, clinician, enrolment, today):
    today.set(day(20))
    withdraw(clinician, enrolment, "moved away")
    page = pat.get(url("kit", enrolment)).content.decode()
    assert "no capsules to take" in page and enrolment.kit_codes[0] not in page


def test_before_randomisation_it_says_the_code_comes_later(
    client_for, clinician, trial, other_participant
):
    from nof1.web.trials.services import add_participant

    waiting = add_participant(clinician, trial, other_participant, START)
    page = client_for(other_participant).get(url("kit", waiting)).content.decode()
    assert "once your clinician has started your trial" in page


def test_a_carer_sees_the_kit(client_for, carer, enrolment, today):
    today.set(day(15))
    assert enrolment.kit_codes[0] in client_for(carer).get(url("kit", enrolment)).content.decode()


def test_another_participants_kit_is_not_found(pat, other_enrolment, today):
    today.set(day(15))
    assert pat.get(url("kit", other_enrolment)).status_code == 404
    assert pat.get(url("kit", other_enrolment), **HTMX).status_code == 404


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    for person in (clinician, pharmacist):
        assert client_for(person).get(url("kit", enrolment)).status_code == 403
