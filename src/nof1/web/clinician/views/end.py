"""The end of a participant's trial: the unblinding request, then the results.

Unblinding is the trials service's explicit, audited action; this page only asks for it.
Results exist only once the whole allocation is open: before that the page says so and
runs nothing.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pandas as pd
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from nof1.exceptions import Nof1Error
from nof1.protocol import Protocol
from nof1.web.accounts.access import AuthenticatedRequest
from nof1.web.accounts.security import log_event
from nof1.web.audit.models import Action
from nof1.web.clinician import plots
from nof1.web.clinician.forms import UnblindForm
from nof1.web.clinician.report import analyse
from nof1.web.clinician.views._access import clinician_view, enrolment_for_clinician
from nof1.web.clinician.views.monitoring import chosen_outcome
from nof1.web.diary.models import Guess
from nof1.web.diary.services import daily_table
from nof1.web.trials import clock, reports
from nof1.web.trials.errors import EntryError, KeyUnavailableError, WorkflowError
from nof1.web.trials.models import Enrolment, UnblindingScope
from nof1.web.trials.services import full_unblinding, revealed_arms, unblind


def _arm_label(protocol: Protocol, arm_id: str) -> str:
    try:
        return protocol.arm(arm_id).label
    except KeyError:
        return arm_id


def _history(enrolment: Enrolment) -> list[dict[str, Any]]:
    """Every unblinding attempt; an emergency period's arm only where it was revealed."""
    protocol = enrolment.trial.protocol
    rows = []
    for event in enrolment.unblindings.select_related("created_by").order_by("-created_at"):
        arm = ""
        if event.succeeded and event.scope == UnblindingScope.PERIOD and event.revealed:
            arm = _arm_label(protocol, str(event.revealed.get("arm", "")))
        rows.append({"event": event, "arm": arm})
    return rows


@clinician_view
@require_http_methods(["GET", "POST"])
def unblinding(request: AuthenticatedRequest, enrolment_id: UUID) -> HttpResponse:
    enrolment = enrolment_for_clinician(request, enrolment_id)
    context: dict[str, Any] = {"enrolment": enrolment, "trial": enrolment.trial}
    if not enrolment.kit_codes:
        return render(request, "clinician/unblinding.html", {**context, "randomised": False})
    schedule = enrolment.schedule()
    today = clock.today()
    periods = len(schedule.periods)
    full_form = UnblindForm(prefix="full", periods=periods, initial={"reason": "End of the trial"})
    emergency_form = UnblindForm(prefix="emergency", periods=periods)
    if request.method == "POST":
        emergency = request.POST.get("scope") == "period"
        form = UnblindForm(
            request.POST, prefix="emergency" if emergency else "full", periods=periods
        )
        if emergency:
            emergency_form = form
        else:
            full_form = form
        if form.is_valid() and emergency and form.cleaned_data["period"] is None:
            form.add_error("period", "Choose the period to unblind.")
        if form.is_valid():
            period = form.cleaned_data["period"] if emergency else None
            try:
                event = unblind(request.user, enrolment, form.cleaned_data["reason"], period=period)
            except (EntryError, WorkflowError, KeyUnavailableError, Nof1Error) as error:
                form.add_error(None, str(error))
            else:
                if period is None:
                    messages.success(request, "The allocation is unblinded. The results follow.")
                    return redirect("clinician:results", enrolment_id=enrolment.pk)
                arm = _arm_label(enrolment.trial.protocol, str(event.revealed["arm"]))
                messages.warning(request, f"Period {period} (emergency unblinding): {arm}.")
                return redirect("clinician:unblinding", enrolment_id=enrolment.pk)
    context.update(
        randomised=True,
        full_form=full_form,
        emergency_form=emergency_form,
        schedule_end=schedule.end,
        can_unblind_all=today > schedule.end,
        unblinded=full_unblinding(enrolment) is not None,
        history=_history(enrolment),
    )
    return render(request, "clinician/unblinding.html", context)


