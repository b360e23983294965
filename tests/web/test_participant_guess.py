"""The blinding guess at the end of each period: active, placebo or don't know."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    HTMX,
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

from nof1.web.diary.models import BlindingGuess
from nof1.web.trials.services import unblind

pytestmark = pytest.mark.django_db

QUESTION = "Which do you think you took in the period that just ended?"
PERIOD_1_ENDS = day(14 + 28)


def test_nothing_is_asked_before_a_period_ends(pat, enrolment, today):
    today.set(PERIOD_1_ENDS - dt.timedelta(days=1))
    page = pat.get(url("guess", enrolment)).content.decode()
    assert QUESTION not in page and "Nothing to answer now." in page
    assert not leaks(enrolment, page)


def test_on_the_last_day_of_a_period_it_asks_with_three_choices(pat, enrolment, today):
    today.set(PERIOD_1_ENDS)
    page = pat.get(url("guess", enrolment)).content.decode()
    assert QUESTION in page and "Period 1 ends today." in page
    choices = (("active", "Active"), ("placebo", "Placebo"), ("dont_know", "Don&#x27;t know"))
    for value, label in choices:
        assert f'name="guess" value="{value}"' in page and label in page
    assert '<input type="hidden" name="period" value="1">' in page
    # the only blinding word here is the answer "placebo": no arm id, label or dose
    assert leaks(enrolment, page) == ["placebo"]


def test_the_guess_is_saved_and_the_question_goes_away(pat, participant, enrolment, today):
    today.set(PERIOD_1_ENDS)
    response = pat.post(url("guess", enrolment), {"period": "1", "guess": "dont_know"})
    page = response.content.decode()
    assert response.status_code == 200 and "Saved. Thank you." in page
    assert QUESTION not in page and "placebo" not in page.lower()
    row = BlindingGuess.objects.get(enrolment=enrolment)
    assert (row.period, row.guess, row.entered_by) == (1, "dont_know", participant)


def test_a_missed_guess_is_still_asked_later_with_its_date(pat, enrolment, today):
    today.set(day(14 + 28 + 5))
    page = pat.get(url("guess", enrolment)).content.decode()
    assert "Period 1 ended on" in page and QUESTION in page


def test_a_period_not_yet_ended_cannot_be_guessed(pat, enrolment, today):
    today.set(PERIOD_1_ENDS)
    response = pat.post(url("guess", enrolment), {"period": "2", "guess": "active"})
    assert response.status_code == 400 and "not open now" in response.content.decode()
    response = pat.post(url("guess", enrolment), {"period": "1", "guess": "maybe"}, **HTMX)
    assert response.status_code == 200 and "choose one" in response.content.decode()
    assert not BlindingGuess.objects.exists()


def test_after_unblinding_nothing_is_asked(pat, clinician, enrolment, today):
    today.set(enrolment.schedule().end + dt.timedelta(days=1))
    unblind(clinician, enrolment, "end of trial")
    page = pat.get(url("guess", enrolment)).content.decode()
    assert QUESTION not in page


def test_a_carer_can_answer(client_for, carer, enrolment, today):
    today.set(PERIOD_1_ENDS)
    client_for(carer).post(url("guess", enrolment), {"period": "1", "guess": "active"})
    assert BlindingGuess.objects.get().entered_by == carer


def test_another_participants_question_is_not_found(pat, other_enrolment, today):
    today.set(PERIOD_1_ENDS)
    assert pat.get(url("guess", other_enrolment)).status_code == 404
    response = pat.post(url("guess", other_enrolment), {"period": "1", "guess": "active"}, **HTMX)
    assert response.status_code == 404
    assert not BlindingGuess.objects.exists()


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    for person in (clinician, pharmacist):
        assert client_for(person).get(url("guess", enrolment)).status_code == 403


def test_a_post_without_a_csrf_token_is_refused(client_for, participant, enrolment, today):
    today.set(PERIOD_1_ENDS)
    client = client_for(participant, enforce_csrf_checks=True)
    response = client.post(url("guess", enrolment), {"period": "1", "guess": "active"})
    assert response.status_code == 403
    assert not BlindingGuess.objects.exists()
