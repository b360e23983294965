"""Reminders: at most one a day, only when nothing is logged yet, pausable.

Two channels. E-mail, sent by the `send_reminders` command (run it from cron or a scheduler
in the evening); and a private calendar link that the person's own calendar app polls, built
by `nof1.protocol.calendar` from the blinded schedule. Nothing here knows the allocation.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from nof1.web.diary.models import DiaryEntry
from nof1.web.participant.models import ReminderPreference, ReminderSent, new_feed_token
from nof1.web.participant.trial_days import IN_TRIAL, schedule_of
from nof1.web.trials.models import Enrolment

log = logging.getLogger("nof1.reminders")

SUBJECT = "Your diary for today"


def preference_for(enrolment: Enrolment) -> ReminderPreference:
    """The saved preference, or the defaults (unsaved: reading never writes)."""
    try:
        return enrolment.reminder_preference
    except ReminderPreference.DoesNotExist:
        return ReminderPreference(enrolment=enrolment)


CHANGES = {
    "pause": {"paused": True},
    "resume": {"paused": False},
    "email_on": {"email_enabled": True},
    "email_off": {"email_enabled": False},
    "new_feed": {"feed_token": None},  # replaced below with a fresh token
    "revoke_feed": {"feed_token": None},
}


def change_preference(enrolment: Enrolment, action: str) -> ReminderPreference:
    """Apply one of CHANGES. A new calendar link replaces the old one, which stops working."""
    if action not in CHANGES:
        raise ValueError(f"unknown reminder change {action!r}")
    with transaction.atomic():
        preference, _ = ReminderPreference.objects.select_for_update().get_or_create(
            enrolment=enrolment
        )
        for name, value in CHANGES[action].items():
            setattr(preference, name, value)
        if action == "new_feed":
            preference.feed_token = new_feed_token()
        preference.save()
    return preference


def feed_url(preference: ReminderPreference) -> str | None:
    if not preference.feed_token:
        return None
    path = reverse("participant:calendar_feed", args=[preference.feed_token])
    return f"{settings.SITE_URL}{path}"


# -- e-mail ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    sent: int
    skipped: int
    failed: int


def _wants_email_today(enrolment: Enrolment, today: dt.date) -> bool:
    if enrolment.status not in IN_TRIAL or not enrolment.participant.email:
        return False
    if not enrolment.participant.is_active:
        return False
    schedule = schedule_of(enrolment)
    if schedule is None or not schedule.start <= today <= schedule.end:
        return False
    preference = preference_for(enrolment)
    if preference.paused or not preference.email_enabled:
        return False
    if DiaryEntry.objects.filter(enrolment=enrolment, day=today).exists():
        return False  # logged (or "too unwell") already: no reminder
    return not ReminderSent.objects.filter(enrolment=enrolment, day=today).exists()


def _message(enrolment: Enrolment) -> str:
    today_url = settings.SITE_URL + reverse("participant:today", args=[enrolment.pk])
    settings_url = settings.SITE_URL + reverse("participant:reminders", args=[enrolment.pk])
    return (
        "Hello,\n\n"
        "Your diary for today is open. It takes under a minute:\n"
        f"{today_url}\n\n"
        'On a bad day, one tap on "Too unwell to log today" is enough. A missed day is fine.\n\n'
        f"To pause these reminders or turn them off: {settings_url}\n"
    )


def send_due_reminders(today: dt.date) -> SendResult:
    """E-mail everyone in a trial who has logged nothing today and has not been reminded
    today. The ReminderSent row is written first, so a second run the same day (even at the
    same moment) sends nothing; if sending fails the row is removed and a later run retries."""
    sent = skipped = failed = 0
    enrolments = Enrolment.objects.filter(status__in=IN_TRIAL).select_related(
        "participant", "trial", "sealed_allocation"
    )
    for enrolment in enrolments:
        if not _wants_email_today(enrolment, today):
            skipped += 1
            continue
        try:
            with transaction.atomic():
                row = ReminderSent.objects.create(enrolment=enrolment, day=today)
        except IntegrityError:  # another run got there first
            skipped += 1
            continue
        try:
            send_mail(
                SUBJECT,
                _message(enrolment),
                settings.DEFAULT_FROM_EMAIL,
                [enrolment.participant.email],
            )
        except Exception:  # one bad address must not stop the others
            log.exception("reminder e-mail failed for enrolment %s", enrolment.pk)
            row.delete()
            failed += 1
            continue
        sent += 1
    return SendResult(sent=sent, skipped=skipped, failed=failed)
