"""The researcher's pages: completed trials to pool, pseudonymised exports, a series analysis.

Researchers (second factor passed) see completed, unblinded enrolments of every trial, by
pseudonym only; `pooling` says exactly what is and is not in the data and why. A selection
names pseudonyms (`?participant=P-...`, repeatable; none means all). A name that is not a
completed enrolment (another pseudonym, a user id, an enrolment id) answers 404, as if it did
not exist, and is logged as a refused access when it names something real. Every download is
recorded in the audit trail ("export").

The standard formats (FHIR R5 JSON, CDISC ODM 1.3.2 XML with the diary's audit records, a
REDCap zip; `standards`) describe one protocol each. `?protocol=<id>` or `<id>@<version>`
picks it, and may be left out when the selection holds one protocol; with several and none
picked the answer is 400, with links to each, and a protocol the selection does not hold is
404. The selection's participants of other protocols are left out of that file.

The series page only calls `nof1.analysis.series.SeriesAnalysis` on the same pooled table the
export gives, and shows its result object; it computes nothing itself. Its report (HTML or
PDF: forest plot, flow diagram, dose-response, evidence card) comes from
`nof1.report.build_series_report` on that same table, and is audited like an export.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from nof1.analysis.series import SeriesAnalysis
from nof1.data import save
from nof1.exceptions import DataError, InsufficientDataError
from nof1.results import SeriesResult
from nof1.web.accounts.access import AuthenticatedRequest, owned_or_404, role_required
from nof1.web.accounts.models import Role
from nof1.web.accounts.security import log_event
from nof1.web.audit.models import Action
from nof1.web.diary.models import EntryStatus
from nof1.web.research import pooling, standards
from nof1.web.research.forms import SeriesForm
from nof1.web.trials import reports
from nof1.web.trials.models import Enrolment

MAX_SELECTED = 10_000
FORMATS = {
    "csv": ("text/csv; charset=utf-8", ".csv"),
    "parquet": ("application/vnd.apache.parquet", ".parquet"),
}
STANDARDS = {  # format -> (content type, file name suffix, URL name)
    "fhir": ("application/fhir+json", ".fhir.json", "research:export_fhir"),
    "odm": ("application/xml", ".odm.xml", "research:export_odm"),
    "redcap": ("application/zip", "-redcap.zip", "research:export_redcap"),
}


def _selected(request: AuthenticatedRequest, completed: QuerySet[Enrolment]) -> list[Enrolment]:
    """The completed enrolments named by `?participant=` (all when none is named); 404 when
    any name is not one of them."""
    wanted = list(dict.fromkeys(request.GET.getlist("participant")))[:MAX_SELECTED]
    if not wanted:
        return list(completed)
    found = {e.pseudonym: e for e in completed.filter(pseudonym__in=wanted)}
    for name in wanted:
        if name not in found:  # 404; logged when it names a real, non-completed enrolment
            owned_or_404(request, completed, pseudonym=name)
    return [found[name] for name in wanted]


# -- what may be pooled --------------------------------------------------------------------------


@require_GET
@never_cache
@role_required(Role.RESEARCHER)
def index(request: AuthenticatedRequest) -> HttpResponse:
    completed = pooling.completed_enrolments(request.user).annotate(
        days_logged=Count("diary", filter=Q(diary__status=EntryStatus.COMPLETE))
    )
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for enrolment in completed:
        trial = enrolment.trial
        group = groups.setdefault(
            (trial.protocol_id, trial.protocol_version),
            {
                "key": _protocol_key(enrolment),
                "protocol_id": trial.protocol_id,
                "protocol_version": trial.protocol_version,
                "total_days": trial.protocol.total_days,
                "enrolments": [],
            },
        )
        group["enrolments"].append(enrolment)
    return render(
        request,
        "research/index.html",
        {
            "groups": list(groups.values()),
            "count": sum(len(g["enrolments"]) for g in groups.values()),
        },
    )


# -- exports -------------------------------------------------------------------------------------


@require_GET
@never_cache
@role_required(Role.RESEARCHER)
def export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The pooled daily table of the selected completed enrolments as CSV or Parquet."""
    content_type, suffix = FORMATS[fmt]
    enrolments = _selected(request, pooling.completed_enrolments(request.user))
    if not enrolments:
        return render(request, "research/nothing_to_export.html", status=404)
    table = pooling.pooled_table(request.user, enrolments)
    with tempfile.TemporaryDirectory(prefix="nof1-export-") as folder:
        path = Path(folder) / f"export{suffix}"
        save(table, path)
        body = path.read_bytes()
    log_event(
        request,
        Action.EXPORT,
        reason="research export",
        format=fmt,
        rows=len(table),
        participants=[e.pseudonym for e in enrolments],
    )
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="nof1-daily-table{suffix}"'
    return response


def _protocol_key(enrolment: Enrolment) -> str:
    return f"{enrolment.trial.protocol_id}@{enrolment.trial.protocol_version}"


