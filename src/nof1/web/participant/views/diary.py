"""The daily diary: today, a past day within the backfill window, "too unwell", past days.

After a save the page says "Logged. Thank you." and nothing else: no trends, no scores, no
comparisons while the trial runs. The form keeps a draft in the browser as the person taps
(see the template), so a dropped connection or a rest halfway loses nothing.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nof1.protocol import Outcome
from nof1.web.diary.models import DiaryEntry
from nof1.web.diary.services import submit_day
from nof1.web.participant.forms import NOTES, DiaryForm, rating_field
from nof1.web.participant.trial_days import can_log, days_to_backfill, diary_open, schedule_of
from nof1.web.participant.views.common import (
    invalid_status,
    is_htmx,
    page,
    parse_day,
    participant_page,
)
from nof1.web.trials import clock
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import Enrolment, EnrolmentStatus


@require_http_methods(["GET", "POST"])
@participant_page
def today(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    return _diary(request, enrolment, clock.today())


@require_http_methods(["GET", "POST"])
@participant_page
def diary_day(request: HttpRequest, enrolment: Enrolment, day: str) -> HttpResponse:
    when = parse_day(day)
    if when is None:
        raise Http404
    return _diary(request, enrolment, when)


@require_POST
@participant_page
def too_unwell(request: HttpRequest, enrolment: Enrolment, day: str) -> HttpResponse:
    """One tap: the day is recorded as missing, never as a good day."""
    when = parse_day(day)
    if when is None:
        raise Http404
    closed = _closed_reason(enrolment, when)
    if closed:
        return _closed(request, enrolment, when, closed)
    try:
        entry = submit_day(request.user, enrolment, when, too_unwell=True)
    except (EntryError, WorkflowError) as error:
        return _closed(request, enrolment, when, str(error))
    return _saved(request, enrolment, entry)


@require_GET
@participant_page
def backfill(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    today = clock.today()
    days = days_to_backfill(enrolment, today) if diary_open(enrolment) else []
    return page(
        request,
        enrolment,
        "participant/backfill.html",
        {"days": days, "window": enrolment.trial.backfill_days},
    )


def _diary(request: HttpRequest, enrolment: Enrolment, day: dt.date) -> HttpResponse:
    closed = _closed_reason(enrolment, day)
    if closed:
        return _closed(request, enrolment, day, closed)
    protocol = enrolment.trial.protocol
    entry = DiaryEntry.objects.filter(enrolment=enrolment, day=day).first()
    if request.method == "POST":
        form = DiaryForm(protocol, request.POST)
        if form.is_valid():
            try:
                entry = submit_day(request.user, enrolment, day, **form.service_arguments())
            except EntryError as error:
                form.add_error(None, str(error))
            except WorkflowError as error:
                return _closed(request, enrolment, day, str(error))
            else:
                return _saved(request, enrolment, entry)
        return _form(request, enrolment, day, form, status=invalid_status(request))
    if entry is not None and "change" not in request.GET:
        template = "participant/_logged.html" if is_htmx(request) else "participant/logged.html"
        return page(request, enrolment, template, _logged_context(entry))
    return _form(
        request, enrolment, day, DiaryForm(protocol, initial=DiaryForm.initial_from(entry))
    )


def _saved(request: HttpRequest, enrolment: Enrolment, entry: DiaryEntry) -> HttpResponse:
    if is_htmx(request):
        return page(request, enrolment, "participant/_logged.html", _logged_context(entry))
    return redirect(reverse("participant:diary_day", args=[enrolment.pk, entry.day.isoformat()]))


def _logged_context(entry: DiaryEntry) -> dict[str, object]:
    return {"entry": entry, "day": entry.day, "draft_key": _draft_key(entry.enrolment, entry.day)}


def _draft_key(enrolment: Enrolment, day: dt.date) -> str:
    return f"nof1-diary-{enrolment.pk}-{day.isoformat()}"


def _form(
    request: HttpRequest,
    enrolment: Enrolment,
    day: dt.date,
    form: DiaryForm,
    *,
    status: int = 200,
) -> HttpResponse:
    schedule = schedule_of(enrolment)
    assert schedule is not None  # _closed_reason checked it
    ratings = [_rating(form, outcome) for outcome in form.outcomes]
    after = [
        _question(
            form,
            "exertion_yesterday",
            "How much did you do yesterday, compared with what you can usually manage?",
            "0 = rested all day",
            "10 = far more than I can manage",
        ),
        _question(
            form, "crash_today", "Are you in a crash today (much worse after doing too much)?"
        ),
    ]
    if schedule.on(day).kit is not None:  # no capsules in the run-in
        after.append(_question(form, "dose_taken", "Did you take your capsules as planned?"))
    ticked = form["side_effects"].value() or []
    return page(
        request,
        enrolment,
        "participant/_diary.html" if is_htmx(request) else "participant/diary.html",
        {
            "form": form,
            "day": day,
            "is_today": day == clock.today(),
            "ratings": ratings,
            "after": after,
            "side_effects": [
                {"id": event.id, "label": event.label, "checked": event.id in ticked}
                for event in enrolment.trial.protocol.adverse_events
            ],
            "notes": [(form[name], label) for name, label in NOTES],
            "notes_open": any(form[name].value() for name, _ in NOTES),
            "draft_key": _draft_key(enrolment, day),
            "action": reverse("participant:diary_day", args=[enrolment.pk, day.isoformat()]),
            "unwell_action": reverse(
                "participant:too_unwell", args=[enrolment.pk, day.isoformat()]
            ),
        },
        status=status,
    )


def _question(
    form: DiaryForm, name: str, legend: str, low: str = "", high: str = ""
) -> dict[str, object]:
    field = form.fields[name]
    return {
        "name": name,
        "legend": legend,
        "low": low,
        "high": high,
        "choices": list(field.choices),  # type: ignore[attr-defined]
        "value": form[name].value(),
    }


def _rating(form: DiaryForm, outcome: Outcome) -> dict[str, object]:
    scale = outcome.scale
    return _question(
        form,
        rating_field(outcome.id),
        outcome.question or outcome.label,
        f"{scale.min:g} = {scale.min_label}" if scale.min_label else "",
        f"{scale.max:g} = {scale.max_label}" if scale.max_label else "",
    )


def _closed_reason(enrolment: Enrolment, day: dt.date) -> str:
    """Why this day cannot be logged, in words for the participant; empty when it can."""
    today = clock.today()
    schedule = schedule_of(enrolment)
    if enrolment.status in (EnrolmentStatus.COMPLETED, EnrolmentStatus.WITHDRAWN):
        return "The diary of your trial has closed. Thank you for every day you logged."
    if schedule is None or not diary_open(enrolment):
        return "Your diary opens when your clinician has started your trial."
    if day < schedule.start and today < schedule.start:
        return f"Your diary opens on {date_format(schedule.start, 'l j F')}."
    if day > schedule.end or (day == today and today > schedule.end):
        return "The diary days of your trial are over. Thank you for every day you logged."
    if day > today:
        return "That day has not come yet."
    if not can_log(enrolment, day, today):
        return "That day can no longer be filled in. That is fine: a missed day costs nothing."
    return ""


def _closed(request: HttpRequest, enrolment: Enrolment, day: dt.date, reason: str) -> HttpResponse:
    template = "participant/_closed.html" if is_htmx(request) else "participant/closed.html"
    return page(request, enrolment, template, {"reason": reason, "day": day})
