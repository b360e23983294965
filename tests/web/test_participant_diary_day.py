"""A past day's diary (from the backfill list): flagged as backfilled, only inside the window."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    GOOD_DAY,
    HTMX,
    START,
    day,
    enrolment,
    other_enrolment,
    pat,
    today,
    trial,
    url,
)

from nof1.web.diary.models import DiaryEntry

pytestmark = pytest.mark.django_db


def test_a_past_day_inside_the_window_is_logged_and_flagged(pat, enrolment, today):
    today.set(day(10))
    target = url("diary_day", enrolment, day(8).isoformat())
    page = pat.get(target).content.decode()
    assert "You are filling in a past day" in page and 'name="rate_fatigue"' in page
    assert "Too unwell to log this day" in page
    response = pat.post(target, GOOD_DAY)
    assert response.status_code == 302 and response["Location"] == target
    entry = DiaryEntry.objects.get(enrolment=enrolment)
    assert entry.day == day(8) and entry.backfilled
    assert "Logged. Thank you." in pat.get(target).content.decode()


def test_a_day_outside_the_window_or_in_the_future_cannot_be_logged(pat, enrolment, today):
    today.set(day(10))
    old = pat.get(url("diary_day", enrolment, day(6).isoformat())).content.decode()
    assert "can no longer be filled in" in old and "costs nothing" in old
    assert 'name="rate_fatigue"' not in old
    future = pat.get(url("diary_day", enrolment, day(11).isoformat())).content.decode()
    assert "has not come yet" in future
    pat.post(url("diary_day", enrolment, day(6).isoformat()), GOOD_DAY)
    pat.post(url("diary_day", enrolment, day(11).isoformat()), GOOD_DAY, **HTMX)
    assert not DiaryEntry.objects.exists()


def test_before_the_first_day_the_diary_says_when_it_opens(pat, enrolment, today):
    today.set(START.replace(day=1))
    page = pat.get(url("today", enrolment)).content.decode()
    assert "Your diary opens on Monday 2 March" in page


def test_after_the_last_day_the_diary_is_over(pat, enrolment, today):
    end = enrolment.schedule().end
    today.set(end.replace(year=end.year + 1))
    page = pat.get(url("today", enrolment)).content.decode()
    assert "The diary days of your trial are over" in page


def test_a_date_that_is_not_a_date_is_not_found(pat, enrolment):
    assert pat.get(url("diary_day", enrolment, "yesterday")).status_code == 404
    assert pat.post(url("diary_day", enrolment, "2026-02-30"), GOOD_DAY).status_code == 404


def test_another_participants_day_is_not_found(pat, other_enrolment):
    target = url("diary_day", other_enrolment, START.isoformat())
    assert pat.get(target).status_code == 404
    assert pat.post(target, GOOD_DAY, **HTMX).status_code == 404
    assert not DiaryEntry.objects.exists()


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    target = url("diary_day", enrolment, START.isoformat())
    for person in (clinician, pharmacist):
        assert client_for(person).get(target).status_code == 403


def test_a_post_without_a_csrf_token_is_refused(client_for, participant, enrolment):
    client = client_for(participant, enforce_csrf_checks=True)
    target = url("diary_day", enrolment, START.isoformat())
    assert client.post(target, GOOD_DAY).status_code == 403
    assert not DiaryEntry.objects.exists()
