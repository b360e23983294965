"""Who may do what with a trial: the checks every service makes before it reads or writes.

Roles come from the accounts app; ownership from the trial (its clinician, its pharmacist)
and the enrolment (its participant, its active proxies). Views may use the querysets here to
look objects up so that another user's object is simply not found (404).
A refusal is recorded in the audit trail (access_denied), logged on "nof1.security" and
raised as Django's `PermissionDenied`. Services check permission before they open a
transaction, so the record of the refusal is kept when the refusal rolls their work back.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from nof1.web.accounts.models import Role
from nof1.web.audit.models import Action
from nof1.web.audit.services import record
from nof1.web.trials.models import Enrolment, EnrolmentStatus, ProxyStatus, Trial

security = logging.getLogger("nof1.security")


def deny(user: Any, message: str, target: Any = None) -> NoReturn:
    actor = user if getattr(user, "pk", None) is not None else None
    record(actor=actor, action=Action.ACCESS_DENIED, target=target, reason=message)
    security.warning("access_denied user=%s reason=%s", getattr(user, "pk", None), message)
    raise PermissionDenied(message)


def _has_role(user: Any, role: str) -> bool:
    return bool(getattr(user, "is_active", False)) and getattr(user, "role", None) == role


def is_trial_clinician(user: Any, trial: Trial) -> bool:
    return _has_role(user, Role.CLINICIAN) and trial.clinician_id == user.pk


def is_trial_pharmacist(user: Any, trial: Trial) -> bool:
    return _has_role(user, Role.PHARMACIST) and trial.pharmacist_id == user.pk


def is_participant(user: Any, enrolment: Enrolment) -> bool:
    return _has_role(user, Role.PARTICIPANT) and enrolment.participant_id == user.pk


def is_proxy(user: Any, enrolment: Enrolment) -> bool:
    return (
        bool(getattr(user, "is_active", False))
        and enrolment.proxies.filter(user_id=user.pk, status=ProxyStatus.ACTIVE).exists()
    )


def require_trial_clinician(user: Any, trial: Trial) -> None:
    if not is_trial_clinician(user, trial):
        deny(user, "only the trial's own clinician may do this", trial)


def require_trial_pharmacist(user: Any, trial: Trial) -> None:
    if not is_trial_pharmacist(user, trial):
        deny(user, "only the pharmacist assigned to this trial may do this", trial)


def require_diary_writer(user: Any, enrolment: Enrolment) -> None:
    """The participant, or a carer registered as their proxy."""
    if not (is_participant(user, enrolment) or is_proxy(user, enrolment)):
        deny(user, "only the participant or their registered carer may do this", enrolment)


# -- lookups for views: what a user may see at all ---------------------------------------------


def trials_for(user: Any) -> QuerySet[Trial]:
    """Trials a staff user works on: a clinician's own, a pharmacist's assigned ones."""
    if _has_role(user, Role.CLINICIAN):
        return Trial.objects.filter(clinician_id=user.pk)
    if _has_role(user, Role.PHARMACIST):
        return Trial.objects.filter(pharmacist_id=user.pk)
    return Trial.objects.none()


def enrolments_for(user: Any) -> QuerySet[Enrolment]:
    """Enrolments a user may look at: staff through their trials, a participant their own,
    a carer those they are an active proxy for, a researcher completed ones (pseudonymised
    data only; the views must not show the participant's account)."""
    if _has_role(user, Role.CLINICIAN) or _has_role(user, Role.PHARMACIST):
        return Enrolment.objects.filter(trial__in=trials_for(user))
    if _has_role(user, Role.RESEARCHER):
        return Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED)
    if getattr(user, "is_active", False):
        return Enrolment.objects.filter(
            Q(participant_id=user.pk)
            | Q(proxies__user_id=user.pk, proxies__status=ProxyStatus.ACTIVE)
        ).distinct()
    return Enrolment.objects.none()
