"""A participant's carers: who may enter the diary on their behalf, added and removed here.

A carer signs in with their own participant account; every value they enter keeps who
entered it. Someone without an account gets an invitation first and is added once they have
set it up. Changes are POST only, through `add_proxy` and `revoke_proxy`.
"""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from nof1.web.accounts import invitations
from nof1.web.accounts.access import AuthenticatedRequest
from nof1.web.accounts.models import Role, User
from nof1.web.clinician.views._access import clinician_view, enrolment_for_clinician, say
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import Enrolment, Proxy, ProxyStatus
from nof1.web.trials.services.participants import add_proxy, revoke_proxy


class AddCarerForm(forms.Form):
    email = forms.EmailField(
        label="Carer's e-mail address",
        help_text="They sign in with their own participant account to enter on this "
        "participant's behalf.",
    )


def _page(
    request: AuthenticatedRequest,
    enrolment: Enrolment,
    form: AddCarerForm | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    carers = enrolment.proxies.select_related("user").order_by("status", "created_at")
    return render(
        request,
        "clinician/carers.html",
        {
            "enrolment": enrolment,
            "trial": enrolment.trial,
            "carers": carers,
            "active": ProxyStatus.ACTIVE,
            "form": form or AddCarerForm(),
        },
        status=status,
    )


def _add(request: AuthenticatedRequest, enrolment: Enrolment) -> HttpResponse:
    form = AddCarerForm(request.POST)
    if not form.is_valid():
        return _page(request, enrolment, form, status=400)
    email = form.cleaned_data["email"].strip()
    accounts = list(User.objects.filter(email__iexact=email))
    people = [u for u in accounts if u.role == Role.PARTICIPANT and u.is_active]
    if any(u.pk == enrolment.participant_id for u in accounts):
        form.add_error("email", "This is the participant's own address; a carer is someone else.")
    elif accounts and not people:
        form.add_error(
            "email",
            "This address belongs to an account that is not a participant's. A carer needs a "
            "participant account of their own.",
        )
    elif len(people) > 1:
        form.add_error("email", "Several participant accounts use this address; an admin can help.")
    elif people:
        try:
            proxy = add_proxy(request.user, enrolment, people[0])
        except (EntryError, WorkflowError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"{proxy.user} can now enter the diary on {enrolment.participant}'s behalf.",
            )
            return redirect("clinician:carers", enrolment_id=enrolment.pk)
    else:
        invitation, token = invitations.invite(request.user, email, Role.PARTICIPANT)
        invitations.send_link(invitation, token)
        messages.success(
            request,
            f"Invitation sent to {email}. No account uses this address yet: once they have "
            "accepted the invitation and set up their account, add them here as a carer.",
        )
        return redirect("clinician:carers", enrolment_id=enrolment.pk)
    return _page(request, enrolment, form, status=400)


def _revoke(request: AuthenticatedRequest, enrolment: Enrolment, value: str) -> HttpResponse:
    try:
        proxy_id = UUID(value)
    except ValueError:
        raise Http404("no such carer") from None
    proxy = (
        Proxy.objects.select_related("enrolment__trial", "user")
        .filter(pk=proxy_id, enrolment=enrolment)
        .first()
    )
    if proxy is None:
        raise Http404("no such carer")
    try:
        revoke_proxy(request.user, proxy)
    except (EntryError, WorkflowError) as error:
        say(request, error)
    else:
        messages.success(request, f"{proxy.user} can no longer enter on the participant's behalf.")
    return redirect("clinician:carers", enrolment_id=enrolment.pk)


@clinician_view
@require_http_methods(["GET", "POST"])
def carers(request: AuthenticatedRequest, enrolment_id: UUID) -> HttpResponse:
    enrolment = enrolment_for_clinician(request, enrolment_id)
    if request.method == "POST":
        if "revoke" in request.POST:
            return _revoke(request, enrolment, request.POST["revoke"])
        return _add(request, enrolment)
    return _page(request, enrolment)
