"""One participant before the trial: overview, screening, the signed override, consent, enrol."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nof1.web.accounts.access import AuthenticatedRequest, owned_or_404
from nof1.web.accounts.security import log_event
from nof1.web.audit.models import Action
from nof1.web.clinician.forms import OverrideForm, ScreeningForm
from nof1.web.clinician.views._access import clinician_view, enrolment_for_clinician, say
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import (
    Enrolment,
    EnrolmentStatus,
    ScreeningRecord,
    ScreeningResult,
    TrialStatus,
)
from nof1.web.trials.services import (
    change_start_date,
    current_consent_version,
    enrol,
    full_unblinding,
    has_current_consent,
    latest_screening,
    override_review,
    passes,
    screen_participant,
)
from nof1.web.trials.services.participants import BEFORE_RANDOMISATION


def _randomised(enrolment: Enrolment) -> bool:
    return bool(enrolment.kit_codes)


def _kits(enrolment: Enrolment) -> list[dict[str, Any]]:
    """Period, kit code and dates: what everyone on the trial may see of the allocation."""
    if not _randomised(enrolment):
        return []
    return [
        {"period": p.period, "pair": p.block, "kit": p.kit, "first": p.first, "last": p.last}
        for p in enrolment.schedule().periods
    ]


def _needs_override(screening: ScreeningRecord | None, enrolment: Enrolment) -> bool:
    return (
        screening is not None
        and screening.status == ScreeningResult.NEEDS_REVIEW
        and not screening.overridden
        and enrolment.status in BEFORE_RANDOMISATION
    )


@clinician_view
@require_GET
def participant(request: AuthenticatedRequest, enrolment_id: UUID) -> HttpResponse:
    enrolment = enrolment_for_clinician(request, enrolment_id)
    trial = enrolment.trial
    screening = latest_screening(enrolment)
    randomised = _randomised(enrolment)
    can_enrol = (
        not randomised
        and enrolment.status == EnrolmentStatus.CONSENTED
        and trial.status == TrialStatus.OPEN
        and passes(screening)
        and has_current_consent(enrolment)
    )
    return render(
        request,
        "clinician/participant.html",
        {
            "enrolment": enrolment,
            "trial": trial,
            "screening": screening,
            "screening_passes": passes(screening),
            "consent_version": current_consent_version(trial),
            "consented": has_current_consent(enrolment),
            "can_enrol": can_enrol,
            "randomised": randomised,
            "kits": _kits(enrolment),
            "unblinded": full_unblinding(enrolment) is not None,
            "trial_open": trial.status == TrialStatus.OPEN,
        },
    )


def _screening_page(
    request: AuthenticatedRequest,
    enrolment: Enrolment,
    *,
    form: ScreeningForm | None = None,
    override_form: OverrideForm | None = None,
) -> HttpResponse:
    screening = latest_screening(enrolment)
    open_to_screen = enrolment.status in BEFORE_RANDOMISATION
    if form is None and open_to_screen:
        inputs = screening.inputs if screening is not None else {}
        form = ScreeningForm(initial=ScreeningForm.initial_from(inputs, enrolment.start_date))
    needs_override = _needs_override(screening, enrolment)
    if needs_override and override_form is None:
        override_form = OverrideForm(user=request.user)
    return render(
        request,
        "clinician/screening.html",
        {
            "enrolment": enrolment,
            "trial": enrolment.trial,
            "screening": screening,
            "form": form if open_to_screen else None,
            "override_form": override_form if needs_override else None,
            "rules": enrolment.trial.protocol.eligibility,
        },
    )


@clinician_view
@require_http_methods(["GET", "POST"])
def screening(request: AuthenticatedRequest, enrolment_id: UUID) -> HttpResponse:
    enrolment = enrolment_for_clinician(request, enrolment_id)
    if request.method == "GET":
        return _screening_page(request, enrolment)
    form = ScreeningForm(request.POST)
    if form.is_valid():
        inputs = form.screening_inputs()
        try:
            with transaction.atomic():
                if inputs["start_date"] != enrolment.start_date:
                    change_start_date(request.user, enrolment, inputs["start_date"])
                record = screen_participant(request.user, enrolment, **inputs)
        except (EntryError, WorkflowError) as error:
            enrolment.refresh_from_db()
            if enrolment.status not in BEFORE_RANDOMISATION:  # no form left to show it on
                say(request, error)
                return redirect("clinician:screening", enrolment_id=enrolment.pk)
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Screened: {record.get_status_display().lower()}.")
            return redirect("clinician:screening", enrolment_id=enrolment.pk)
    return _screening_page(request, enrolment, form=form)


@clinician_view
@require_POST
def override(request: AuthenticatedRequest, enrolment_id: UUID, screening_id: UUID) -> HttpResponse:
    """Sign off "needs review": the reason, and the clinician's password as the signature."""
    enrolment = enrolment_for_clinician(request, enrolment_id)
    screening = owned_or_404(request, enrolment.screenings.all(), pk=screening_id)
    form = OverrideForm(request.POST, user=request.user)
    if not form.is_valid():
        if "password" in form.errors:
            log_event(
                request,
                Action.ACCESS_DENIED,
                reason="screening override: password not accepted",
                target=screening,
            )
        return _screening_page(request, enrolment, override_form=form)
    try:
        override_review(request.user, screening, form.cleaned_data["reason"])
    except (EntryError, WorkflowError) as error:
        say(request, error)
        return redirect("clinician:screening", enrolment_id=enrolment.pk)
    messages.success(request, "Override signed. The participant can now consent.")
    return redirect("clinician:participant", enrolment_id=enrolment.pk)


@clinician_view
@require_GET
def consent(request: AuthenticatedRequest, enrolment_id: UUID) -> HttpResponse:
    enrolment = enrolment_for_clinician(request, enrolment_id)
    current = current_consent_version(enrolment.trial)
    agreed = enrolment.consents.select_related("version", "agreed_by").order_by("-agreed_at")
    return render(
        request,
        "clinician/consent.html",
        {
            "enrolment": enrolment,
            "trial": enrolment.trial,
            "current": current,
            "consents": agreed,
            "consented": has_current_consent(enrolment),
        },
    )


@clinician_view
@require_POST
def enrol_participant(request: AuthenticatedRequest, enrolment_id: UUID) -> HttpResponse:
    """Randomise: the service checks screening, consent and status again, and refuses an
    ineligible participant whatever this page offered."""
    enrolment = enrolment_for_clinician(request, enrolment_id)
    try:
        enrolment = enrol(request.user, enrolment)
    except WorkflowError as error:
        say(request, error)
    else:
        messages.success(
            request,
            "Randomised and sealed. The pharmacist has the kit sheet; you see kit codes only.",
        )
    return redirect("clinician:participant", enrolment_id=enrolment.pk)
