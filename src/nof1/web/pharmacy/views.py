"""The pharmacist's pages: assigned trials, the kit sheet (page and CSV), dispensing.

Every view is for the pharmacist role (second factor passed), and every object is looked up
among the trials assigned to this pharmacist: another pharmacist's trial, participant or kit
answers 404 exactly as a missing one does. The kit sheet is the one place in the web app
where the allocation is shown before unblinding; each look opens the sealed allocation
through `kit_sheet_rows`, which records it in the audit trail. The dispensing rows are built
from the kits and the blinded schedule only, so confirming a kit does not open it again.

Participants appear by pseudonym only: the pharmacist labels kits, and the clinic hands them
over; names are not needed here. Pages with the allocation are never cached.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from nof1.exceptions import TamperedError
from nof1.web.accounts.access import AuthenticatedRequest, owned_or_404, role_required
from nof1.web.accounts.models import Role
from nof1.web.trials.errors import KeyUnavailableError, WorkflowError
from nof1.web.trials.models import Enrolment, EnrolmentStatus, Kit, KitStatus, Trial
from nof1.web.trials.permissions import enrolments_for, trials_for
from nof1.web.trials.services import confirm_dispensed, kit_sheet_rows

IN_TRIAL = (EnrolmentStatus.ENROLLED, EnrolmentStatus.ACTIVE)
# Screened, eligible or consented: kits will be needed once the clinician enrols them.
AWAITING_RANDOMISATION = (
    EnrolmentStatus.SCREENING,
    EnrolmentStatus.ELIGIBLE,
    EnrolmentStatus.NEEDS_REVIEW,
    EnrolmentStatus.CONSENTED,
)
# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _get_enrolment_for_pharmacist(request: AuthenticatedRequest, enrolment_id: Any) -> Enrolment:
    return owned_or_404(
        request, enrolments_for(request.user).select_related("trial"), id=enrolment_id
    )


def _get_kit_for_pharmacist(request: AuthenticatedRequest, kit_id: Any) -> Kit:
    owned = Kit.objects.filter(trial__in=trials_for(request.user))
    return owned_or_404(
        request, owned.select_related("trial", "enrolment", "dispensed_by"), id=kit_id
    )


# -- assigned trials -----------------------------------------------------------------------------


@require_GET
@never_cache
@role_required(Role.PHARMACIST)
def trials(request: AuthenticatedRequest) -> HttpResponse:
    """Assigned trials, each with its randomised participants and how many kits are out."""
    randomised = (
        Enrolment.objects.filter(sealed_allocation__isnull=False)
        .annotate(
            kit_count=Count("kits"),
            dispensed_count=Count("kits", filter=Q(kits__status=KitStatus.DISPENSED)),
        )
        .order_by("created_at")
    )
    assigned = (
        trials_for(request.user)
        .annotate(
            waiting=Count("enrolments", filter=Q(enrolments__status__in=AWAITING_RANDOMISATION))
        )
        .prefetch_related(Prefetch("enrolments", queryset=randomised, to_attr="randomised"))
        .order_by("-created_at")
    )
    return render(request, "pharmacy/trials.html", {"trials": assigned})


# -- the kit sheet -------------------------------------------------------------------------------


def _kits_from_rows(rows: Iterable[dict[str, str]], block_word: str) -> list[dict[str, Any]]:
    """The sheet's rows (one per kit and titration step) grouped kit by kit, in period order."""
    kits: dict[str, dict[str, Any]] = {}
    for row in rows:
        kit = kits.setdefault(
            row["kit"],
            {
                "code": row["kit"],
                "period": int(row["period"]),
                "block": row[block_word],
                "arm": row["arm"],
                "arm_label": row["arm_label"],
                "first_date": dt.date.fromisoformat(row["first_date"]),
                "capsules": 0,
                "dispensed_at": row["dispensed_at"],
                "steps": [],
            },
        )
        kit["last_date"] = dt.date.fromisoformat(row["last_date"])
        kit["capsules"] += int(row["capsules_to_fill"])
        kit["steps"].append(
            {
                **row,
                "first_date": dt.date.fromisoformat(row["first_date"]),
                "last_date": dt.date.fromisoformat(row["last_date"]),
            }
        )
    return sorted(kits.values(), key=lambda kit: kit["period"])


