"""Screening with the core's safety rules, the signed override of "needs review", consent.

The rules are the protocol's (`protocol.eligibility`), applied by `nof1.safety.screen`; this
module only stores what was entered and what the core said. An ineligible result can never be
overridden: screen again once the reason no longer applies (e.g. the opioid-free window).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from nof1.safety import screen
from nof1.unblinding_log import canonical_json
from nof1.web.audit.models import Action
from nof1.web.trials import history
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import (
    Consent,
    ConsentVersion,
    Enrolment,
    EnrolmentStatus,
    ScreeningOverride,
    ScreeningRecord,
    ScreeningResult,
)
from nof1.web.trials.permissions import require_diary_writer, require_trial_clinician
from nof1.web.trials.services.participants import BEFORE_RANDOMISATION
from nof1.web.trials.services.trial import current_consent_version

INPUTS = (
    "medications",
    "conditions",
    "alt_iu_per_l",
    "ast_iu_per_l",
    "last_opioid_use",
    "start_date",
    "expected_opioid_need",
    "pregnant",
    "breastfeeding",
)
_DATES = ("last_opioid_use", "start_date")
_LISTS = ("medications", "conditions")


def latest_screening(enrolment: Enrolment) -> ScreeningRecord | None:
    return enrolment.screenings.order_by("-created_at").first()


def passes(screening: ScreeningRecord | None) -> bool:
    """Eligible, or needs review with a signed override."""
    if screening is None:
        return False
    if screening.status == ScreeningResult.ELIGIBLE:
        return True
    return screening.status == ScreeningResult.NEEDS_REVIEW and screening.overridden


def has_current_consent(enrolment: Enrolment) -> bool:
    current = current_consent_version(enrolment.trial)
    return current is not None and enrolment.consents.filter(version=current).exists()


def _status_after_screening(enrolment: Enrolment, screening: ScreeningRecord) -> str:
    if passes(screening):
        if has_current_consent(enrolment):
            return EnrolmentStatus.CONSENTED
        return EnrolmentStatus.ELIGIBLE
    if screening.status == ScreeningResult.NEEDS_REVIEW:
        return EnrolmentStatus.NEEDS_REVIEW
    return EnrolmentStatus.INELIGIBLE


def _inputs(enrolment: Enrolment, given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(arguments for `screen`, the same as JSON to store)."""
    unknown = sorted(set(given) - set(INPUTS))
    if unknown:
        raise EntryError(f"unknown screening inputs: {', '.join(unknown)}")
    args = dict(given)
    args.setdefault("start_date", enrolment.start_date)
    for name in _DATES:
        value = args.get(name)
        if isinstance(value, str):
            try:
                args[name] = dt.date.fromisoformat(value) if value.strip() else None
            except ValueError:
                raise EntryError(f"{name} must be an ISO date such as 2026-03-01") from None
        elif value is not None and not isinstance(value, dt.date):
            raise EntryError(f"{name} must be a date")
    for name in _LISTS:
        value = args.get(name, ())
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise EntryError(f"{name} must be a list")
        args[name] = [str(item).strip() for item in value if str(item).strip()]
    stored = {
        name: (value.isoformat() if isinstance(value, dt.date) else value)
        for name, value in args.items()
    }
    return args, stored


def screen_participant(clinician: Any, enrolment: Enrolment, **inputs: Any) -> ScreeningRecord:
    """Screen with the trial protocol's eligibility rules; inputs as `nof1.safety.screen`
    takes them (medications, conditions, alt_iu_per_l, ast_iu_per_l, last_opioid_use,
    expected_opioid_need, pregnant, breastfeeding; start_date defaults to the enrolment's)."""
    require_trial_clinician(clinician, enrolment.trial)
    if enrolment.status not in BEFORE_RANDOMISATION:
        raise WorkflowError("the participant is already randomised; screening is over")
    args, stored = _inputs(enrolment, inputs)
    try:
        result = screen(**args, rules=enrolment.trial.protocol.eligibility)
    except (TypeError, ValueError) as error:
        raise EntryError(str(error)) from None
    with transaction.atomic():
        record = ScreeningRecord.objects.create(
            enrolment=enrolment,
            inputs=stored,
            status=result.status.value,
            result=result.to_dict(),
            created_by=clinician,
        )
        history.created(clinician, record)
        history.move_enrolment(
            enrolment,
            _status_after_screening(enrolment, record),
            by=clinician,
            reason=f"screened: {result.status.value}",
        )
    return record


