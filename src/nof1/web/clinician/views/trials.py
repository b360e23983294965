"""Trials: the list, a new trial from a bundled protocol, one trial and its participants."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nof1.exceptions import ProtocolError
from nof1.web.accounts import invitations
from nof1.web.accounts.access import AuthenticatedRequest, owned_or_404
from nof1.web.accounts.models import Role, User
from nof1.web.audit.models import Action
from nof1.web.audit.services import model_snapshot, record
from nof1.web.clinician.forms import AddParticipantForm, ConsentVersionForm, TrialForm
from nof1.web.clinician.models import InvitedParticipant
from nof1.web.clinician.views._access import clinician_view, say, trial_for_clinician
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import Trial, TrialStatus
from nof1.web.trials.permissions import trials_for
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    create_trial,
    current_consent_version,
    open_trial,
)


@clinician_view
@require_GET
def trials(request: AuthenticatedRequest) -> HttpResponse:
    rows = (
        trials_for(request.user)
        .select_related("pharmacist")
        .annotate(participants=Count("enrolments"))
        .order_by("-created_at")
    )
    return render(request, "clinician/trials.html", {"trials": rows})


@clinician_view
@require_http_methods(["GET", "POST"])
def trial_new(request: AuthenticatedRequest) -> HttpResponse:
    form = TrialForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a trial is never left without its consent text
                trial = create_trial(
                    request.user,
                    pharmacist=data["pharmacist"],
                    template_name=data["template"],
                    title=data["title"],
                )
                add_consent_version(request.user, trial, data["consent_text"])
        except (EntryError, WorkflowError, ProtocolError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "The trial is ready as a draft. Open it for enrolment when you are ready."
            )
            return redirect("clinician:trial", trial_id=trial.pk)
    return render(request, "clinician/trial_new.html", {"form": form})


def _trial_page(
    request: AuthenticatedRequest,
    trial: Trial,
    *,
    add_form: AddParticipantForm | None = None,
    consent_form: ConsentVersionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    enrolments = trial.enrolments.select_related("participant").order_by("created_at")
    invited = trial.invited.select_related("invitation", "invitation__user").filter(
        enrolment__isnull=True
    )
    return render(
        request,
        "clinician/trial.html",
        {
            "trial": trial,
            "protocol": trial.protocol,
            "enrolments": enrolments,
            "invited": invited,
            "consent": current_consent_version(trial),
            "add_form": add_form or AddParticipantForm(),
            "consent_form": consent_form or ConsentVersionForm(),
            "is_draft": trial.status == TrialStatus.DRAFT,
            "is_closed": trial.status == TrialStatus.CLOSED,
        },
        status=status,
    )


@clinician_view
@require_GET
def trial(request: AuthenticatedRequest, trial_id: UUID) -> HttpResponse:
    return _trial_page(request, trial_for_clinician(request, trial_id))


@clinician_view
@require_POST
def trial_open(request: AuthenticatedRequest, trial_id: UUID) -> HttpResponse:
    trial = trial_for_clinician(request, trial_id)
    try:
        open_trial(request.user, trial)
    except WorkflowError as error:
        say(request, error)
    else:
        messages.success(request, "The trial is open for enrolment.")
    return redirect("clinician:trial", trial_id=trial.pk)


@clinician_view
@require_POST
def consent_version_add(request: AuthenticatedRequest, trial_id: UUID) -> HttpResponse:
    trial = trial_for_clinician(request, trial_id)
    form = ConsentVersionForm(request.POST)
    if not form.is_valid():
        return _trial_page(request, trial, consent_form=form)
    try:
        version = add_consent_version(request.user, trial, form.cleaned_data["text"])
    except (EntryError, WorkflowError) as error:
        form.add_error(None, str(error))
        return _trial_page(request, trial, consent_form=form)
    messages.success(request, f"Consent version {version.version} is now the current text.")
    return redirect("clinician:trial", trial_id=trial.pk)


@clinician_view
@require_POST
def participant_add(request: AuthenticatedRequest, trial_id: UUID) -> HttpResponse:
    """Add someone by e-mail: their participant account if they have one, else invite them
    and keep the trial and start date until they have set up their account."""
    trial = trial_for_clinician(request, trial_id)
    form = AddParticipantForm(request.POST)
    if not form.is_valid():
        return _trial_page(request, trial, add_form=form)
    email = form.cleaned_data["email"].strip()
    start = form.cleaned_data["start_date"]
    accounts = list(User.objects.filter(email__iexact=email))
    people = [u for u in accounts if u.role == Role.PARTICIPANT and u.is_active]
    if accounts and not people:
        form.add_error("email", "This address belongs to an account that is not a participant's.")
    elif len(people) > 1:
        form.add_error("email", "Several participant accounts use this address; an admin can help.")
    elif people:
        try:
            enrolment = add_participant(request.user, trial, people[0], start)
        except (EntryError, WorkflowError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{enrolment.participant} is in the trial. Screen them next.")
            return redirect("clinician:participant", enrolment_id=enrolment.pk)
    elif trial.status == TrialStatus.CLOSED:
        form.add_error(None, "The trial is closed to new participants.")
    elif trial.invited.filter(invitation__email__iexact=email, enrolment__isnull=True).exists():
        form.add_error("email", "This person is already invited to this trial.")
    else:
        with transaction.atomic():
            invitation, token = invitations.invite(request.user, email, Role.PARTICIPANT)
            invited = InvitedParticipant.objects.create(
                trial=trial, invitation=invitation, start_date=start, created_by=request.user
            )
            record(
                actor=request.user,
                action=Action.CREATE,
                target=invited,
                new=model_snapshot(invited),
                reason="participant invited to a trial",
            )
        invitations.send_link(invitation, token)
        messages.success(
            request,
            f"An invitation is on its way to {email}. Once they have set up their account, "
            "add them to the trial from this page.",
        )
        return redirect("clinician:trial", trial_id=trial.pk)
    return _trial_page(request, trial, add_form=form)


@clinician_view
@require_POST
def invited_add(request: AuthenticatedRequest, trial_id: UUID, invited_id: UUID) -> HttpResponse:
    """Put an invited person, now with an account, into the trial they were invited to."""
    trial = trial_for_clinician(request, trial_id)
    invited = owned_or_404(
        request,
        InvitedParticipant.objects.filter(trial=trial).select_related("invitation__user"),
        pk=invited_id,
    )
    if invited.enrolment_id is not None:
        return redirect("clinician:participant", enrolment_id=invited.enrolment_id)
    if invited.waiting:
        messages.error(request, "They have not set up their account yet.")
        return redirect("clinician:trial", trial_id=trial.pk)
    try:
        with transaction.atomic():
            enrolment = add_participant(
                request.user, trial, invited.invitation.user, invited.start_date
            )
            old = model_snapshot(invited)
            invited.enrolment = enrolment
            invited.save(update_fields=["enrolment"])
            record(
                actor=request.user,
                action=Action.UPDATE,
                target=invited,
                old=old,
                new=model_snapshot(invited),
                reason="invited participant added to the trial",
            )
    except (EntryError, WorkflowError) as error:
        say(request, error)
        return redirect("clinician:trial", trial_id=trial.pk)
    messages.success(request, f"{enrolment.participant} is in the trial. Screen them next.")
    return redirect("clinician:participant", enrolment_id=enrolment.pk)