def dispensing_rows(enrolment: Enrolment) -> list[dict[str, Any]]:
    """One row per kit for the dispensing table, from the kits and the blinded schedule."""
    periods = {span.period: span for span in enrolment.schedule().periods}
    can_dispense = enrolment.status in IN_TRIAL
    return [
        _dispensing_row(kit, periods[kit.period], can_dispense)
        for kit in enrolment.kits.select_related("dispensed_by").order_by("period")
    ]


def _dispensing_row(kit: Kit, span: Any, can_dispense: bool) -> dict[str, Any]:
    return {
        "kit": kit,
        "first": span.first,
        "last": span.last,
        "can_dispense": can_dispense and kit.status == KitStatus.TO_DISPENSE,
    }


def _key_unavailable(request: AuthenticatedRequest, enrolment: Enrolment) -> HttpResponse:
    return render(request, "pharmacy/key_unavailable.html", {"enrolment": enrolment}, status=503)


def _damaged(
    request: AuthenticatedRequest, enrolment: Enrolment, error: TamperedError
) -> HttpResponse:
    """The sealed allocation failed its integrity check: show nothing from it, say so."""
    context = {"enrolment": enrolment, "problem": str(error)}
    return render(request, "pharmacy/allocation_damaged.html", context, status=503)


@require_GET
@never_cache
@role_required(Role.PHARMACIST)
def kit_sheet(request: AuthenticatedRequest, enrolment_id: Any) -> HttpResponse:
    """The printable kit sheet: kit -> period -> dates -> contents and dose schedule."""
    enrolment = _get_enrolment_for_pharmacist(request, enrolment_id)
    trial: Trial = enrolment.trial
    protocol = trial.protocol
    context: dict[str, Any] = {"enrolment": enrolment, "trial": trial, "protocol": protocol}
    if not enrolment.kit_codes:
        return render(request, "pharmacy/kit_sheet.html", {**context, "kits": None})
    try:
        rows = kit_sheet_rows(request.user, enrolment)
    except KeyUnavailableError:
        return _key_unavailable(request, enrolment)
    except TamperedError as error:
        return _damaged(request, enrolment, error)
    context.update(
        kits=_kits_from_rows(rows, protocol.block_word),
        block_label=protocol.block_word.capitalize(),
        packs_by_step=protocol.packs_by_step,
        dispensing=dispensing_rows(enrolment),
    )
    return render(request, "pharmacy/kit_sheet.html", context)


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@require_GET
@never_cache
@role_required(Role.PHARMACIST)
def kit_sheet_csv(request: AuthenticatedRequest, enrolment_id: Any) -> HttpResponse:
    """The same sheet as a spreadsheet: `kit_sheet_rows`' columns, one row per kit and step."""
    enrolment = _get_enrolment_for_pharmacist(request, enrolment_id)
    if not enrolment.kit_codes:
        raise Http404("this participant has not been randomised yet: there is no kit sheet")
    try:
        rows = kit_sheet_rows(request.user, enrolment)
    except KeyUnavailableError:
        return _key_unavailable(request, enrolment)
    except TamperedError as error:
        return _damaged(request, enrolment, error)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(rows[0]))
    writer.writerows([_csv_cell(value) for value in row.values()] for row in rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"kit-sheet-{enrolment.pseudonym}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- dispensing ----------------------------------------------------------------------------------


@require_POST
@never_cache
@role_required(Role.PHARMACIST)
def dispense(request: AuthenticatedRequest, kit_id: Any) -> HttpResponse:
    """Confirm one kit was filled and handed over. htmx gets the kit's row back to swap in."""
    kit = _get_kit_for_pharmacist(request, kit_id)
    error = ""
    try:
        kit = confirm_dispensed(request.user, kit)
    except WorkflowError as refusal:
        error = str(refusal)
        kit.refresh_from_db()
    if not request.htmx:
        if error:
            messages.error(request, f"Kit {kit.code} was not confirmed: {error}.")
        else:
            messages.success(request, f"Kit {kit.code} is recorded as dispensed.")
        return redirect("pharmacy:kit_sheet", enrolment_id=kit.enrolment_id)
    enrolment = kit.enrolment
    span = enrolment.schedule().periods[kit.period - 1]
    row = _dispensing_row(kit, span, enrolment.status in IN_TRIAL)
    return render(request, "pharmacy/_kit_row.html", {"row": row, "error": error})
