"""E-consent: the current text and one button; afterwards, the exact text agreed to."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from nof1.web.participant.forms import ConsentForm
from nof1.web.participant.trial_days import CONSENT_OPEN
from nof1.web.participant.views.common import invalid_status, is_htmx, page, participant_page
from nof1.web.trials.errors import EntryError, WorkflowError
from nof1.web.trials.models import Enrolment
from nof1.web.trials.services import current_consent_version, record_consent


@require_http_methods(["GET", "POST"])
@participant_page
def consent(request: HttpRequest, enrolment: Enrolment) -> HttpResponse:
    current = current_consent_version(enrolment.trial)
    error = ""
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if current is None or not form.is_valid() or form.cleaned_data["version"] != current.pk:
            error = (
                "The consent text has changed since this page was opened. Please read the "
                "text below; nothing was recorded."
            )
        else:
            try:
                record_consent(request.user, enrolment, current)
            except (EntryError, WorkflowError) as problem:
                error = str(problem)
    agreed = (
        enrolment.consents.filter(version=current).select_related("agreed_by").first()
        if current is not None
        else None
    )
    earlier = enrolment.consents.order_by("-agreed_at")
    if agreed is not None:
        earlier = earlier.exclude(pk=agreed.pk)
    template = "participant/_consent.html" if is_htmx(request) else "participant/consent.html"
    return page(
        request,
        enrolment,
        template,
        {
            "current": current,
            "agreed": agreed,
            "earlier": earlier.first(),
            "can_agree": enrolment.status in CONSENT_OPEN,
            "error": error,
        },
        status=invalid_status(request) if error else 200,
    )
