"""Writing and checking the audit trail. Every audited action calls `record` explicitly.

    before = model_snapshot(entry, fields=["fatigue", "pain"])
    ... change entry, entry.save() ...
    record_change(request.user, entry, before, reason="participant corrected a typo")

    record(actor=user, action=Action.CREATE, target=entry, new=model_snapshot(entry), reason=...)
    record(actor=None, action=Action.LOGIN_FAILED, new={"username": typed}, reason="bad password")

Call `record` inside the same transaction as the change it describes, so that both are kept
or neither is, and late in it: from `record` until that transaction ends, other writers of
the audit trail wait (that is what keeps the chain from forking).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.duration import duration_iso_string

from nof1.exceptions import TamperedError
from nof1.unblinding_log import canonical_json
from nof1.web.audit.models import GENESIS, Action, AuditEvent

__all__ = [
    "BrokenChainError",
    "json_safe",
    "model_snapshot",
    "record",
    "record_change",
    "verify_chain",
]

# pg_advisory_xact_lock key for "the audit chain" (the bytes of "nof1audi"); any constant
# works as long as nothing else in the database uses it.
ADVISORY_LOCK_KEY = 0x6E6F663161756469

NEVER_SNAPSHOT = ("password",)  # a credential copied into an undeletable table stays forever


class BrokenChainError(TamperedError):
    """The audit chain does not verify. `seq` is the first bad event (None: the head is gone).
    Keep the database as evidence; do not repair it."""

    def __init__(self, message: str, *, seq: int | None) -> None:
        self.seq = seq
        super().__init__(message)


def record(
    *,
    actor: Any,
    action: Action | str,
    target: Any = None,
    table: str = "",
    object_id: str = "",
    old: Any = None,
    new: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain and return it.

    `actor` is a user, or None (or an anonymous user) when no one is signed in. `target` is
    the model instance acted on; it fills `table` (its model label) and `object_id`. `old`
    and `new` are made JSON-safe with `json_safe`. An unknown `action` is refused.
    """
    action = Action(action)
    if target is not None:
        if table or object_id:
            raise ValueError("give either target or table/object_id, not both")
        table = target._meta.label
        object_id = "" if target.pk is None else str(target.pk)
    user = None if actor is None or getattr(actor, "is_anonymous", False) else actor
    if user is not None and user.pk is None:
        raise ValueError("the actor is an unsaved user: save it before auditing what it does")
    event = AuditEvent(
        actor=user,
        actor_username="" if user is None else user.get_username(),
        actor_role=str(getattr(user, "role", "") or ""),
        action=action.value,
        table=table,
        object_id=str(object_id),
        old=json_safe(old),
        new=json_safe(new),
        reason=reason,
    )
    using = router.db_for_write(AuditEvent)
    with transaction.atomic(using=using):
        _serialise_writers(connections[using])
        last = AuditEvent.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
        event.seq, event.prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        # milliseconds: what Django's JSON serialisation keeps, so a backup restores rows
        # whose hashes still match (`nof1 backup` / `nof1 restore`)
        now = timezone.now()
        event.at = now.replace(microsecond=now.microsecond // 1000 * 1000)
        event.hash = event.compute_hash()
        event.save(using=using)
    return event


def record_change(
    actor: Any, instance: Any, old_snapshot: Mapping[str, Any], reason: str
) -> AuditEvent | None:
    """Record an update of `instance`: the fields of `old_snapshot` (from `model_snapshot`,
    taken before the change) whose values differ now, old and new. None if nothing changed."""
    current = model_snapshot(instance, fields=list(old_snapshot))
    changed = [name for name in old_snapshot if json_safe(old_snapshot[name]) != current[name]]
    if not changed:
        return None
    return record(
        actor=actor,
        action=Action.UPDATE,
        target=instance,
        old={name: json_safe(old_snapshot[name]) for name in changed},
        new={name: current[name] for name in changed},
        reason=reason,
    )


def model_snapshot(
    instance: Any, fields: Iterable[str] | None = None, exclude: Iterable[str] = NEVER_SNAPSHOT
) -> dict[str, Any]:
    """The instance's stored values, JSON-safe, keyed by field name (a foreign key gives the
    related row's id). `fields` picks some; otherwise every column but those in `exclude`."""
    columns = {field.name: field for field in instance._meta.concrete_fields}
    if fields is None:
        skipped = set(exclude)
        names = [name for name in columns if name not in skipped]
    else:
        names = list(fields)
        unknown = [name for name in names if name not in columns]
        if unknown:
            raise ValueError(f"{instance._meta.label} has no column named {', '.join(unknown)}")
    return {name: json_safe(columns[name].value_from_object(instance)) for name in names}


def json_safe(value: Any) -> Any:
    """`value` as plain JSON types, exactly as the database will give it back: UUIDs, dates,
    times, Decimals and durations become strings; tuples and sets, lists; NaN, a string."""
    return json.loads(canonical_json(_plain(value)))


def verify_chain(expected_head: str | None = None, using: str | None = None) -> tuple[int, str]:
    """(number of events, head hash), or `BrokenChainError` naming the first bad seq: an
    event edited after it was written, a seq missing, or an event not linked to the one before.

    Deleting the newest events leaves a shorter chain that still verifies; to catch that,
    record the head elsewhere (a report, an e-mail) and pass it later as `expected_head`.
    """
    using = using or router.db_for_read(AuditEvent)
    count, prev = 0, GENESIS
    for event in AuditEvent.objects.using(using).order_by("seq").iterator(chunk_size=2000):
        expected = count + 1
        if event.hash != event.compute_hash():
            raise BrokenChainError(
                f"audit event seq {event.seq} was edited after it was written: its contents "
                "no longer match its hash",
                seq=event.seq,
            )
        if event.seq != expected:
            raise BrokenChainError(
                f"audit event seq {expected} is missing (the next is seq {event.seq}): "
                "events were deleted",
                seq=expected,
            )
        if event.prev_hash != prev:
            raise BrokenChainError(
                f"audit event seq {event.seq} does not link to seq {event.seq - 1}: events were "
                "removed, reordered or rewritten",
                seq=event.seq,
            )
        count, prev = expected, event.hash
    if expected_head is not None and expected_head != prev:
        if not AuditEvent.objects.using(using).filter(hash=expected_head).exists():
            raise BrokenChainError(
                f"the head recorded earlier ({expected_head[:12]}...) is not in the audit "
                "chain: the events up to it were deleted or rewritten",
                seq=None,
            )
    return count, prev


def _serialise_writers(connection: Any) -> None:
    """Make concurrent `record` calls queue, so that two never read the same last event."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Held until the transaction ends. A row lock is not enough: the table may be
            # empty, and a writer waiting on the last row would still read it as last.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        elif connection.vendor == "sqlite":
            # A write that changes nothing takes SQLite's write lock now, before the last
            # event is read; otherwise two writers both read it and one fails at insert.
            cursor.execute("UPDATE audit_auditevent SET seq = seq WHERE 0")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_iso_string(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((_plain(item) for item in value), key=canonical_json)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return str(value)  # e.g. a file field's name
