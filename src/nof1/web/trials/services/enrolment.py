"""Enrolment: the checks, then randomisation by the core, sealed, with kits and a wrapped key."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from nof1 import blinding, kits, randomization
from nof1.web.audit.models import Action
from nof1.web.trials import history, keys
from nof1.web.trials.errors import WorkflowError
from nof1.web.trials.models import (
    AllocationKey,
    Enrolment,
    EnrolmentStatus,
    Kit,
    ScreeningResult,
    SealedAllocationRecord,
    TrialStatus,
)
from nof1.web.trials.permissions import require_trial_clinician
from nof1.web.trials.services.screening import has_current_consent, latest_screening, passes


def enrol(clinician: Any, enrolment: Enrolment) -> Enrolment:
    """Randomise a screened, consented participant: allocation from a fresh CSPRNG seed
    (`nof1.randomization`), kit codes (`nof1.kits`), sealed under a new key
    (`nof1.blinding`). The sealed allocation and kits are stored for everyone on the trial;
    the key is wrapped and reachable only by the trial's pharmacist (and `unblind`)."""
    require_trial_clinician(clinician, enrolment.trial)
    with transaction.atomic():
        # Lock the row: two clicks on "enrol" must not randomise twice.
        enrolment = (
            Enrolment.objects.select_for_update().select_related("trial").get(pk=enrolment.pk)
        )
        trial = enrolment.trial
        if trial.status != TrialStatus.OPEN:
            raise WorkflowError("the trial is not open for enrolment")
        if SealedAllocationRecord.objects.filter(enrolment=enrolment).exists():
            raise WorkflowError(
                "the participant is already randomised; an allocation is never redrawn"
            )
        screening = latest_screening(enrolment)
        if not passes(screening):
            if screening is not None and screening.status == ScreeningResult.NEEDS_REVIEW:
                raise WorkflowError("screening needs review: a signed override is needed first")
            raise WorkflowError("the participant is not eligible: screening has not passed")
        if not has_current_consent(enrolment):
            raise WorkflowError("the participant has not consented to the current consent text")
        if enrolment.status != EnrolmentStatus.CONSENTED:
            raise WorkflowError(f"the participant cannot be enrolled while {enrolment.status}")

        protocol = trial.protocol
        allocation = randomization.allocate(
            protocol.arm_ids, protocol.design.block_count, randomization.draw_seed()
        )
        taken = Kit.objects.filter(trial=trial).values_list("code", flat=True)
        codes = kits.new_kit_codes(protocol.period_count, existing=list(taken))
        secret = blinding.generate_key()
        sealed = blinding.seal(
            allocation, codes, secret, trial=str(trial.pk), participant=enrolment.pseudonym
        )
        record = SealedAllocationRecord.objects.create(
            enrolment=enrolment,
            sealed_json=sealed.to_json(),
            fingerprint=sealed.fingerprint(),
            scheme=allocation.scheme,
            kit_codes=list(sealed.kits),
            created_by=clinician,
        )
        history.created(clinician, record)
        wrapped, wrapped_by = keys.wrap(secret, bound_to=str(enrolment.pk))
        key = AllocationKey.objects.create(
            sealed=record, wrapped=wrapped, wrapped_by=wrapped_by, created_by=clinician
        )
        history.created(clinician, key)
        for period, code in enumerate(sealed.kits, start=1):
            kit = Kit.objects.create(
                trial=trial, enrolment=enrolment, code=code, period=period, created_by=clinician
            )
            history.created(clinician, kit)
        history.event(
            clinician,
            Action.RANDOMISE,
            enrolment,
            {"sealed": record.fingerprint, "scheme": record.scheme, "kits": record.kit_codes},
            reason="randomised and sealed",
        )
        history.move_enrolment(
            enrolment, EnrolmentStatus.ENROLLED, by=clinician, reason="randomised and sealed"
        )
    return enrolment
