"""Every clinical write goes to the audit trail with its old and new values, through here.

Thin wrappers over `nof1.web.audit.services.record`, so every service records the same way:
"create" / "update" with the row's values, or the audit trail's named action where one fits
(randomise, dispense, override, unblind). Status changes write an event row and audit it in
one call. Call these inside the transaction of the change they describe.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from nof1.web.audit.models import Action
from nof1.web.audit.services import model_snapshot, record
from nof1.web.trials.models import (
    Enrolment,
    EnrolmentStatusEvent,
    Trial,
    TrialStatusEvent,
)

# Never copied into the audit trail: the wrapped allocation key.
_SECRET_FIELDS = frozenset({"wrapped"})


def snapshot(obj: models.Model) -> dict[str, Any]:
    data = dict(model_snapshot(obj))
    for name in _SECRET_FIELDS:
        data.pop(name, None)
    return data


def created(
    actor: Any, obj: models.Model, *, reason: str = "", action: Action = Action.CREATE
) -> None:
    record(actor=actor, action=action, target=obj, new=snapshot(obj), reason=reason)


def changed(
    actor: Any,
    obj: models.Model,
    old: dict[str, Any],
    *,
    reason: str = "",
    action: Action = Action.UPDATE,
) -> None:
    """The row's values before (`old`, from `snapshot`) and now."""
    record(actor=actor, action=action, target=obj, old=old, new=snapshot(obj), reason=reason)


def event(
    actor: Any, action: Action, obj: models.Model, detail: dict[str, Any], *, reason: str = ""
) -> None:
    """An action that is not a row change (an unblinding, a look at the allocation)."""
    record(actor=actor, action=action, target=obj, new=detail, reason=reason)


def move_enrolment(enrolment: Enrolment, to: str, *, by: Any, reason: str = "") -> None:
    """Change an enrolment's status: the field, an event row, and the audit trail."""
    if enrolment.status == to:
        return
    old = snapshot(enrolment)
    was = enrolment.status
    enrolment.status = to
    enrolment.save(update_fields=["status", "updated_at"])
    changed(by, enrolment, old, reason=reason)
    row = EnrolmentStatusEvent.objects.create(
        enrolment=enrolment, from_status=was, to_status=to, reason=reason, created_by=by
    )
    created(by, row, reason=reason)


def move_trial(trial: Trial, to: str, *, by: Any, reason: str = "") -> None:
    if trial.status == to:
        return
    old = snapshot(trial)
    was = trial.status
    trial.status = to
    trial.save(update_fields=["status", "updated_at"])
    changed(by, trial, old, reason=reason)
    row = TrialStatusEvent.objects.create(
        trial=trial, from_status=was, to_status=to, reason=reason, created_by=by
    )
    created(by, row, reason=reason)
