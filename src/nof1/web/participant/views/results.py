"""Own results, after the whole allocation is unblinded, and a download of all own data.

The effect comes from the core (`SingleTrial` on the canonical daily table, fitted once for the
page and its evidence card through the trial report); this page only puts the result object's
numbers into plain words.
"""

from __future__ import annotations

import warnings
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from nof1.analysis.single import SingleTrial
from nof1.exceptions import ApproximationWarning, InsufficientDataError, Nof1Error
from nof1.protocol import Outcome, Protocol
from nof1.results import SingleResult
from nof1.web.accounts.security import log_event
from nof1.web.audit.models import Action
from nof1.web.diary.models import BlindingGuess
from nof1.web.diary.services import daily_table
from nof1.web.participant.export import own_data_csv
from nof1.web.participant.views.common import page, participant_page
from nof1.web.trials import clock, reports
from nof1.web.trials.models import Enrolment
from nof1.web.trials.services.unblinding import revealed_arms


@require_GET
@participant_page
def results(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    arms = revealed_arms(enrolment)
    if arms is None:
        return page(request, enrolment, "participant/results.html", {"ready": False})
    protocol = enrolment.trial.protocol
    outcome = protocol.primary_outcome
    table = daily_table(request.user, enrolment, after_unblinding=True)
    try:
        built = reports.trial_report(request.user, enrolment, plots=False, table=table)
    except Nof1Error:
        built = None
    effects: list[dict[str, Any]] = []
    problem = ""
    try:
        result = _primary_fit(protocol, outcome, table, built)
    except (InsufficientDataError, ValueError):
        # ValueError too: the core's design step fails with a bare numpy error when every
        # value of the outcome is missing; the participant gets the same calm sentence.
        problem = (
            f"Not enough days of {outcome.label.lower()} were logged in each kind of period "
            "to work out a result. Your clinician can talk it through with you."
        )
    else:
        for arm_id in result.effects:
            effects.append(_in_words(protocol, outcome, arm_id, result.to_dict(arm_id)))
    card = built.card if built is not None and not problem else None
    return page(
        request,
        enrolment,
        "participant/results.html",
        {
            "ready": True,
            "outcome": outcome,
            "effects": effects,
            "problem": problem,
            "guesses": _guesses(protocol, enrolment, arms),
            "card": card,
            "known_so_far": reports.register_cards(),
        },
    )


def _primary_fit(
    protocol: Protocol, outcome: Outcome, table: Any, built: Any
) -> SingleResult:
    """The primary outcome's fit: the report's (`built`), when it fitted it with the protocol's
    settings, else fitted here. Refusals raise as `SingleTrial.fit` does."""
    done = built.primary if built is not None else None
    if (done is not None and done.result is not None and done.spec.id == outcome.id
            and done.spec.log_offset is None and done.spec.better == outcome.better
            and done.spec.mcid == outcome.mcid):
        return done.result
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ApproximationWarning)
        return SingleTrial(
            outcome.id,
            better=outcome.better,
            mcid=outcome.mcid,
            washout_days=protocol.design.washout_days,
        ).fit(table).result_


def _in_words(protocol: Protocol, outcome: Outcome, arm_id: str, numbers: dict[str, Any]) -> dict:
    unit = "points" if outcome.scale.unit == "points" else outcome.scale.unit
    mean = float(numbers["effect"]["mean"])
    low, high = (float(x) for x in numbers["effect"]["ci95"])
    return {
        "arm": protocol.arm(arm_id).label,
        "comparator": protocol.placebo.label,
        "mean": _difference(mean, unit),
        "better_direction": "lower" if outcome.better == "lower" else "higher",
        "low": _difference(low, unit),
        "high": _difference(high, unit),
        "n_days": numbers["n_days"],
        "prob_benefit": _percent(numbers["prob_benefit"]),
        "prob_benefit_mcid": _percent(numbers["prob_benefit_mcid"]),
        "prob_harm_mcid": _percent(numbers["prob_harm_mcid"]),
        "mcid": f"{outcome.mcid:g}" if outcome.mcid is not None else None,
        "unit": unit,
    }


def _difference(value: float, unit: str) -> str:
    if round(value, 1) == 0:
        return f"0.0 {unit} (no difference)"
    return f"{abs(value):.1f} {unit} {'lower' if value < 0 else 'higher'}"


def _percent(p: float | None) -> str | None:
    if p is None:
        return None
    if p > 0.99:
        return "more than 99%"
    if p < 0.01:
        return "less than 1%"
    return f"{round(p * 100)}%"


def _guesses(protocol: Protocol, enrolment: Enrolment, arms: dict[int, str]) -> list[dict]:
    rows = []
    for row in BlindingGuess.objects.filter(enrolment=enrolment).order_by("period"):
        arm = arms.get(row.period)
        rows.append(
            {
                "period": row.period,
                "guess": row.get_guess_display(),
                "was": protocol.arm(arm).label if arm else "",
            }
        )
    return rows


@require_GET
@participant_page
def download(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    """Everything the participant entered, one row per day. Before unblinding: no arm, no
    dose (see `nof1.web.participant.export`)."""
    body = own_data_csv(request.user, enrolment)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    name = f"nof1-my-diary-{clock.today().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@participant_page
def report(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    """The full trial report as a PDF, once the whole allocation is unblinded."""
    if revealed_arms(enrolment) is None:
        raise Http404("there is no report before the trial has ended and been unblinded")
    try:
        built = reports.trial_report(request.user, enrolment)
    except Nof1Error:
        raise Http404("not enough days were logged to make a report") from None
    log_event(request, Action.EXPORT, reason="own trial report", format="pdf")
    return reports.download(built, "pdf", "nof1-my-trial-report")
