"""One audit event per row. Rows are written only by `services.record` and never change.

The database refuses UPDATE and DELETE on this table (triggers, migration 0002); the model
refuses them too, so a mistake fails here with a clear message before it reaches SQL.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any, NoReturn

from django.conf import settings
from django.db import models

from nof1.exceptions import Nof1Error
from nof1.unblinding_log import canonical_json

GENESIS = "0" * 64  # the prev_hash of the first event, as in the unblinding log


class AppendOnlyError(Nof1Error):
    """An audit row was about to be changed or removed, or written without a valid chain hash.
    Audit rows are never edited: record a new event (e.g. a correction) instead."""


class Action(models.TextChoices):
    CREATE = "create", "created"
    UPDATE = "update", "updated"
    DELETE = "delete", "deleted"
    LOGIN = "login", "signed in"
    LOGOUT = "logout", "signed out"
    LOGIN_FAILED = "login_failed", "sign-in failed"
    LOCKED_OUT = "locked_out", "locked out after repeated failures"
    SESSION_EXPIRED = "session_expired", "session expired"
    PASSWORD_CHANGED = "password_changed", "password changed"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", "two-factor device enrolled"
    TWO_FACTOR_PASSED = "two_factor_passed", "two-factor code accepted"
    TWO_FACTOR_FAILED = "two_factor_failed", "two-factor code refused"
    INVITATION_SENT = "invitation_sent", "invitation sent"
    INVITATION_ACCEPTED = "invitation_accepted", "invitation accepted"
    ACCESS_DENIED = "access_denied", "access denied"
    RANDOMISE = "randomise", "randomised"
    DISPENSE = "dispense", "dispensed"
    OVERRIDE = "override", "safety override signed"
    UNBLIND = "unblind", "unblinded"
    EXPORT = "export", "exported"


class AuditEventQuerySet(models.QuerySet):
    """Bulk writes would skip the chain or rewrite history, so they are refused outright."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit rows are append-only: QuerySet.update() is refused")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit rows are append-only: QuerySet.delete() is refused")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit rows are append-only: bulk_update() is refused")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(
            "audit events are chained one at a time: use nof1.web.audit.services.record"
        )


class AuditEvent(models.Model):
    """Who did what to which record, when (UTC), old and new values, and why.

    `actor` is protected: an account with audit events cannot be deleted (deactivate it), so
    every event stays attributable to a real account. `actor_username` and `actor_role` are
    what they were at the time; the account may be renamed or change role later.
    `hash` is SHA-256 over the canonical JSON of every other column, `prev_hash` included.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
        editable=False,
    )
    actor_username = models.CharField(max_length=150, blank=True, editable=False)
    actor_role = models.CharField(max_length=32, blank=True, editable=False)
    action = models.CharField(max_length=32, choices=Action.choices, editable=False)
    table = models.CharField(max_length=100, blank=True, editable=False)  # model label
    object_id = models.CharField(max_length=64, blank=True, editable=False)
    old = models.JSONField(null=True, blank=True, editable=False)
    new = models.JSONField(null=True, blank=True, editable=False)
    reason = models.TextField(blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["table", "object_id"], name="audit_record_history")]

    def __str__(self) -> str:
        who = self.actor_username or "(no account)"
        what = f" {self.table} {self.object_id}".rstrip()
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S}Z {who} {self.action}{what}"

    def chain_payload(self) -> dict[str, Any]:
        """What the hash covers: every column but the hash itself."""
        return {
            "id": str(self.id),
            "seq": self.seq,
            "at": utc_iso(self.at),
            "actor": None if self.actor_id is None else str(self.actor_id),
            "actor_username": self.actor_username,
            "actor_role": self.actor_role,
            "action": str(self.action),
            "table": self.table,
            "object_id": self.object_id,
            "old": self.old,
            "new": self.new,
            "reason": self.reason,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return hashlib.sha256(canonical_json(self.chain_payload())).hexdigest()

    def save(self, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnlyError(
                f"audit event #{self.seq} is already written and cannot be changed; "
                "record a new event instead"
            )
        if self.hash != self.compute_hash():
            raise AppendOnlyError(
                "audit events are written by nof1.web.audit.services.record, which chains them"
            )
        kwargs["force_insert"] = True
        super().save(**kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(
            f"audit event #{self.seq} cannot be deleted: the trail is append-only"
        )


def utc_iso(moment: datetime) -> str:
    """One spelling of a time for hashing: UTC, microseconds, '+00:00'."""
    if moment.tzinfo is None:  # only with USE_TZ=False; nof1 stores UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
