"""Unblinding: an explicit, permission-checked action, every attempt kept and audited.

At the end (the last period over), the trial's clinician or pharmacist opens the whole
allocation; before then only one period can be opened, in an emergency, with a reason. The
core (`nof1.blinding.unseal` / `reveal_period`) logs each attempt, failed or not; each log
event becomes an `UnblindingEvent` row and an "unblind" entry in the audit trail. The audit
entry holds the core's event, which never names an arm; the arms are kept on the row only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from nof1 import blinding
from nof1.web.audit.models import Action
from nof1.web.trials import clock, history
from nof1.web.trials.errors import EntryError, KeyUnavailableError, WorkflowError
from nof1.web.trials.models import (
    Enrolment,
    EnrolmentStatus,
    UnblindingEvent,
    UnblindingScope,
)
from nof1.web.trials.permissions import deny, is_trial_clinician, is_trial_pharmacist
from nof1.web.trials.services._sealed import AuditedLog, key_of, sealed_of, who


def unblind(
    user: Any, enrolment: Enrolment, reason: str, *, period: int | None = None
) -> UnblindingEvent:
    """Open the whole allocation (after the last period) or one period (an emergency).
    Returns the event; its `revealed` holds `Allocation.to_dict()` or one period's arm."""
    trial = enrolment.trial
    if not (is_trial_clinician(user, trial) or is_trial_pharmacist(user, trial)):
        deny(user, "only the trial's clinician or pharmacist may unblind", enrolment)
    reason = (reason or "").strip()
    if not reason:
        raise EntryError("say why you are unblinding")
    record, sealed = sealed_of(enrolment)
    schedule = enrolment.schedule()
    today = clock.today()
    if period is None:
        if today <= schedule.end:
            raise WorkflowError(
                f"the last period ends on {schedule.end.isoformat()}; before then only one "
                "period can be unblinded, in an emergency"
            )
    else:
        count = len(schedule.periods)
        if isinstance(period, bool) or not isinstance(period, int) or not 1 <= period <= count:
            raise EntryError(f"there is no period {period!r}; periods are 1 to {count}")
        if schedule.periods[period - 1].first > today:
            raise WorkflowError(f"period {period} has not started yet")

    log = AuditedLog()
    revealed: dict[str, Any] | None = None
    try:
        secret = key_of(record)
        if period is None:
            revealed = blinding.unseal(
                sealed, secret, who=who(user), reason=reason, log=log
            ).to_dict()
        else:
            revealed = blinding.reveal_period(
                sealed, secret, period, who=who(user), reason=reason, log=log
            ).to_dict()
    except KeyUnavailableError:
        log.append(_refusal(enrolment, record.fingerprint, user, reason, period))
        raise
    finally:
        events = [_keep(user, enrolment, event, revealed) for event in log.events]
    succeeded = [event for event in events if event.succeeded]
    if period is None and enrolment.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.ACTIVE):
        with transaction.atomic():
            history.move_enrolment(
                enrolment, EnrolmentStatus.COMPLETED, by=user, reason="unblinded at the end"
            )
    return succeeded[-1]


def full_unblinding(enrolment: Enrolment) -> UnblindingEvent | None:
    """The latest successful unblinding of the whole allocation, if any."""
    return (
        enrolment.unblindings.filter(scope=UnblindingScope.FULL, outcome="revealed")
        .order_by("-created_at")
        .first()
    )


def revealed_arms(enrolment: Enrolment) -> dict[int, str] | None:
    """Period -> arm id once the whole allocation was unblinded; None before."""
    event = full_unblinding(enrolment)
    if event is None or not event.revealed:
        return None
    return {int(p["period"]): str(p["arm"]) for p in event.revealed["periods"]}


def _keep(
    user: Any, enrolment: Enrolment, event: dict[str, Any], revealed: dict[str, Any] | None
) -> UnblindingEvent:
    whole = event.get("what") == "full allocation"
    ok = event.get("outcome") == "revealed"
    row = UnblindingEvent.objects.create(
        enrolment=enrolment,
        scope=UnblindingScope.FULL if whole else UnblindingScope.PERIOD,
        period=None if whole else int(str(event["what"]).removeprefix("period ")),
        reason=str(event.get("reason", "")),
        outcome=str(event.get("outcome", ""))[:64],
        revealed=revealed if ok else None,
        sealed_fingerprint=str(event.get("sealed", "")),
        log_event=event,
        created_by=user,
    )
    history.event(user, Action.UNBLIND, row, event, reason=row.reason)
    return row


def _refusal(
    enrolment: Enrolment, fingerprint: str, user: Any, reason: str, period: int | None
) -> dict[str, Any]:
    """The event the core would have logged, for a key the server could not unwrap."""
    return {
        "action": "unblind",
        "what": "full allocation" if period is None else f"period {period}",
        "who": who(user),
        "reason": reason,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "outcome": "refused: key unavailable",
        "trial": str(enrolment.trial_id),
        "participant": enrolment.pseudonym,
        "sealed": fingerprint,
    }
