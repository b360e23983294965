"""Trials, participants, screening, consent, the sealed allocation, kits and unblinding.

Every clinical row has a UUID key and who/when fields; its history is the audit trail (every
service write records old and new values). A status is one field plus event rows
(`TrialStatusEvent`, `EnrolmentStatusEvent`), never a set of booleans. Nothing here changes
state on save: the services in `nof1.web.trials.services` do, explicitly.

What blinded people may read: everything in this module except `AllocationKey` (reachable
only through the pharmacy and unblinding services) and `UnblindingEvent.revealed` (arms,
written only once someone has unblinded). See `nof1.web.trials.keys` for the threat model.
"""

from __future__ import annotations

import tomllib
import uuid
from functools import lru_cache

from django.conf import settings
from django.db import models

from nof1.protocol import Protocol, Schedule, build_schedule, parse_protocol


class Event(models.Model):
    """Who did it and when: every row, even one never changed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ("created_at",)


class Tracked(Event):
    """A row that services may change: also when it last changed (the audit trail says how)."""

    updated_at = models.DateTimeField(auto_now=True)

    class Meta(Event.Meta):
        abstract = True


@lru_cache(maxsize=32)
def protocol_from_text(text: str) -> Protocol:
    """The validated protocol from its stored TOML (parsed once per text per process)."""
    return parse_protocol(tomllib.loads(text), "trial protocol")


# -- trials ------------------------------------------------------------------------------------


class TrialStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open for enrolment"
    CLOSED = "closed", "Closed"


class Trial(Tracked):
    """One protocol run by one clinician with one pharmacist, for any number of participants.

    The protocol is kept as the exact TOML text the clinician chose (comments and sources
    included) with its id and version copied out for lists and exports.
    """

    title = models.CharField(max_length=200)
    protocol_text = models.TextField()
    protocol_id = models.CharField(max_length=64)
    protocol_version = models.CharField(max_length=64)
    protocol_sha256 = models.CharField(max_length=64)
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trials_led"
    )
    pharmacist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="trials_dispensed"
    )
    status = models.CharField(max_length=16, choices=TrialStatus.choices, default=TrialStatus.DRAFT)
    # Design choice: a diary day may be entered up to 3 days late. Long enough for a crash
    # that keeps someone off their phone for a weekend, short enough that the ratings are
    # still memories of those days. Backfilled entries are flagged.
    backfill_days = models.PositiveSmallIntegerField(default=3)

    class Meta(Tracked.Meta):
        pass

    def __str__(self) -> str:
        return self.title

    @property
    def protocol(self) -> Protocol:
        return protocol_from_text(self.protocol_text)


class TrialStatusEvent(Event):
    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="status_events")
    from_status = models.CharField(max_length=16, choices=TrialStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=TrialStatus.choices)
    reason = models.TextField(blank=True)


# -- participants ------------------------------------------------------------------------------


class EnrolmentStatus(models.TextChoices):
    SCREENING = "screening", "Screening"
    ELIGIBLE = "eligible", "Eligible"
    INELIGIBLE = "ineligible", "Ineligible"
    NEEDS_REVIEW = "needs_review", "Needs review"
    CONSENTED = "consented", "Consented"
    ENROLLED = "enrolled", "Enrolled (randomised)"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Enrolment(Tracked):
    """One participant in one trial, from screening to the end."""

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="enrolments")
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrolments"
    )
    # Random, meaningless: the only name research exports and sealed allocations carry.
    pseudonym = models.CharField(max_length=16, unique=True)
    status = models.CharField(
        max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.SCREENING
    )
    start_date = models.DateField(help_text="First day of the trial (the first run-in day).")

    class Meta(Tracked.Meta):
        constraints = [
            models.UniqueConstraint(fields=("trial", "participant"), name="one_enrolment_per_trial")
        ]

    def __str__(self) -> str:
        return f"{self.pseudonym} in {self.trial}"

    @property
    def kit_codes(self) -> tuple[str, ...]:
        """Kit codes in period order; empty before randomisation."""
        record = getattr(self, "sealed_allocation", None)
        return tuple(record.kit_codes) if record is not None else ()

    def schedule(self) -> Schedule:
        """The blinded day-by-day schedule (dates, periods, kit codes); needs randomisation."""
        codes = self.kit_codes
        if not codes:
            raise ValueError("the participant has not been randomised yet: no kits, no schedule")
        return build_schedule(self.trial.protocol, self.start_date, codes)


class EnrolmentStatusEvent(Event):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="status_events")
    from_status = models.CharField(max_length=16, choices=EnrolmentStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=EnrolmentStatus.choices)
    reason = models.TextField(blank=True)


class ProxyStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    REVOKED = "revoked", "Revoked"


class Proxy(Tracked):
    """A carer allowed to enter the diary (and consent) on the participant's behalf."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="proxies")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proxy_for"
    )
    status = models.CharField(
        max_length=16, choices=ProxyStatus.choices, default=ProxyStatus.ACTIVE
    )

    class Meta(Tracked.Meta):
        verbose_name_plural = "proxies"
        constraints = [
            models.UniqueConstraint(fields=("enrolment", "user"), name="one_proxy_row_per_user")
        ]


# -- screening and consent ---------------------------------------------------------------------


class ScreeningResult(models.TextChoices):
    """`nof1.safety.Status` values, stored as the core writes them."""

    ELIGIBLE = "eligible", "Eligible"
    NEEDS_REVIEW = "needs-review", "Needs review"
    INELIGIBLE = "ineligible", "Ineligible"


