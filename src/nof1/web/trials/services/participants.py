"""Adding participants to a trial, their carers (proxies), start dates and withdrawal."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction

from nof1.kits import KIT_ALPHABET
from nof1.web.accounts.models import Role
from nof1.web.trials import history
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import (
    Enrolment,
    EnrolmentStatus,
    EnrolmentStatusEvent,
    Proxy,
    ProxyStatus,
    Trial,
    TrialStatus,
)
from nof1.web.trials.permissions import (
    deny,
    is_participant,
    is_trial_clinician,
    require_trial_clinician,
)

# Before randomisation: the start date may still move and the participant be screened again.
BEFORE_RANDOMISATION = (
    EnrolmentStatus.SCREENING,
    EnrolmentStatus.ELIGIBLE,
    EnrolmentStatus.INELIGIBLE,
    EnrolmentStatus.NEEDS_REVIEW,
    EnrolmentStatus.CONSENTED,
)
FINISHED = (EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN)


def new_pseudonym() -> str:
    """ "P-" and 6 characters from the kit alphabet (no 0/O, 1/I/L): about 7e8 values."""
    for _ in range(20):
        code = "P-" + "".join(secrets.choice(KIT_ALPHABET) for _ in range(6))
        if not Enrolment.objects.filter(pseudonym=code).exists():
            return code
    raise RuntimeError("could not draw an unused pseudonym")  # 20 collisions: not by chance


def _check_date(start_date: Any) -> dt.date:
    if not isinstance(start_date, dt.date) or isinstance(start_date, dt.datetime):
        raise EntryError("the start date must be a calendar date")
    return start_date


def add_participant(
    clinician: Any, trial: Trial, participant_user: Any, start_date: dt.date
) -> Enrolment:
    """Put a participant account into a trial, to be screened. `start_date` is the first day
    of the trial (the first run-in day)."""
    require_trial_clinician(clinician, trial)
    if trial.status == TrialStatus.CLOSED:
        raise WorkflowError("the trial is closed to new participants")
    if not getattr(participant_user, "is_active", False) or (
        getattr(participant_user, "role", None) != Role.PARTICIPANT
    ):
        raise EntryError("only an active participant account can be added to a trial")
    start = _check_date(start_date)
    if Enrolment.objects.filter(trial=trial, participant=participant_user).exists():
        raise WorkflowError("this participant is already in the trial")
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                trial=trial,
                participant=participant_user,
                pseudonym=new_pseudonym(),
                start_date=start,
                created_by=clinician,
            )
            history.created(clinician, enrolment)
            row = EnrolmentStatusEvent.objects.create(
                enrolment=enrolment,
                to_status=enrolment.status,
                reason="added",
                created_by=clinician,
            )
            history.created(clinician, row)
    except IntegrityError:  # added twice at the same moment
        raise WorkflowError("this participant is already in the trial") from None
    return enrolment


def change_start_date(clinician: Any, enrolment: Enrolment, start_date: dt.date) -> Enrolment:
    """Move the first day; only before randomisation (the kit sheet's dates follow it)."""
    require_trial_clinician(clinician, enrolment.trial)
    if enrolment.status not in BEFORE_RANDOMISATION:
        raise WorkflowError("the start date is fixed once the participant is randomised")
    start = _check_date(start_date)
    with transaction.atomic():
        old = history.snapshot(enrolment)
        enrolment.start_date = start
        enrolment.save(update_fields=["start_date", "updated_at"])
        history.changed(clinician, enrolment, old, reason="start date changed")
    return enrolment


def add_proxy(user: Any, enrolment: Enrolment, proxy_user: Any) -> Proxy:
    """Let a carer enter the diary on the participant's behalf. The trial's clinician or the
    participant may add one; the carer needs an active participant-role account."""
    if not (is_trial_clinician(user, enrolment.trial) or is_participant(user, enrolment)):
        deny(user, "only the participant or their clinician may add a carer", enrolment)
    if not getattr(proxy_user, "is_active", False) or (
        getattr(proxy_user, "role", None) != Role.PARTICIPANT
    ):
        raise EntryError("a carer needs an active participant account")
    if proxy_user.pk == enrolment.participant_id:
        raise EntryError("the participant cannot be their own carer")
    with transaction.atomic():
        proxy = (
            Proxy.objects.select_for_update().filter(enrolment=enrolment, user=proxy_user).first()
        )
        if proxy is None:
            proxy = Proxy.objects.create(enrolment=enrolment, user=proxy_user, created_by=user)
            history.created(user, proxy)
        elif proxy.status != ProxyStatus.ACTIVE:
            old = history.snapshot(proxy)
            proxy.status = ProxyStatus.ACTIVE
            proxy.save(update_fields=["status", "updated_at"])
            history.changed(user, proxy, old, reason="carer added again")
    return proxy


def revoke_proxy(user: Any, proxy: Proxy) -> Proxy:
    enrolment = proxy.enrolment
    if not (
        is_trial_clinician(user, enrolment.trial)
        or is_participant(user, enrolment)
        or proxy.user_id == getattr(user, "pk", None)
    ):
        deny(user, "only the participant, the carer or their clinician may remove a carer", proxy)
    if proxy.status == ProxyStatus.ACTIVE:
        with transaction.atomic():
            old = history.snapshot(proxy)
            proxy.status = ProxyStatus.REVOKED
            proxy.save(update_fields=["status", "updated_at"])
            history.changed(user, proxy, old, reason="carer removed")
    return proxy


def withdraw(user: Any, enrolment: Enrolment, reason: str = "") -> Enrolment:
    """End a participant's trial early; data recorded so far are kept. The participant may
    always withdraw, without giving a reason; the clinician must give one."""
    by_participant = is_participant(user, enrolment)
    if not (by_participant or is_trial_clinician(user, enrolment.trial)):
        deny(user, "only the participant or their clinician may withdraw them", enrolment)
    if enrolment.status in FINISHED:
        raise WorkflowError(f"the participant's trial has already ended ({enrolment.status})")
    reason = (reason or "").strip()
    if not reason:
        if not by_participant:
            raise EntryError("say why the participant is being withdrawn")
        reason = "withdrawn by the participant"
    with transaction.atomic():
        history.move_enrolment(enrolment, EnrolmentStatus.WITHDRAWN, by=user, reason=reason)
    return enrolment
