"""The private calendar feed: no sign-in, a random revocable token, no allocation in it."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.urls import reverse
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    day,
    enrolment,
    leaks,
    today,
    trial,
)

from nof1.web.participant.reminders import change_preference
from nof1.web.trials.services import withdraw

pytestmark = pytest.mark.django_db


def feed(token):
    return reverse("participant:calendar_feed", args=[token])


@pytest.fixture
def token(enrolment):
    return change_preference(enrolment, "new_feed").feed_token


def test_the_feed_is_an_icalendar_of_the_schedule_without_signing_in(client, enrolment, token):
    response = client.get(feed(token))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR") and "Daily diary" in body
    unfolded = body.replace("\r\n ", "")
    for code in enrolment.kit_codes:
        assert f"Start kit {code}" in unfolded
    assert not leaks(enrolment, unfolded)
    assert "placebo" not in unfolded.lower() and "mg" not in unfolded.lower().split()


def test_a_wrong_or_revoked_token_is_not_found(client, enrolment, token):
    assert client.get(feed("not-the-token")).status_code == 404
    assert client.get(feed(token[:-1])).status_code == 404
    change_preference(enrolment, "revoke_feed")
    assert client.get(feed(token)).status_code == 404


def test_while_paused_the_feed_is_an_empty_calendar(client, enrolment, token):
    change_preference(enrolment, "pause")
    body = client.get(feed(token)).content.decode()
    assert "BEGIN:VCALENDAR" in body and "VEVENT" not in body


def test_after_withdrawal_the_feed_is_empty(client, clinician, enrolment, token, today):
    today.set(day(20))
    withdraw(clinician, enrolment, "moved away")
    body = client.get(feed(token)).content.decode()
    assert "VEVENT" not in body


def test_it_is_read_only(client, token):
    assert client.post(feed(token)).status_code == 405
