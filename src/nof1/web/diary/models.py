"""What the participant (or their carer) records: daily entries, weekly instruments, guesses.

One entry per participant-day, enforced in the database: submitting a day twice updates the
one entry, and the audit trail keeps the old values. "Too unwell to log" is a status of its
own with no ratings, so it is a missing day in the analysis, never a good one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from nof1.web.trials.models import Enrolment, Tracked


class EntryStatus(models.TextChoices):
    COMPLETE = "complete", "Logged"
    TOO_UNWELL = "too_unwell", "Too unwell to log"


class DoseTaken(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not sure"


class DiaryEntry(Tracked):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="diary")
    day = models.DateField()
    status = models.CharField(max_length=16, choices=EntryStatus.choices)
    # outcome id -> whole number on the outcome's scale, or null (skipped). Empty when too
    # unwell to log.
    values = models.JSONField(default=dict)
    dose_taken = models.CharField(
        max_length=8, choices=DoseTaken.choices, default=DoseTaken.UNKNOWN
    )
    side_effects = models.JSONField(default=list, help_text="Ids of the protocol's adverse events.")
    exertion_yesterday = models.PositiveSmallIntegerField(null=True, blank=True)
    crash_today = models.BooleanField(null=True, blank=True)
    # "Anything new": optional short notes.
    other_medicines = models.CharField(max_length=200, blank=True)
    infection = models.CharField(max_length=200, blank=True)
    menstrual_period = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()
    backfilled = models.BooleanField(
        default=False, help_text="Some of it was entered after the day it describes."
    )

    class Meta(Tracked.Meta):
        ordering = ("enrolment", "day")
        verbose_name_plural = "diary entries"
        constraints = [
            models.UniqueConstraint(fields=("enrolment", "day"), name="one_diary_entry_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.pseudonym} {self.day.isoformat()}"


class WeeklyResponse(Tracked):
    """A weekly instrument (a protocol outcome with frequency "weekly") for one trial week.

    The week starts on trial day 1, 8, 15, ...; the score goes in the daily table on the
    week's last day, the day the schedule asks for it.
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="weekly")
    week_start = models.DateField()
    instrument = models.CharField(max_length=64, help_text="The outcome id, e.g. promis_fatigue.")
    score = models.FloatField()
    items = models.JSONField(default=dict, blank=True, help_text="Item responses, if collected.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()

    class Meta(Tracked.Meta):
        ordering = ("enrolment", "week_start", "instrument")
        constraints = [
            models.UniqueConstraint(
                fields=("enrolment", "week_start", "instrument"), name="one_weekly_response"
            )
        ]


class Guess(models.TextChoices):
    ACTIVE = "active", "Active"
    PLACEBO = "placebo", "Placebo"
    DONT_KNOW = "dont_know", "Don't know"


class BlindingGuess(Tracked):
    """The participant's guess of a period's arm, asked on its last day (a blinding check)."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="blinding_guesses"
    )
    period = models.PositiveSmallIntegerField()
    guess = models.CharField(max_length=16, choices=Guess.choices)
    asked_on = models.DateField(help_text="The period's last day, when the diary asks.")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()

    class Meta(Tracked.Meta):
        ordering = ("enrolment", "period")
        constraints = [
            models.UniqueConstraint(fields=("enrolment", "period"), name="one_guess_per_period")
        ]
