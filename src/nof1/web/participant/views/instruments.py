"""The weekly questionnaire score and, at the end of each period, the blinding guess.

The guess page is the one page during the trial that says "placebo": as one of three
answers to a question about a period that has ended, never tied to what a period was.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from nof1.web.diary.models import Guess
from nof1.web.diary.services import record_blinding_guess, submit_weekly
from nof1.web.participant.forms import GuessForm, WeeklyForm
from nof1.web.participant.trial_days import guesses_due, weekly_due
from nof1.web.participant.views.common import invalid_status, is_htmx, page, participant_page
from nof1.web.trials import clock
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import Enrolment

GUESS_QUESTION = "Which do you think you took in the period that just ended?"


@require_http_methods(["GET", "POST"])
@participant_page
def weekly(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    today = clock.today()
    saved = False
    errors: dict[str, str] = {}  # per questionnaire shown, by its key
    general = ""  # about a questionnaire not shown (no longer open)
    if request.method == "POST":
        form = WeeklyForm(request.POST)
        due = {item.key: item for item in weekly_due(enrolment, today)}
        key = request.POST.get("item", "")
        if key not in due:
            general = "This questionnaire is not open now. Nothing was saved."
        elif not form.is_valid():
            errors[key] = "Please enter the score as a number."
        else:
            item = due[key]
            try:
                submit_weekly(
                    request.user,
                    enrolment,
                    item.week_start,
                    item.outcome.id,
                    form.cleaned_data["score"],
                )
            except (EntryError, WorkflowError) as error:
                errors[key] = str(error)
            else:
                saved = True
    items = weekly_due(enrolment, today)
    template = "participant/_weekly.html" if is_htmx(request) else "participant/weekly.html"
    return page(
        request,
        enrolment,
        template,
        {"items": items, "saved": saved, "errors": errors, "general": general},
        status=invalid_status(request) if errors or general else 200,
    )


@require_http_methods(["GET", "POST"])
@participant_page
def guess(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    today = clock.today()
    saved = False
    error = ""
    if request.method == "POST":
        form = GuessForm(request.POST)
        due = {item.period for item in guesses_due(enrolment, today)}
        if not form.is_valid():
            error = "Please choose one of the three answers."
        elif form.cleaned_data["period"] not in due:
            error = "This question is not open now. Nothing was saved."
        else:
            try:
                record_blinding_guess(
                    request.user, enrolment, form.cleaned_data["period"], form.cleaned_data["guess"]
                )
            except (EntryError, WorkflowError) as problem:
                error = str(problem)
            else:
                saved = True
    pending = guesses_due(enrolment, today)
    template = "participant/_guess.html" if is_htmx(request) else "participant/guess.html"
    return page(
        request,
        enrolment,
        template,
        {
            "saved": saved,
            "error": error,
            "item": pending[0] if pending else None,
            "question": GUESS_QUESTION,
            "choices": Guess.choices,
            "ended_today": bool(pending) and pending[0].last == today,
        },
        status=invalid_status(request) if error else 200,
    )
