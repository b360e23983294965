"""The wearable pages: send an export, check what it holds, then add it or discard it.

The same pages twice, on the same services and templates (only the layout they extend and the
URLs they link to differ, `Side`):

- /me/<enrolment>/wearables/ (participant:wearables:*): the participant pages' rules
  (`participant_page`): the participant or their carer; 403 for other roles, 404 for anyone
  else's enrolment or import.
- /clinic/participants/<enrolment>/wearables/ (clinician:wearables, clinician:wearable_import):
  the clinic's rules (`clinician_view`): the trial's clinician, second factor passed; 403 for
  other roles, 404 for another clinician's participant or import.

Nothing here names an arm or a dose: an import holds device values and dates only.

Large files: Django keeps an upload above FILE_UPLOAD_MAX_MEMORY_SIZE in a temporary file, not
in memory, and `SizeGuard` stops reading, keeping nothing, once the file passes
NOF1_WEARABLE_MAX_MB. The guard has to be in place before the request body is parsed, and
Django's CSRF middleware parses it, so the upload view is exempt from the middleware and makes
exactly the same CSRF check itself once the guard is in place (`_checked`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from nof1.wearables import METRICS
from nof1.web.accounts.access import AuthenticatedRequest, htmx_aware_redirect, owned_or_404
from nof1.web.clinician.views._access import clinician_view, enrolment_for_clinician
from nof1.web.participant.views.common import invalid_status, is_htmx, page, participant_page
from nof1.web.trials.errors import WorkflowError
from nof1.web.trials.models import Enrolment
from nof1.web.wearables.forms import DecisionForm, UploadForm
from nof1.web.wearables.models import ImportStatus, WearableImport
from nof1.web.wearables.services import (
    LABELS,
    OPEN,
    STALE_AFTER_DAYS,
    Conflict,
    ConflictError,
    ImportRefused,
    confirm,
    discard,
    earlier_import,
    max_upload_bytes,
    preview,
    too_large_message,
    trial_days,
)

# The form's other fields and the multipart framing around the file.
FORM_SLACK = 1024 * 1024
HEADINGS = {
    "steps": "Steps",
    "resting_hr": "Resting heart rate",
    "hrv_sdnn_ms": "HRV (SDNN, ms)",
    "hrv_rmssd_ms": "HRV (RMSSD, ms)",
    "sleep_hours": "Hours asleep",
}
SKIP_REASONS = {
    "unit": "in a unit this site does not read",
    "value": "not a usable number",
    "malformed": "damaged or incomplete",
    "date": "with a date that is not a real day",
    "no_value": "with no value",
    "duplicate_day": "a day given twice (the later file was used)",
    "duplicate_file": "a file present twice (read once)",
}
SHOWN_DAYS = 3  # first and last days in the preview's table


@dataclass(frozen=True)
class Side:
    """Who is looking: the layout the templates extend, the URL names they link to, and how
    they speak (to the participant, or about them to their clinician)."""

    layout: str
    upload: str
    item: str
    clinic: bool

    def context(self) -> dict[str, Any]:
        return {
            "layout": self.layout,
            "upload_view": self.upload,
            "import_view": self.item,
            "clinic": self.clinic,
            "whose": "the" if self.clinic else "your",
            "title_tag": "h2" if self.clinic else "h1",  # the clinic's page head holds the h1
            "section_tag": "h3" if self.clinic else "h2",
        }


PARTICIPANT = Side(
    "participant/layout.html", "participant:wearables:upload", "participant:wearables:import",
    clinic=False,
)
CLINIC = Side(
    "wearables/clinic_layout.html", "clinician:wearables", "clinician:wearable_import",
    clinic=True,
)


class SizeGuard(FileUploadHandler):
    """Stops an upload once it passes `limit` bytes; the rest of the body is read and
    dropped, so the person gets a page saying why rather than a broken connection."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _render(request: HttpRequest, enrolment: Enrolment, side: Side, template: str,
            context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """A wearable page in `side`'s frame: the participant's `page`, or the clinic's."""
    shared = {**side.context(), **context}
    if side.clinic:
        shared = {"enrolment": enrolment, "trial": enrolment.trial, **shared}
        return render(request, template, shared, status=status)
    return page(request, enrolment, template, shared, status=status)


# -- the participant's pages (participant:wearables:*) ----------------------------------------


@csrf_exempt  # checked in `_checked`, after the size guard is in place
@require_http_methods(["GET", "POST"])
@participant_page
def upload(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    return _upload(request, enrolment, PARTICIPANT)


@require_http_methods(["GET", "POST"])
@participant_page
def wearable_import(request: HttpRequest, enrolment: Enrolment, import_id: Any) -> HttpResponse:
    return _import(request, enrolment, import_id, PARTICIPANT)


# -- the trial's clinician's pages (clinician:wearables, clinician:wearable_import) -----------


@csrf_exempt  # checked in `_checked`, after the size guard is in place
@require_http_methods(["GET", "POST"])
@never_cache
@clinician_view
def clinic_upload(request: AuthenticatedRequest, enrolment_id: Any) -> HttpResponse:
    return _upload(request, enrolment_for_clinician(request, enrolment_id), CLINIC)


@require_http_methods(["GET", "POST"])
@never_cache
@clinician_view
def clinic_import(
    request: AuthenticatedRequest, enrolment_id: Any, import_id: Any
) -> HttpResponse:
    return _import(request, enrolment_for_clinician(request, enrolment_id), import_id, CLINIC)


# -- the pages themselves -----------------------------------------------------------------------


def _upload(request: HttpRequest, enrolment: Enrolment, side: Side) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, enrolment, side, UploadForm())
    limit = max_upload_bytes()
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit + FORM_SLACK:  # refused before a byte of it is read
        return _upload_page(request, enrolment, side, UploadForm(),
                            error=too_large_message(limit))
    guard = SizeGuard(limit)
    request.upload_handlers.insert(0, guard)
    return _checked(request, enrolment, side, guard)


