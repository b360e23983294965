"""The one access rule of this app and the object-or-404 helpers every view uses.

Every clinician page is `@clinician_view`: signed in, second factor passed, role clinician
(anyone else: 403, logged). Objects come only from the querysets in
`nof1.web.trials.permissions`, narrowed to this clinician's trials, through `owned_or_404`:
someone else's trial or participant answers 404 and the attempt is logged. htmx fragments use
the same helpers; there is no lighter rule for a partial.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from nof1.web.accounts.access import (
    AuthenticatedRequest,
    owned_or_404,
    role_required,
    staff_verified_required,
)
from nof1.web.accounts.models import Role
from nof1.web.trials.models import Enrolment, Trial
from nof1.web.trials.permissions import enrolments_for, trials_for

View = Callable[..., HttpResponse]


def clinician_view(view: View) -> View:
    """Staff with their second factor passed, and of the clinician role."""
    return staff_verified_required(role_required(Role.CLINICIAN)(view))


def trial_for_clinician(request: AuthenticatedRequest, trial_id: UUID) -> Trial:
    return owned_or_404(request, trials_for(request.user), pk=trial_id)


def enrolment_for_clinician(request: AuthenticatedRequest, enrolment_id: UUID) -> Enrolment:
    owned = enrolments_for(request.user).select_related("trial", "participant")
    return owned_or_404(request, owned, pk=enrolment_id)


def say(request: HttpRequest, error: Exception) -> None:
    """A refusal from a service, shown on the next page in the service's own words."""
    messages.error(request, str(error))
