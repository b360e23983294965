"""Opening a sealed allocation inside the web app: the key, and a log that writes to audit.

Private to the pharmacy and unblinding services, which check who is asking first.
"""

from __future__ import annotations

from typing import Any

from nof1.blinding import SealedAllocation
from nof1.web.audit.models import Action
from nof1.web.trials import history, keys
from nof1.web.trials.errors import WorkflowError
from nof1.web.trials.models import Enrolment, SealedAllocationRecord


class AuditedLog:
    """Stands in for `nof1.unblinding_log.UnblindingLog`: the core appends each attempt here
    before it returns or raises, and `flush` writes them to the audit trail."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def append(self, event: dict[str, Any]) -> None:
        self.events.append(dict(event))

    def flush(self, actor: Any, action: Action, target: Any, reason: str) -> None:
        for event in self.events:
            history.event(actor, action, target, event, reason=reason)


def sealed_of(enrolment: Enrolment) -> tuple[SealedAllocationRecord, SealedAllocation]:
    record = SealedAllocationRecord.objects.filter(enrolment=enrolment).first()
    if record is None:
        raise WorkflowError("the participant has not been randomised yet")
    return record, SealedAllocation.from_json(record.sealed_json)


def key_of(record: SealedAllocationRecord) -> str:
    """The unwrapped key. Callers have checked the user; never show or store what this returns."""
    stored = record.key
    return keys.unwrap(stored.wrapped, stored.wrapped_by, bound_to=str(record.enrolment_id))


def who(user: Any) -> str:
    """How the core's log names the person: role and account id (no name, no e-mail)."""
    return f"{getattr(user, 'role', 'user')}:{user.pk}"
