"""The participant's start page, their trial's page, and today's kit."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from nof1.web.accounts.access import role_required
from nof1.web.accounts.models import Role
from nof1.web.diary.models import DiaryEntry
from nof1.web.diary.services import kit_for_day
from nof1.web.participant.trial_days import (
    CONSENT_OPEN,
    IN_TRIAL,
    days_to_backfill,
    diary_open,
    guesses_due,
    schedule_of,
    weekly_due,
)
from nof1.web.participant.views.common import my_enrolments, page, participant_page, trial_name
from nof1.web.trials import clock
from nof1.web.trials.models import Enrolment, EnrolmentStatus
from nof1.web.trials.services import current_consent_version, has_current_consent
from nof1.web.trials.services.unblinding import revealed_arms

WAITING = (
    EnrolmentStatus.SCREENING,
    EnrolmentStatus.NEEDS_REVIEW,
    EnrolmentStatus.ELIGIBLE,
    EnrolmentStatus.CONSENTED,
)


@require_GET
@never_cache
@role_required(Role.PARTICIPANT)
def start(request: HttpRequest) -> HttpResponse:
    """One trial (the usual case): straight to it. Several (a carer): a list."""
    enrolments = list(my_enrolments(request))
    if len(enrolments) == 1:
        return redirect("participant:home", enrolments[0].pk)
    rows = [
        {
            "enrolment": e,
            "name": trial_name(e),
            "for_someone_else": e.participant_id != request.user.pk,
        }
        for e in enrolments
    ]
    return render(request, "participant/start.html", {"rows": rows})


def consent_needed(enrolment: Enrolment) -> bool:
    return (
        enrolment.status in CONSENT_OPEN
        and current_consent_version(enrolment.trial) is not None
        and not has_current_consent(enrolment)
    )


@require_GET
@participant_page
def home(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    today = clock.today()
    schedule = schedule_of(enrolment)
    in_diary = diary_open(enrolment) and schedule is not None
    diary_today = in_diary and schedule is not None and schedule.start <= today <= schedule.end
    return page(
        request,
        enrolment,
        "participant/home.html",
        {
            "schedule": schedule,
            "diary_today": diary_today,
            "logged_today": diary_today
            and DiaryEntry.objects.filter(enrolment=enrolment, day=today).exists(),
            "not_started": in_diary and schedule is not None and today < schedule.start,
            "diary_ended": in_diary and schedule is not None and today > schedule.end,
            "backfill_count": len(days_to_backfill(enrolment, today)) if in_diary else 0,
            "weekly_count": len(weekly_due(enrolment, today)),
            "guess_count": len(guesses_due(enrolment, today)),
            "consent_needed": consent_needed(enrolment),
            "waiting": enrolment.status in WAITING,
            "ineligible": enrolment.status == EnrolmentStatus.INELIGIBLE,
            "withdrawn": enrolment.status == EnrolmentStatus.WITHDRAWN,
            "results_ready": revealed_arms(enrolment) is not None,
        },
    )


@require_GET
@participant_page
def kit(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    """The kit code and how many capsules: never an arm or a dose."""
    today = clock.today()
    schedule = schedule_of(enrolment)
    context: dict[str, object] = {
        "schedule": schedule,
        "state": "not_randomised",
        # the protocol's stopping rules, in the words the printed schedule uses: no arm, no dose
        "safety": [rule.description for rule in enrolment.trial.protocol.stopping_rules],
    }
    if schedule is not None and enrolment.status not in IN_TRIAL:
        context["state"] = "no_capsules"
    elif schedule is not None and today < schedule.start:
        context.update(state="not_started", first_period=schedule.periods[0])
    elif schedule is not None and today > schedule.end:
        context["state"] = "ended"
    elif schedule is not None:
        day = schedule.on(today)
        code = kit_for_day(request.user, enrolment, today)
        if code is None:
            context.update(state="run_in", first_period=schedule.periods[0])
        else:
            context.update(state="kit", kit=code, day=day, timing=schedule.timing)
            changes = [s for s in schedule.steps if s.kit == code and s.first > today]
            context["next_change"] = changes[0] if changes else None
    return page(request, enrolment, "participant/kit.html", context)