def override_review(clinician: Any, screening: ScreeningRecord, reason: str) -> ScreeningOverride:
    """Sign off a "needs review" screening, with the reason. Refused for "ineligible".

    The view should ask for the clinician's password again before calling this: the override
    is an electronic signature, and re-authentication is what makes it one.
    """
    enrolment = screening.enrolment
    require_trial_clinician(clinician, enrolment.trial)
    if screening.status == ScreeningResult.INELIGIBLE:
        raise WorkflowError(
            "an ineligible screening can never be overridden; screen again once the reason "
            "no longer applies"
        )
    if screening.status != ScreeningResult.NEEDS_REVIEW:
        raise WorkflowError("only a screening that needs review can be overridden")
    if screening.overridden:
        raise WorkflowError("this screening was already signed off")
    latest = latest_screening(enrolment)
    if latest is None or latest.pk != screening.pk:
        raise WorkflowError("the participant was screened again since; review the newest one")
    if enrolment.status not in BEFORE_RANDOMISATION:
        raise WorkflowError("the participant is already randomised")
    reason = (reason or "").strip()
    if not reason:
        raise EntryError("an override needs the clinician's reason")
    signed_at = timezone.now()
    signed = {
        "screening": str(screening.pk),
        "result": screening.result,
        "reason": reason,
        "signed_by": str(clinician.pk),
        "signed_at": signed_at.isoformat(),
    }
    with transaction.atomic():
        override = ScreeningOverride.objects.create(
            screening=screening,
            signed_by=clinician,
            signed_at=signed_at,
            reason=reason,
            signature=hashlib.sha256(canonical_json(signed)).hexdigest(),
            created_by=clinician,
        )
        history.created(clinician, override, reason=reason, action=Action.OVERRIDE)
        history.move_enrolment(
            enrolment,
            _status_after_screening(enrolment, screening),
            by=clinician,
            reason=f"needs review, overridden: {reason}",
        )
    return override


def record_consent(user: Any, enrolment: Enrolment, consent_version: ConsentVersion) -> Consent:
    """The participant (or their carer) agrees to the trial's newest consent text; the text
    is copied into the consent, so later edits of the version change nothing agreed."""
    require_diary_writer(user, enrolment)
    if consent_version.trial_id != enrolment.trial_id:
        raise EntryError("this consent text belongs to another trial")
    current = current_consent_version(enrolment.trial)
    if current is None or current.pk != consent_version.pk:
        raise WorkflowError("a newer consent text exists; consent to the newest version")
    allowed = (
        EnrolmentStatus.ELIGIBLE,
        EnrolmentStatus.CONSENTED,
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.ACTIVE,
    )
    if enrolment.status not in allowed:
        raise WorkflowError(
            f"consent is taken once screening has found the participant eligible "
            f"(now: {enrolment.get_status_display().lower()})"
        )
    existing = enrolment.consents.filter(version=consent_version).first()
    if existing is not None:
        return existing
    text = consent_version.text
    with transaction.atomic():
        consent = Consent.objects.create(
            enrolment=enrolment,
            version=consent_version,
            text=text,
            text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            agreed_at=timezone.now(),
            agreed_by=user,
            created_by=user,
        )
        history.created(user, consent)
        if enrolment.status == EnrolmentStatus.ELIGIBLE:
            history.move_enrolment(
                enrolment, EnrolmentStatus.CONSENTED, by=user, reason=f"consent v{current.version}"
            )
    return consent