@csrf_protect
def _checked(
    request: HttpRequest, enrolment: Enrolment, side: Side, guard: SizeGuard
) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if guard.too_large:
        return _upload_page(request, enrolment, side, UploadForm(), error=too_large_message())
    if not form.is_valid():
        return _upload_page(request, enrolment, side, form)
    data = form.cleaned_data
    try:
        pending = preview(
            request.user, enrolment, data["file"], data["format"], hrv=data["hrv"] or None
        )
    except (ImportRefused, WorkflowError) as error:
        return _upload_page(request, enrolment, side, form, error=str(error))
    return htmx_aware_redirect(request, reverse(side.item, args=[enrolment.pk, pending.pk]))


def _upload_page(
    request: HttpRequest, enrolment: Enrolment, side: Side, form: UploadForm, *, error: str = ""
) -> HttpResponse:
    first, last = trial_days(enrolment)
    imports = WearableImport.objects.filter(enrolment=enrolment).order_by("-created_at")[:10]
    template = "wearables/_upload.html" if is_htmx(request) else "wearables/upload.html"
    if side.clinic:
        form.fields["file"].label = "The participant\u2019s export file"
    return _render(
        request,
        enrolment,
        side,
        template,
        {
            "form": form,
            "error": error,
            "open": enrolment.status in OPEN,
            "first_day": first,
            "last_day": last,
            "max_mb": f"{max_upload_bytes() // (1024 * 1024):,}",
            "imports": imports,
        },
        status=invalid_status(request) if error or form.errors else 200,
    )


def _import(
    request: HttpRequest, enrolment: Enrolment, import_id: Any, side: Side
) -> HttpResponse:
    """The preview while pending (Add / Discard), and what happened once decided."""
    row = owned_or_404(request, WearableImport.objects.filter(enrolment=enrolment), id=import_id)
    row.enrolment = enrolment  # already loaded and checked: no second query for it
    error: str = ""
    conflicts: tuple[Conflict, ...] = ()
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if not form.is_valid():
            error = "That is not a choice this page offers. Nothing was changed."
        else:
            try:
                if form.cleaned_data["action"] == "confirm":
                    confirm(request.user, row, replace=form.cleaned_data["replace"])
                else:
                    discard(request.user, row)
                return redirect(request.path)
            except ConflictError as refused:
                error, conflicts = str(refused), refused.conflicts
            except (ImportRefused, WorkflowError) as refused:
                error = str(refused)
            row.refresh_from_db()
            row.enrolment = enrolment
    return _render(
        request,
        enrolment,
        side,
        "wearables/import.html",
        {
            **describe(row),
            "error": error,
            "conflicts": [_conflict(c) for c in conflicts[:5]],
            "conflict_count": len(conflicts),
        },
        status=400 if error else 200,
    )


def describe(row: WearableImport) -> dict[str, Any]:
    """What the preview page says about an import: days, values found, first and last days."""
    days = list(row.daily)
    found = [name for name in METRICS if any(day.get(name) is not None for day in days)]
    shown = days if len(days) <= 2 * SHOWN_DAYS else [*days[:SHOWN_DAYS], None,
                                                       *days[-SHOWN_DAYS:]]
    first, last = trial_days(row.enrolment)
    return {
        "wearable_import": row,
        "pending": row.status == ImportStatus.PENDING,
        "days": len(days),
        "found": [LABELS[name] for name in found],
        "headings": [HEADINGS[name] for name in found],
        "table": [None if day is None else _table_row(day, found) for day in shown],
        "skipped": [
            (count, SKIP_REASONS.get(reason, reason.replace("_", " ")))
            for reason, count in sorted(row.skipped.items()) if count
        ],
        "earlier": earlier_import(row) if row.status == ImportStatus.PENDING else None,
        "first_day": first,
        "last_day": last,
        "stale_on": row.imported_at + dt.timedelta(days=STALE_AFTER_DAYS),
    }


def _conflict(conflict: Conflict) -> dict[str, Any]:
    return {
        "date": conflict.date,
        "label": conflict.label,
        "stored": _shown(conflict.column, conflict.stored),
        "imported": _shown(conflict.column, conflict.imported),
    }


def _table_row(day: dict[str, Any], found: list[str]) -> dict[str, Any]:
    return {
        "date": dt.date.fromisoformat(day["date"]),
        "cells": [(HEADINGS[name], _shown(name, day.get(name))) for name in found],
    }


def _shown(name: str, value: float | None) -> str:
    if value is None:
        return "\u2013"
    if name == "steps":
        return f"{value:,.0f}"
    return f"{round(value, 1):g}"
