"""Reports and evidence cards in the web app: the core's builders on the unblinded diary.

Every number comes from `nof1.report.build_trial_report` / `build_series_report` (which run
the estimators once) and `nof1.evidence`; this module only gathers what the web app stores
(the daily table, the participant's guesses, when the allocation was opened) and hands the
finished document back as a download. `daily_table` refuses anyone who may not read the
participant's unblinded table, and refuses everyone before the whole allocation is open, so a
report can never reach a blinded person.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd
from django.http import HttpResponse

from nof1.web.diary.models import BlindingGuess
from nof1.web.diary.services import daily_table
from nof1.web.trials.models import Enrolment
from nof1.web.trials.services.unblinding import full_unblinding

CONTENT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def guesses(enrolment: Enrolment) -> list[str | None]:
    """The participant's end-of-period guess for each randomised period (None: not asked)."""
    by_period = {
        g.period: g.guess for g in BlindingGuess.objects.filter(enrolment=enrolment)
    }
    periods = enrolment.trial.protocol.period_count
    return [by_period.get(period) for period in range(1, periods + 1)]


def trial_report(
    user: Any, enrolment: Enrolment, *, plots: bool = True, table: pd.DataFrame | None = None
) -> Any:
    """The trial report (`nof1.report.TrialReport`) of one unblinded participant. `table` is
    the participant's unblinded daily table when the caller has already read it (through
    `daily_table`, which checks who may)."""
    from nof1.report import build_trial_report

    if table is None:
        table = daily_table(user, enrolment, after_unblinding=True)
    event = full_unblinding(enrolment)
    return build_trial_report(
        table,
        protocol=enrolment.trial.protocol,
        participant=enrolment.pseudonym,
        guesses=guesses(enrolment),
        unblinded_on=event.created_at.date().isoformat() if event else None,
        plots=plots,
    )


def series_report(table: pd.DataFrame, **options: Any) -> Any:
    """The series report (`nof1.report.SeriesReport`) of a pooled, pseudonymised table."""
    from nof1.report import build_series_report

    return build_series_report(table, **options)


@cache
def register_cards() -> tuple[Any, ...]:
    """The evidence card of every published study in the register: "what is known so far"."""
    from nof1.evidence import load_register, study_card

    return tuple(study_card(study) for study in load_register())


def download(report: Any, fmt: str, stem: str) -> HttpResponse:
    """The report as an attachment: self-contained HTML, or the PDF drawn from it."""
    from nof1.report.render import pdf_bytes, render_html

    html = render_html(report)
    body = html.encode("utf-8") if fmt == "html" else pdf_bytes(html)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