def _one_protocol(
    request: AuthenticatedRequest, enrolments: list[Enrolment], fmt: str
) -> list[Enrolment] | HttpResponse:
    """The selected enrolments of the protocol `?protocol=` names (`<id>` or `<id>@<version>`;
    not needed when there is one), or the page that asks to choose (400) or says it is not
    in the selection (404)."""
    groups: dict[str, list[Enrolment]] = {}
    for enrolment in enrolments:
        groups.setdefault(_protocol_key(enrolment), []).append(enrolment)
    asked = request.GET.get("protocol", "").strip()
    if not asked and len(groups) == 1:
        return enrolments
    matches = [key for key in groups if asked and asked in (key, key.rsplit("@", 1)[0])]
    if len(matches) == 1:
        return groups[matches[0]]
    named = [e.pseudonym for e in enrolments] if "participant" in request.GET else []
    choices = [
        {
            "protocol_id": members[0].trial.protocol_id,
            "protocol_version": members[0].trial.protocol_version,
            "count": len(members),
            "url": reverse(STANDARDS[fmt][2])
            + "?"
            + urlencode([*(("participant", p) for p in named), ("protocol", key)]),
        }
        for key, members in groups.items()
    ]
    status = 404 if asked and not matches else 400
    return render(
        request,
        "research/choose_protocol.html",
        {"choices": choices, "unknown": status == 404, "format": fmt},
        status=status,
    )


@require_GET
@never_cache
@role_required(Role.RESEARCHER)
def standard_export(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """One protocol's part of the selection as FHIR R5 JSON, ODM 1.3.2 XML (with the audit
    records of its diary entries) or a REDCap zip (dictionary, records and a read-me)."""
    content_type, suffix, _ = STANDARDS[fmt]
    enrolments = _selected(request, pooling.completed_enrolments(request.user))
    if not enrolments:
        return render(request, "research/nothing_to_export.html", status=404)
    chosen = _one_protocol(request, enrolments, fmt)
    if isinstance(chosen, HttpResponse):
        return chosen
    protocol = chosen[0].trial.protocol
    table = pooling.pooled_table(request.user, chosen)
    if fmt == "fhir":
        body = standards.fhir_file(protocol, table)
    elif fmt == "odm":
        body = standards.odm_file(protocol, table, chosen)
    else:
        body = standards.redcap_zip(protocol, table)
    log_event(
        request,
        Action.EXPORT,
        reason="research export",
        format=fmt,
        protocol=_protocol_key(chosen[0]),
        rows=len(table),
        participants=[e.pseudonym for e in chosen],
    )
    response = HttpResponse(body, content_type=content_type)
    name = f"{standards.base_name(protocol)}{suffix}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- series analysis -----------------------------------------------------------------------------


@require_GET
@never_cache
@role_required(Role.RESEARCHER)
def series(request: AuthenticatedRequest) -> HttpResponse:
    """Choose an outcome and MCID; the pooled table goes to `SeriesAnalysis`; show its result.

    A GET form: running an analysis changes nothing, and the address records the question.
    """
    enrolments = _selected(request, pooling.completed_enrolments(request.user))
    protocols = pooling.protocols_of(enrolments)
    asked = "outcome" in request.GET
    form = SeriesForm(request.GET if asked else None, protocols=protocols)
    context: dict[str, Any] = {
        "form": form,
        "enrolments": enrolments,
        # only names that passed `_selected` go back into the form
        "selected": [e.pseudonym for e in enrolments] if "participant" in request.GET else [],
    }
    if asked and enrolments and form.is_valid():
        data = form.cleaned_data
        try:
            analysis = SeriesAnalysis(
                data["outcome"],
                better=data["better"],
                mcid=data["mcid"],
                washout_days=data["washout_days"],
                arm=data.get("arm") or None,
            )
            result = analysis.fit(pooling.pooled_table(request.user, enrolments)).result_
        except (InsufficientDataError, DataError, ValueError) as error:
            form.add_error(None, str(error))
        else:
            context.update(
                result=result,
                summary=result.to_dict(),
                rows=_rows(result),
                outcome_label=form.outcomes[result.outcome][0].label,
            )
    return render(request, "research/series.html", context)


def _rows(result: SeriesResult) -> list[dict[str, Any]]:
    """Per participant: the shrunken effect and, beside it, their own (stage 1) estimate."""
    return [
        {**row, "own_mean": float(mean), "own_sd": float(sd)}
        for row, mean, sd in zip(
            result.to_dict()["participants"], result.stage1_mean, result.stage1_sd, strict=True
        )
    ]


@require_GET
@never_cache
@role_required(Role.RESEARCHER)
def series_report(request: AuthenticatedRequest, fmt: str) -> HttpResponse:
    """The series report of the question asked on the series page, as HTML or PDF."""
    enrolments = _selected(request, pooling.completed_enrolments(request.user))
    protocols = pooling.protocols_of(enrolments)
    form = SeriesForm(request.GET, protocols=protocols)
    if not enrolments or not form.is_valid():
        raise Http404("ask the question on the series page first")
    data = form.cleaned_data
    table = pooling.pooled_table(request.user, enrolments)
    if data.get("arm"):
        table = table[~table["arm"].isin(_other_active_arms(table, data["arm"]))]
    try:
        built = reports.series_report(
            table,
            outcome=data["outcome"],
            better=data["better"],
            mcid=data["mcid"],
            washout_days=data["washout_days"],
            protocol=protocols[0] if len(protocols) == 1 else None,
        )
    except (InsufficientDataError, DataError, ValueError) as error:
        raise Http404(f"no report: {error}") from None
    log_event(
        request,
        Action.EXPORT,
        reason="series report",
        format=fmt,
        outcome=data["outcome"],
        participants=[e.pseudonym for e in enrolments],
    )
    return reports.download(built, fmt, f"nof1-series-report-{data['outcome']}")


def _other_active_arms(table: Any, arm: str) -> list[str]:
    return [a for a in table["arm"].unique() if a not in (arm, "placebo", "run-in")]
