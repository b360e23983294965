"""Reminder settings, per enrolment, and a row for every reminder e-mail sent.

Reminders are not clinical data, so they live here rather than in the trial's records. A
preference row exists only once the participant (or their carer) changes something: until
then the defaults hold (e-mail on, not paused, no calendar link).
"""

from __future__ import annotations

import secrets
import uuid

from django.db import models

from nof1.web.trials.models import Enrolment


def new_feed_token() -> str:
    """A random, unguessable token for the private calendar link (256 bits)."""
    return secrets.token_urlsafe(32)


class ReminderPreference(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="reminder_preference"
    )
    paused = models.BooleanField(
        default=False, help_text="No reminders of any kind while paused (e-mail or calendar)."
    )
    email_enabled = models.BooleanField(default=True)
    # Kept in the clear so the person can find their link again on the reminders page: the
    # feed holds dates and kit codes, never an arm or a dose. Revoking sets it to null.
    feed_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"reminders for {self.enrolment.pseudonym}"


class ReminderSent(models.Model):
    """One reminder e-mail. Unique per enrolment and day: at most one a day, even when the
    command runs twice at once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="reminders")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("enrolment", "day")
        constraints = [
            models.UniqueConstraint(fields=("enrolment", "day"), name="one_reminder_a_day")
        ]