def _shades(enrolment: Enrolment, arms: dict[int, str]) -> list[plots.Shade]:
    protocol = enrolment.trial.protocol
    active = [a.id for a in protocol.arms if not a.is_placebo]
    schedule = enrolment.schedule()
    shades = []
    for span in schedule.periods:
        arm = arms[span.period]
        colour = 0 if protocol.arm(arm).is_placebo else 1 + active.index(arm)
        shades.append(
            plots.Shade(
                first=(span.first - schedule.start).days + 1,
                last=(span.last - schedule.start).days + 1,
                label=_arm_label(protocol, arm),
                colour=colour,
            )
        )
    return shades


def _guesses(enrolment: Enrolment, arms: dict[int, str]) -> list[dict[str, Any]]:
    """The participant's guess of each period's arm beside the arm it had: the blinding check."""
    protocol = enrolment.trial.protocol
    rows = []
    for guess in enrolment.blinding_guesses.order_by("period"):
        arm = protocol.arm(arms[guess.period])
        right = (guess.guess == Guess.PLACEBO) == arm.is_placebo
        rows.append(
            {
                "period": guess.period,
                "guess": guess.get_guess_display(),
                "arm": arm.label,
                "right": None if guess.guess == Guess.DONT_KNOW else right,
            }
        )
    return rows


@clinician_view
@require_GET
def results(request: AuthenticatedRequest, enrolment_id: UUID) -> HttpResponse:
    enrolment = enrolment_for_clinician(request, enrolment_id)
    context: dict[str, Any] = {"enrolment": enrolment, "trial": enrolment.trial}
    arms = revealed_arms(enrolment) if enrolment.kit_codes else None
    if arms is None:
        return render(request, "clinician/results.html", {**context, "unblinded": False})
    protocol = enrolment.trial.protocol
    table = daily_table(request.user, enrolment, after_unblinding=True)
    outcome = chosen_outcome(request, protocol)
    values = [None if pd.isna(v) else float(v) for v in table[outcome.id]]
    shades = _shades(enrolment, arms)
    svg = plots.unblinded_trend(
        [int(d) for d in table["day"]],
        values,
        label=outcome.label,
        scale_min=outcome.scale.min,
        scale_max=outcome.scale.max,
        better=outcome.better,
        shades=shades,
        last_day=protocol.total_days,
    )
    try:
        built = reports.trial_report(request.user, enrolment, plots=False, table=table)
    except Nof1Error:
        built = None  # the primary outcome could not be analysed; the table below says why
    analysed = analyse(protocol, table, built)
    card = built.card if built is not None else None
    context.update(
        card=card,
        known_so_far=reports.register_cards(),
        unblinded=True,
        protocol=protocol,
        primary=analysed[0] if analysed and analysed[0].outcome.primary else None,
        results=analysed,
        plot_outcome=outcome,
        svg=svg,
        legend=plots.legend(shades),
        washout_days=protocol.design.washout_days,
        guesses=_guesses(enrolment, arms),
        unblinded_by=full_unblinding(enrolment),
    )
    return render(request, "clinician/results.html", context)


@clinician_view
@require_GET
def report(request: AuthenticatedRequest, enrolment_id: UUID, fmt: str) -> HttpResponse:
    """The full trial report (CENT 2015 items, plots, evidence card) as HTML or PDF."""
    enrolment = enrolment_for_clinician(request, enrolment_id)
    if not enrolment.kit_codes or revealed_arms(enrolment) is None:
        raise Http404("there is no report before the whole allocation is unblinded")
    try:
        built = reports.trial_report(request.user, enrolment)
    except Nof1Error as error:
        messages.error(request, f"The report could not be made: {error}")
        return redirect("clinician:results", enrolment_id=enrolment.pk)
    log_event(
        request, Action.EXPORT, reason="trial report", format=fmt, participant=enrolment.pseudonym
    )
    return reports.download(built, fmt, f"nof1-trial-report-{enrolment.pseudonym}")
