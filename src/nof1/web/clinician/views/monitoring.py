"""The monitoring dashboard during the trial: blinded by construction.

Its only data are the blinded daily table (`daily_table(..., after_unblinding=False)`: no arm,
no dose) and the diary rows; its plot is `plots.blinded_trend`, which takes trial days and
values and nothing else. The page stays blinded after unblinding too: results have their
own page.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pandas as pd
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from nof1.protocol import Outcome, Protocol
from nof1.web.accounts.access import AuthenticatedRequest
from nof1.web.clinician import plots
from nof1.web.clinician.monitoring import monitor
from nof1.web.clinician.views._access import clinician_view, enrolment_for_clinician
from nof1.web.diary.services import daily_table
from nof1.web.trials import clock
from nof1.web.trials.models import Enrolment
from nof1.web.trials.services import full_unblinding


def chosen_outcome(request: HttpRequest, protocol: Protocol) -> Outcome:
    """The outcome asked for in ?outcome=, else the primary one."""
    wanted = request.GET.get("outcome", "")
    for outcome in protocol.outcomes:
        if outcome.id == wanted and outcome.frequency in ("daily", "weekly"):
            return outcome
    return protocol.primary_outcome


def _trend(enrolment: Enrolment, table: pd.DataFrame, outcome: Outcome) -> dict[str, Any]:
    protocol = enrolment.trial.protocol
    values = [None if pd.isna(v) else float(v) for v in table[outcome.id]]
    svg = plots.blinded_trend(
        [int(d) for d in table["day"]],
        values,
        label=outcome.label,
        scale_min=outcome.scale.min,
        scale_max=outcome.scale.max,
        better=outcome.better,
        last_day=protocol.total_days,
    )
    return {
        "svg": svg,
        "outcome": outcome,
        "outcomes": [o for o in protocol.outcomes if o.frequency in ("daily", "weekly")],
        "rated": sum(v is not None for v in values),
    }


@clinician_view
@require_GET
def dashboard(request: AuthenticatedRequest, enrolment_id: UUID) -> HttpResponse:
    enrolment = enrolment_for_clinician(request, enrolment_id)
    context: dict[str, Any] = {"enrolment": enrolment, "trial": enrolment.trial}
    if not enrolment.kit_codes:
        return render(request, "clinician/dashboard.html", {**context, "started": False})
    protocol = enrolment.trial.protocol
    today = clock.today()
    table = daily_table(request.user, enrolment, after_unblinding=False)
    entries = list(enrolment.diary.all())
    schedule = enrolment.schedule()
    context.update(
        started=True,
        today=today,
        schedule_start=schedule.start,
        schedule_end=schedule.end,
        day_number=(today - schedule.start).days + 1,
        total_days=protocol.total_days,
        watch=monitor(protocol, table, entries, today),
        trend=_trend(enrolment, table, chosen_outcome(request, protocol)),
        unblinded=full_unblinding(enrolment) is not None,
        nightly_alerts=list(enrolment.alerts.all()[:20]),
    )
    return render(request, "clinician/dashboard.html", context)


@clinician_view
@require_GET
def dashboard_trend(request: AuthenticatedRequest, enrolment_id: UUID) -> HttpResponse:
    """The trend plot alone, for htmx to swap in when another outcome is chosen."""
    enrolment = enrolment_for_clinician(request, enrolment_id)
    if not enrolment.kit_codes:
        return render(request, "clinician/_trend.html", {"enrolment": enrolment, "trend": None})
    table = daily_table(request.user, enrolment, after_unblinding=False)
    trend = _trend(enrolment, table, chosen_outcome(request, enrolment.trial.protocol))
    return render(request, "clinician/_trend.html", {"enrolment": enrolment, "trend": trend})
