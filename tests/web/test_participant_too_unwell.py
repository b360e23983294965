"""One tap, "too unwell to log": recorded as a missing day, never as a good one."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    GOOD_DAY,
    HTMX,
    START,
    carer,
    day,
    enrolment,
    other_enrolment,
    pat,
    today,
    trial,
    url,
)

from nof1.web.diary.models import DiaryEntry, EntryStatus

pytestmark = pytest.mark.django_db


def unwell(enrolment, when=START):
    return url("too_unwell", enrolment, when.isoformat())


def test_one_tap_records_the_day_as_missing(pat, participant, enrolment):
    response = pat.post(unwell(enrolment))
    assert response.status_code == 302
    entry = DiaryEntry.objects.get(enrolment=enrolment, day=START)
    assert entry.status == EntryStatus.TOO_UNWELL and entry.entered_by == participant
    assert all(value is None for value in entry.values.values())
    page = pat.get(response["Location"]).content.decode()
    assert "Noted: too unwell to log." in page and "A missed day costs nothing." in page


def test_it_replaces_ratings_already_given_that_day(pat, enrolment):
    pat.post(url("today", enrolment), GOOD_DAY)
    pat.post(unwell(enrolment))
    entry = DiaryEntry.objects.get(enrolment=enrolment)
    assert entry.status == EntryStatus.TOO_UNWELL and entry.values["fatigue"] is None


def test_with_htmx_it_answers_with_the_note_alone(pat, enrolment):
    response = pat.post(unwell(enrolment), **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page
    assert "Noted: too unwell to log." in page and "data-draft-clear" in page


def test_a_past_day_can_be_marked_inside_the_window_only(pat, enrolment, today):
    today.set(day(10))
    pat.post(unwell(enrolment, day(9)))
    assert DiaryEntry.objects.get(enrolment=enrolment).backfilled
    response = pat.post(unwell(enrolment, day(5)))
    assert "can no longer be filled in" in response.content.decode()
    assert DiaryEntry.objects.count() == 1


def test_a_carer_can_tap_it(client_for, carer, enrolment):
    client_for(carer).post(unwell(enrolment))
    assert DiaryEntry.objects.get(enrolment=enrolment).entered_by == carer


def test_it_is_a_post_only(pat, enrolment):
    assert pat.get(unwell(enrolment)).status_code == 405
    assert not DiaryEntry.objects.exists()


def test_another_participants_day_is_not_found(pat, other_enrolment):
    assert pat.post(unwell(other_enrolment)).status_code == 404
    assert pat.post(unwell(other_enrolment), **HTMX).status_code == 404
    assert not DiaryEntry.objects.exists()


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    for person in (clinician, pharmacist):
        assert client_for(person).post(unwell(enrolment)).status_code == 403
    assert not DiaryEntry.objects.exists()


def test_a_post_without_a_csrf_token_is_refused(client_for, participant, enrolment):
    client = client_for(participant, enforce_csrf_checks=True)
    assert client.post(unwell(enrolment)).status_code == 403
    assert not DiaryEntry.objects.exists()
