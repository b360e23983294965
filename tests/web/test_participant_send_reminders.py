"""`send_reminders`: at most one e-mail a day, only when nothing is logged, never when paused."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    START,
    day,
    enrolment,
    leaks,
    other_enrolment,
    today,
    trial,
)

from nof1.web.diary.services import submit_day
from nof1.web.participant.models import ReminderSent
from nof1.web.participant.reminders import change_preference

pytestmark = pytest.mark.django_db


def run() -> str:
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    return out.getvalue()


def to(enrolment):
    return [m for m in mail.outbox if m.to == [enrolment.participant.email]]


def test_it_sends_one_reminder_a_day_to_each_participant_with_nothing_logged(
    enrolment, other_enrolment, today
):
    assert "reminders sent: 2" in run()
    assert len(to(enrolment)) == 1 and len(to(other_enrolment)) == 1
    message = to(enrolment)[0]
    assert "under a minute" in message.body and f"/me/{enrolment.pk}/today/" in message.body
    assert f"/me/{enrolment.pk}/reminders/" in message.body
    assert not leaks(enrolment, message.subject + message.body)
    run()
    run()
    assert len(mail.outbox) == 2  # still one each today
    today.set(day(2))
    run()
    assert len(to(enrolment)) == 2
    assert ReminderSent.objects.filter(enrolment=enrolment).count() == 2


def test_nothing_is_sent_once_the_day_is_logged(participant, enrolment):
    submit_day(participant, enrolment, START, values={"fatigue": 3})
    run()
    assert to(enrolment) == []


def test_too_unwell_counts_as_logged(participant, enrolment):
    submit_day(participant, enrolment, START, too_unwell=True)
    run()
    assert to(enrolment) == []


def test_nothing_is_sent_while_paused_or_with_email_off(enrolment, other_enrolment):
    change_preference(enrolment, "pause")
    change_preference(other_enrolment, "email_off")
    run()
    assert mail.outbox == []
    change_preference(enrolment, "resume")
    run()
    assert len(to(enrolment)) == 1 and to(other_enrolment) == []


def test_nothing_is_sent_outside_the_trial_days(enrolment, today):
    today.set(START.replace(day=1))
    run()
    today.set(enrolment.schedule().end.replace(year=2030))
    run()
    assert mail.outbox == []


def test_a_failed_send_is_tried_again_by_a_later_run(enrolment, monkeypatch):
    import nof1.web.participant.reminders as reminders

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    working = reminders.send_mail
    monkeypatch.setattr(reminders, "send_mail", broken)
    run()
    assert not ReminderSent.objects.exists()
    monkeypatch.setattr(reminders, "send_mail", working)
    run()
    assert len(to(enrolment)) == 1
