"""The pharmacist's side: the kit sheet (unblinded) and confirming each kit was dispensed.

Only the pharmacist assigned to the trial gets here. Each look at the kit sheet opens the
sealed allocation and is recorded in the audit trail as an "unblind" with the reason
"kit sheet", like any other opening of the allocation; no `UnblindingEvent` row is written,
because the pharmacist is unblinded by role and the participant's blinding is unchanged.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from nof1 import blinding
from nof1.protocol import sheets
from nof1.web.audit.models import Action
from nof1.web.trials import history
from nof1.web.trials.errors import KeyUnavailableError, WorkflowError
from nof1.web.trials.models import Enrolment, EnrolmentStatus, Kit, KitStatus
from nof1.web.trials.permissions import require_trial_pharmacist
from nof1.web.trials.services._sealed import AuditedLog, key_of, sealed_of, who

KIT_SHEET = "kit sheet"


def kit_sheet_rows(pharmacist: Any, enrolment: Enrolment) -> list[dict[str, str]]:
    """`nof1.protocol.sheets.pharmacist_rows` for this participant (one row per kit and
    titration step: arm, capsule contents, how many to fill, dates), plus when each kit was
    dispensed. Unblinded: for the trial's pharmacist only."""
    require_trial_pharmacist(pharmacist, enrolment.trial)
    record, sealed = sealed_of(enrolment)
    log = AuditedLog()
    try:
        allocation = blinding.unseal(
            sealed, key_of(record), who=who(pharmacist), reason=KIT_SHEET, log=log
        )
    except KeyUnavailableError as error:
        history.event(
            pharmacist,
            Action.UNBLIND,
            enrolment,
            {"what": "full allocation", "outcome": "refused: key unavailable"},
            reason=str(error),
        )
        raise
    finally:
        log.flush(pharmacist, Action.UNBLIND, enrolment, reason=KIT_SHEET)
    rows = sheets.pharmacist_rows(
        enrolment.trial.protocol,
        allocation,
        record.kit_codes,
        enrolment.start_date,
        participant=enrolment.pseudonym,
    )
    dispensed = {kit.code: kit.dispensed_at for kit in enrolment.kits.all()}
    for row in rows:
        when = dispensed.get(row["kit"])
        row["dispensed_at"] = when.isoformat(timespec="minutes") if when else ""
    return rows


def confirm_dispensed(pharmacist: Any, kit: Kit) -> Kit:
    """Record that a kit was filled and handed over, by whom and when."""
    require_trial_pharmacist(pharmacist, kit.trial)
    with transaction.atomic():
        kit = Kit.objects.select_for_update().select_related("enrolment").get(pk=kit.pk)
        status = kit.enrolment.status
        if status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.ACTIVE):
            raise WorkflowError(f"the participant's trial is {status}; nothing to dispense")
        if kit.status == KitStatus.DISPENSED:
            raise WorkflowError(f"kit {kit.code} was already dispensed")
        old = history.snapshot(kit)
        kit.status = KitStatus.DISPENSED
        kit.dispensed_at = timezone.now()
        kit.dispensed_by = pharmacist
        kit.save(update_fields=["status", "dispensed_at", "dispensed_by", "updated_at"])
        history.changed(pharmacist, kit, old, reason="dispensed", action=Action.DISPENSE)
    return kit
