"""What every participant page shares: who may enter, which enrolment, what a page may say.

Role participant only (a carer signs in with a participant account and is registered as a
proxy on the enrolment). The enrolment is looked up among those this person may see, so
another participant's enrolment is simply not found (404), full pages and htmx partials
alike. Pages are never cached: they hold health data and change as the day is logged.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from nof1.web.accounts.access import owned_or_404, role_required
from nof1.web.accounts.models import Role
from nof1.web.trials import clock
from nof1.web.trials.models import Enrolment
from nof1.web.trials.permissions import enrolments_for

View = Callable[..., HttpResponse]


def my_enrolments(request: HttpRequest) -> Any:
    return (
        enrolments_for(request.user).select_related("trial", "participant").order_by("created_at")
    )


def participant_page(view: View) -> View:
    """`view(request, enrolment, ...)` for the participant or their carer; 403 for other
    roles, 404 for anyone else's enrolment."""

    @never_cache
    @role_required(Role.PARTICIPANT)
    @functools.wraps(view)
    def wrapper(request: HttpRequest, enrolment_id: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        enrolment = owned_or_404(request, my_enrolments(request), id=enrolment_id)
        return view(request, enrolment, *args, **kwargs)

    return wrapper


def trial_name(enrolment: Enrolment) -> str:
    """The trial's title, unless it would name an arm or a dose (a clinician may have typed
    "LDN 4.5 mg for Pat"): then a plain name."""
    title = enrolment.trial.title
    return "Your trial" if enrolment.trial.protocol.blinding_leaks(title) else title


def page(
    request: HttpRequest,
    enrolment: Enrolment,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    acting_for = None if request.user.pk == enrolment.participant_id else enrolment.participant
    base = {
        "enrolment": enrolment,
        "trial_name": trial_name(enrolment),
        "acting_for": acting_for,
        "today": clock.today(),
    }
    return render(request, template, {**base, **(context or {})}, status=status)


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def invalid_status(request: HttpRequest) -> int:
    """htmx swaps only 2xx answers by default, so a form with errors comes back as 200 there."""
    return 200 if is_htmx(request) else 400


def parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
