"""Reminder settings, and the private calendar feed (no sign-in: the token is the key)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_http_methods
from icalendar import Calendar

from nof1.exceptions import ProtocolError
from nof1.protocol.calendar import calendar_bytes
from nof1.web.participant.forms import ReminderForm
from nof1.web.participant.models import ReminderPreference
from nof1.web.participant.reminders import change_preference, feed_url, preference_for
from nof1.web.participant.trial_days import IN_TRIAL, schedule_of
from nof1.web.participant.views.common import invalid_status, is_htmx, page, participant_page
from nof1.web.trials.models import Enrolment

SAVED = {
    "pause": "Reminders are paused.",
    "resume": "Reminders are on again.",
    "email_on": "E-mail reminders are on.",
    "email_off": "E-mail reminders are off.",
    "new_feed": "Your calendar link is ready. Any older link has stopped working.",
    "revoke_feed": "The calendar link has stopped working.",
}


@require_http_methods(["GET", "POST"])
@participant_page
def reminders(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    preference = preference_for(enrolment)
    done, error = "", ""
    if request.method == "POST":
        form = ReminderForm(request.POST)
        if form.is_valid():
            action = form.cleaned_data["action"]
            preference = change_preference(enrolment, action)
            done = SAVED[action]
        else:
            error = "That change is not one this page can make. Nothing was changed."
    url = feed_url(preference)
    template = "participant/_reminders.html" if is_htmx(request) else "participant/reminders.html"
    return page(
        request,
        enrolment,
        template,
        {
            "preference": preference,
            "feed_url": url,
            "webcal_url": "webcal://" + url.split("://", 1)[1] if url else None,
            "done": done,
            "error": error,
        },
        status=invalid_status(request) if error else 200,
    )


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The schedule as iCalendar for the person's calendar app. Built from the blinded
    schedule only: kit codes, capsule counts, dates. While reminders are paused, or once the
    trial is over, the feed is an empty calendar, so the app drops the reminders."""
    if not token:
        raise Http404
    preference = (
        ReminderPreference.objects.select_related("enrolment__trial")
        .filter(feed_token=token)
        .first()
    )
    if preference is None:
        raise Http404
    enrolment = preference.enrolment
    schedule = schedule_of(enrolment)
    if preference.paused or enrolment.status not in IN_TRIAL or schedule is None:
        data = _empty_calendar()
    else:
        try:
            data = calendar_bytes(
                schedule, enrolment.trial.protocol, participant=enrolment.pseudonym
            )
        except ProtocolError:  # a text would reveal an arm: serve nothing rather than that
            data = _empty_calendar()
    response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="nof1-reminders.ics"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _empty_calendar() -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//nof1//trial schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "nof1 reminders")
    data: bytes = cal.to_ical()
    return data
