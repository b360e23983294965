"""The weekly questionnaire: a score with its label when a trial week has ended."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    HTMX,
    START,
    day,
    enrolment,
    leaks,
    other_enrolment,
    pat,
    today,
    trial,
    url,
)

from nof1.web.diary.models import WeeklyResponse

pytestmark = pytest.mark.django_db

ITEM = f"promis_fatigue:{START.isoformat()}"


def test_nothing_is_due_in_the_first_week(pat, enrolment):
    page = pat.get(url("weekly", enrolment)).content.decode()
    assert "No questionnaire is due now." in page and 'name="score"' not in page


def test_at_the_end_of_a_week_it_asks_for_the_score_with_its_label(pat, enrolment, today):
    today.set(day(7))
    page = pat.get(url("weekly", enrolment)).content.decode()
    assert "PROMIS Fatigue 7a" in page and "PROMIS Health Organization" in page
    assert f'name="item" value="{ITEM}"' in page and 'name="score"' in page
    assert "0 to 100, T-score" in page
    assert not leaks(enrolment, page)


def test_a_score_is_saved_for_its_week(pat, participant, enrolment, today):
    today.set(day(8))
    response = pat.post(url("weekly", enrolment), {"item": ITEM, "score": "57.5"})
    assert response.status_code == 200 and "Saved. Thank you." in response.content.decode()
    saved = WeeklyResponse.objects.get(enrolment=enrolment)
    assert (saved.week_start, saved.instrument, saved.score) == (START, "promis_fatigue", 57.5)
    assert saved.entered_by == participant
    assert "No questionnaire" not in response.content.decode()
    assert 'name="score"' not in response.content.decode()


def test_a_score_outside_the_range_or_not_a_number_is_refused(pat, enrolment, today):
    today.set(day(7))
    response = pat.post(url("weekly", enrolment), {"item": ITEM, "score": "150"})
    assert response.status_code == 400 and "outside" in response.content.decode()
    response = pat.post(url("weekly", enrolment), {"item": ITEM, "score": "lots"}, **HTMX)
    assert response.status_code == 200 and "as a number" in response.content.decode()
    assert not WeeklyResponse.objects.exists()


def test_a_week_not_open_now_is_refused(pat, enrolment, today):
    today.set(day(7))
    other = f"promis_fatigue:{day(8).isoformat()}"
    response = pat.post(url("weekly", enrolment), {"item": other, "score": "50"})
    assert "not open now" in response.content.decode()
    assert not WeeklyResponse.objects.exists()


def test_htmx_gets_the_section_alone(pat, enrolment, today):
    today.set(day(7))
    response = pat.post(url("weekly", enrolment), {"item": ITEM, "score": "50"}, **HTMX)
    page = response.content.decode()
    assert "<html" not in page and 'id="weekly-page"' in page


def test_another_participants_questionnaire_is_not_found(pat, other_enrolment, today):
    today.set(day(7))
    assert pat.get(url("weekly", other_enrolment)).status_code == 404
    response = pat.post(url("weekly", other_enrolment), {"item": ITEM, "score": "50"}, **HTMX)
    assert response.status_code == 404
    assert not WeeklyResponse.objects.exists()


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    for person in (clinician, pharmacist):
        assert client_for(person).get(url("weekly", enrolment)).status_code == 403


def test_a_post_without_a_csrf_token_is_refused(client_for, participant, enrolment, today):
    today.set(day(7))
    client = client_for(participant, enforce_csrf_checks=True)
    assert client.post(url("weekly", enrolment), {"item": ITEM, "score": "50"}).status_code == 403
    assert not WeeklyResponse.objects.exists()


def test_looking_changes_nothing(pat, enrolment, today):
    today.set(day(7))
    pat.get(url("weekly", enrolment))
    assert not WeeklyResponse.objects.exists()
