"""Wearable imports and the daily values they stored, per enrolment.

An upload is read at once (`services.preview`) into a pending `WearableImport` holding the
trial's days it found; nothing is stored as data until the person confirms it
(`services.confirm`), when its days go into `WearableDay` under the core's merge rules
(`nof1.wearables.merge_daily`). A discarded import keeps its provenance and drops its days.
The uploaded file itself is never kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from nof1.web.trials.models import Enrolment, Tracked


class WearableFormat(models.TextChoices):
    """`Provenance.format` values, as the core writes them."""

    APPLE_HEALTH = "apple_health", "Apple Health"
    FITBIT = "fitbit_takeout", "Fitbit (Google Takeout)"
    GARMIN = "garmin_connect", "Garmin Connect"
    GARMIN_FIT = "garmin_fit", "Garmin FIT files"
    CSV = "csv", "A CSV file, one row per day"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    CONFIRMED = "confirmed", "Added"
    DISCARDED = "discarded", "Discarded"


class WearableImport(Tracked):
    """One uploaded export: its provenance, what it held, and what became of it.

    `daily` holds the parsed rows for the trial's days while the import is pending
    (`[{"date": "2026-03-28", "steps": 1400.0, ...}]`, null = not measured) and is emptied
    once it is confirmed (the values then live in `WearableDay`) or discarded.
    `created_by` uploaded it; `decided_by` confirmed or discarded it.
    """

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="wearable_imports"
    )
    format = models.CharField(max_length=16, choices=WearableFormat.choices)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(help_text="Bytes of the uploaded file.")
    sources = models.JSONField(default=list, help_text="Apps and devices named in the file.")
    records_used = models.PositiveIntegerField(default=0)
    records_skipped = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=dict, help_text="Records skipped, by reason.")
    hrv = models.CharField(
        max_length=16, default="none", help_text='"sdnn", "rmssd" or "none": never mixed.'
    )
    status = models.CharField(
        max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    daily = models.JSONField(default=list, blank=True)
    first_day = models.DateField(null=True, blank=True, help_text="First day in the file.")
    last_day = models.DateField(null=True, blank=True, help_text="Last day in the file.")
    days_in_file = models.PositiveIntegerField(default=0)
    days_outside = models.PositiveIntegerField(
        default=0, help_text="Days in the file before or after the trial: left out."
    )
    imported_at = models.DateTimeField(help_text="When the file was read.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    values_added = models.PositiveIntegerField(default=0)
    values_replaced = models.PositiveIntegerField(default=0)

    class Meta(Tracked.Meta):
        ordering = ("enrolment", "-created_at")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class WearableDay(Tracked):
    """One trial day's wearable values for one enrolment (blank = not measured).

    `source_import` is the import that last set a value of the day."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="wearable_days")
    date = models.DateField()
    steps = models.FloatField(null=True, blank=True)
    resting_hr = models.FloatField(null=True, blank=True, help_text="Beats per minute.")
    hrv_sdnn_ms = models.FloatField(null=True, blank=True)
    hrv_rmssd_ms = models.FloatField(null=True, blank=True)
    sleep_hours = models.FloatField(null=True, blank=True)
    source_import = models.ForeignKey(
        WearableImport, on_delete=models.PROTECT, related_name="days"
    )

    class Meta(Tracked.Meta):
        ordering = ("enrolment", "date")
        constraints = [
            models.UniqueConstraint(fields=("enrolment", "date"), name="one_wearable_day")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.pseudonym} {self.date.isoformat()}"
