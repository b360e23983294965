"""Creating a trial from a protocol, opening and closing it, and its consent texts."""

from __future__ import annotations

import hashlib
import tomllib
from typing import Any

from django.db import transaction
from django.db.models import Max

from nof1.exceptions import ProtocolError
from nof1.protocol import parse_protocol, template_text
from nof1.web.accounts.models import Role
from nof1.web.trials import history
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import ConsentVersion, Trial, TrialStatus, TrialStatusEvent
from nof1.web.trials.permissions import deny, require_trial_clinician

MAX_BACKFILL_DAYS = 14


def _require_role(user: Any, role: str, what: str) -> None:
    if not getattr(user, "is_active", False) or getattr(user, "role", None) != role:
        deny(user, f"only a {role} may {what}")


def create_trial(
    clinician: Any,
    *,
    pharmacist: Any,
    template_name: str | None = None,
    protocol_text: str | None = None,
    title: str = "",
    backfill_days: int = 3,
) -> Trial:
    """A new trial (draft) from a bundled template or a protocol's TOML text, validated by the
    core; `ProtocolError` lists every problem in the protocol."""
    _require_role(clinician, Role.CLINICIAN, "create a trial")
    if not getattr(pharmacist, "is_active", False) or getattr(pharmacist, "role", None) != (
        Role.PHARMACIST
    ):
        raise EntryError("the trial's pharmacist must be an active pharmacist account")
    if (template_name is None) == (protocol_text is None):
        raise EntryError("give either a protocol template name or a protocol's text, not both")
    text = template_text(template_name) if template_name is not None else str(protocol_text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError(f"the protocol is not valid TOML: {exc}") from None
    protocol = parse_protocol(data, template_name or "protocol")
    if not 0 <= int(backfill_days) <= MAX_BACKFILL_DAYS:
        raise EntryError(f"the backfill window must be 0 to {MAX_BACKFILL_DAYS} days")
    with transaction.atomic():
        trial = Trial.objects.create(
            title=(title.strip() or protocol.title)[:200],
            protocol_text=text,
            protocol_id=protocol.id,
            protocol_version=protocol.version,
            protocol_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            clinician=clinician,
            pharmacist=pharmacist,
            backfill_days=int(backfill_days),
            created_by=clinician,
        )
        history.created(clinician, trial)
        row = TrialStatusEvent.objects.create(
            trial=trial, to_status=trial.status, reason="created", created_by=clinician
        )
        history.created(clinician, row)
    return trial


def open_trial(clinician: Any, trial: Trial) -> Trial:
    """Open for enrolment. The protocol is fixed from here on (it is never edited anyway)."""
    require_trial_clinician(clinician, trial)
    if trial.status != TrialStatus.DRAFT:
        raise WorkflowError(f"only a draft trial can be opened; this one is {trial.status}")
    if not trial.consent_versions.exists():
        raise WorkflowError("add the consent text before opening the trial")
    with transaction.atomic():
        history.move_trial(trial, TrialStatus.OPEN, by=clinician, reason="opened for enrolment")
    return trial


def close_trial(clinician: Any, trial: Trial, reason: str = "") -> Trial:
    """No new participants; those already in carry on to the end."""
    require_trial_clinician(clinician, trial)
    if trial.status == TrialStatus.CLOSED:
        raise WorkflowError("the trial is already closed")
    with transaction.atomic():
        history.move_trial(trial, TrialStatus.CLOSED, by=clinician, reason=reason or "closed")
    return trial


def add_consent_version(clinician: Any, trial: Trial, text: str) -> ConsentVersion:
    """A new consent text; participants consent to the newest version."""
    require_trial_clinician(clinician, trial)
    if trial.status == TrialStatus.CLOSED:
        raise WorkflowError("the trial is closed")
    if not text or not text.strip():
        raise EntryError("the consent text is empty")
    with transaction.atomic():
        Trial.objects.select_for_update().filter(pk=trial.pk).first()  # one number at a time
        latest = trial.consent_versions.aggregate(n=Max("version"))["n"] or 0
        version = ConsentVersion.objects.create(
            trial=trial, version=latest + 1, text=text.strip(), created_by=clinician
        )
        history.created(clinician, version)
    return version


def current_consent_version(trial: Trial) -> ConsentVersion | None:
    return trial.consent_versions.order_by("-version").first()