class ScreeningRecord(Event):
    """What the clinician entered and what `nof1.safety.screen` said. Never changed: screening
    again makes a new record, and the newest one counts."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="screenings")
    inputs = models.JSONField()
    status = models.CharField(max_length=16, choices=ScreeningResult.choices)
    result = models.JSONField(help_text="Screening.to_dict(): reasons, medicines, notes, rules.")

    @property
    def reasons(self) -> list[dict[str, str]]:
        return list(self.result.get("reasons", []))

    @property
    def overridden(self) -> bool:
        return hasattr(self, "override")


class ScreeningOverride(Event):
    """A clinician's signed decision to go ahead despite "needs review" (never "ineligible").

    `signature` is SHA-256 over the canonical JSON of what was signed (screening id, its
    result, reason, signer, time), so a later edit of the row or of the screening shows.
    """

    screening = models.OneToOneField(
        ScreeningRecord, on_delete=models.PROTECT, related_name="override"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    reason = models.TextField()
    signature = models.CharField(max_length=64)


class ConsentVersion(Tracked):
    """A version of a trial's consent text. A new text is a new version."""

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="consent_versions")
    version = models.PositiveIntegerField()
    text = models.TextField()

    class Meta(Tracked.Meta):
        ordering = ("trial", "version")
        constraints = [
            models.UniqueConstraint(fields=("trial", "version"), name="one_consent_version_number")
        ]

    def __str__(self) -> str:
        return f"consent v{self.version}"


class Consent(Event):
    """Agreement to one consent version, with the exact text agreed to kept here."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="consents")
    version = models.ForeignKey(ConsentVersion, on_delete=models.PROTECT, related_name="consents")
    text = models.TextField(help_text="The text as shown and agreed to, whatever happens later.")
    text_sha256 = models.CharField(max_length=64)
    agreed_at = models.DateTimeField()
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )


# -- randomisation, kits, unblinding -----------------------------------------------------------


class SealedAllocationRecord(Event):
    """`nof1.blinding.SealedAllocation` as JSON: kit codes in the clear, arms only encrypted.
    One per enrolment, never redrawn."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="sealed_allocation"
    )
    sealed_json = models.TextField()
    fingerprint = models.CharField(max_length=64)
    scheme = models.CharField(max_length=64)
    kit_codes = models.JSONField(help_text="Kit codes in period order (period 1 first).")


class AllocationKey(Event):
    """The key that opens one sealed allocation, wrapped with the server key (see keys.py).

    Read only through `services.pharmacy` and `services.unblinding`, which check the user is
    the trial's pharmacist (or clinician, for unblinding) and audit every access.
    """

    sealed = models.OneToOneField(
        SealedAllocationRecord, on_delete=models.PROTECT, related_name="key"
    )
    wrapped = models.TextField()
    wrapped_by = models.CharField(max_length=16, help_text="Id of the server key that wrapped it.")

    def __repr__(self) -> str:  # never print the wrapped key, even in a traceback
        return f"<AllocationKey for {self.sealed_id}>"


class KitStatus(models.TextChoices):
    TO_DISPENSE = "to_dispense", "To dispense"
    DISPENSED = "dispensed", "Dispensed"


class Kit(Tracked):
    """One period's kit: its code is all that blinded people see of the allocation."""

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="kits")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="kits")
    code = models.CharField(max_length=16)
    period = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=16, choices=KitStatus.choices, default=KitStatus.TO_DISPENSE
    )
    dispensed_at = models.DateTimeField(null=True, blank=True)
    dispensed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta(Tracked.Meta):
        ordering = ("enrolment", "period")
        constraints = [
            models.UniqueConstraint(fields=("trial", "code"), name="kit_code_unique_in_trial"),
            models.UniqueConstraint(fields=("enrolment", "period"), name="one_kit_per_period"),
        ]

    def __str__(self) -> str:
        return self.code


class UnblindingScope(models.TextChoices):
    FULL = "full", "Full allocation"
    PERIOD = "period", "One period (emergency)"


class UnblindingEvent(Event):
    """Every unblinding attempt, as `nof1.blinding` logs it; `revealed` only when it worked."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="unblindings")
    scope = models.CharField(max_length=8, choices=UnblindingScope.choices)
    period = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField()
    outcome = models.CharField(max_length=64, help_text='"revealed" or "refused: ..."')
    revealed = models.JSONField(
        null=True, blank=True, help_text="Allocation.to_dict() (full) or one period's arm."
    )
    sealed_fingerprint = models.CharField(max_length=64)
    log_event = models.JSONField(help_text="The event exactly as nof1.blinding wrote it.")

    @property
    def succeeded(self) -> bool:
        return self.outcome == "revealed"


# -- alerts from the nightly checks ---------------------------------------------------------------


class AlertKind(models.TextChoices):
    MISSING_DAYS = "missing_days", "Diary not logged for several days"
    LOW_ADHERENCE = "low_adherence", "Capsules often not taken"
    OPIOID = "opioid", "An opioid was reported"
    OPIOID_REVIEW = "opioid_review", "A medicine that may contain an opioid"


class Alert(models.Model):
    """A finding of the nightly checks, shown to the trial's clinician until resolved.

    One row per enrolment, kind and day: running the checks twice on a day adds nothing.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    day = models.DateField()
    message = models.TextField()
    source = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-day", "kind")
        constraints = [
            models.UniqueConstraint(
                fields=("enrolment", "kind", "day"), name="one_alert_per_kind_and_day"
            )
        ]
