"""Reminder settings: pause, e-mail on or off, a private calendar link that can be revoked."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from django.urls import reverse
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    HTMX,
    carer,
    enrolment,
    other_enrolment,
    pat,
    today,
    trial,
    url,
)

from nof1.web.participant.models import ReminderPreference

pytestmark = pytest.mark.django_db


def change(client, enrolment, action, **extra):
    return client.post(url("reminders", enrolment), {"action": action}, **extra)


def test_by_default_reminders_are_on_and_there_is_no_calendar_link(pat, enrolment):
    page = pat.get(url("reminders", enrolment)).content.decode()
    assert "At most one reminder a day" in page
    assert "Pause all reminders" in page and "Turn e-mail reminders off" in page
    assert "Make a calendar link" in page and "/calendar/" not in page
    assert not ReminderPreference.objects.exists()  # reading writes nothing


def test_pausing_and_resuming(pat, enrolment):
    response = change(pat, enrolment, "pause")
    assert "Reminders are paused." in response.content.decode()
    assert ReminderPreference.objects.get(enrolment=enrolment).paused
    change(pat, enrolment, "resume")
    assert not ReminderPreference.objects.get(enrolment=enrolment).paused


def test_turning_email_off_and_on(pat, enrolment):
    change(pat, enrolment, "email_off")
    assert not ReminderPreference.objects.get(enrolment=enrolment).email_enabled
    page = pat.get(url("reminders", enrolment)).content.decode()
    assert "Turn e-mail reminders on" in page
    change(pat, enrolment, "email_on")
    assert ReminderPreference.objects.get(enrolment=enrolment).email_enabled


def test_a_calendar_link_is_made_replaced_and_revoked(pat, enrolment):
    page = change(pat, enrolment, "new_feed").content.decode()
    first = ReminderPreference.objects.get(enrolment=enrolment).feed_token
    assert first and len(first) >= 40
    feed = reverse("participant:calendar_feed", args=[first])
    assert feed in page and "webcal://" in page
    change(pat, enrolment, "new_feed")
    second = ReminderPreference.objects.get(enrolment=enrolment).feed_token
    assert second and second != first
    assert pat.get(feed).status_code == 404  # the old link stopped working
    change(pat, enrolment, "revoke_feed")
    assert ReminderPreference.objects.get(enrolment=enrolment).feed_token is None
    assert pat.get(reverse("participant:calendar_feed", args=[second])).status_code == 404


def test_an_unknown_change_is_refused(pat, enrolment):
    response = change(pat, enrolment, "delete_everything")
    assert response.status_code == 400 and not ReminderPreference.objects.exists()


def test_htmx_gets_the_section_alone(pat, enrolment):
    page = change(pat, enrolment, "pause", **HTMX).content.decode()
    assert "<html" not in page and 'id="reminders-page"' in page


def test_a_carer_can_change_them(client_for, carer, enrolment):
    change(client_for(carer), enrolment, "pause")
    assert ReminderPreference.objects.get(enrolment=enrolment).paused


def test_another_participants_reminders_are_not_found(pat, other_enrolment):
    assert pat.get(url("reminders", other_enrolment)).status_code == 404
    assert change(pat, other_enrolment, "pause", **HTMX).status_code == 404
    assert not ReminderPreference.objects.exists()


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    for person in (clinician, pharmacist):
        assert client_for(person).get(url("reminders", enrolment)).status_code == 403
        assert change(client_for(person), enrolment, "pause").status_code == 403
    assert not ReminderPreference.objects.exists()


def test_a_post_without_a_csrf_token_is_refused(client_for, participant, enrolment):
    client = client_for(participant, enforce_csrf_checks=True)
    assert change(client, enrolment, "pause").status_code == 403
    assert not ReminderPreference.objects.exists()
