"""Who may see what: small decorators for views, and the object-or-404 pattern.

Views are plain functions. Each one states its access rule in a decorator:

    @role_required(Role.CLINICIAN)
    def participant_dashboard(request, participant_id): ...

`role_required` sends anonymous people to sign in, sends staff who have not passed their
second factor to that step, and answers 403 (logged as a refused access) to a signed-in person
whose role is not listed. `staff_verified_required` is the second-factor check alone, for views
open to every staff role. Participants never need a second factor.

Objects that belong to someone are fetched with a helper named after the question it answers,
written in the app's views module (healthchecks' `_get_check_for_user` is the model):

    def _get_trial_for_clinician(request, trial_id) -> Trial:
        return owned_or_404(request, Trial.objects.filter(clinician=request.user), id=trial_id)

The queryset passed in holds only what this person may see; anything else answers 404 exactly
as a missing object does, so nobody learns that someone else's record exists. When the object
does exist but is not theirs, `owned_or_404` also logs a refused access. htmx partials use the
same helpers as full pages: there is no second, lighter rule for fragments.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect
from django_otp import user_has_device

from nof1.web.accounts.models import Role, User
from nof1.web.accounts.security import log_event
from nof1.web.audit.models import Action

View = Callable[..., HttpResponse]
M = TypeVar("M", bound=Model)


class AuthenticatedRequest(HttpRequest):
    """The request a view sees behind login_required, role_required or staff_verified_required."""

    user: User


def is_verified(user: object) -> bool:
    """Has this person passed their second factor in this session?

    OTPMiddleware gives request.user is_verified(); a user signed in by this very request
    (auth.login replaces request.user) has not passed one yet.
    """
    check = getattr(user, "is_verified", None)
    return bool(check()) if check is not None else False


def two_factor_step(request: HttpRequest) -> str | None:
    """The URL name of the second-factor step this person still owes, or None.

    Staff without a confirmed authenticator must enrol one; staff with one must enter a code
    once per sign-in. Participants owe nothing.
    """
    user = request.user
    if not user.is_authenticated or not getattr(user, "is_staff_role", False):
        return None
    if is_verified(user):
        return None
    if user_has_device(user, confirmed=True):
        return "accounts:two_factor_verify"
    return "accounts:two_factor_setup"


def redirect_to_two_factor(request: HttpRequest, step: str) -> HttpResponse:
    url = f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}"
    return htmx_aware_redirect(request, url)


def htmx_aware_redirect(request: HttpRequest, url: str) -> HttpResponse:
    """Redirect; for an htmx request, ask htmx to load the whole page instead of a fragment."""
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _redirect_to_login(request: HttpRequest) -> HttpResponse:
    url = f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.get_full_path()})}"
    return htmx_aware_redirect(request, url)


def staff_verified_required(view: View) -> View:
    """Signed-in staff who have passed their second factor; participants are refused (403)."""

    @functools.wraps(view)
    def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return _redirect_to_login(request)
        if not request.user.is_staff_role:
            refuse(request, "staff only")
        step = two_factor_step(request)
        if step is not None:
            return redirect_to_two_factor(request, step)
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles: Role) -> Callable[[View], View]:
    """Only these roles; staff must also have passed their second factor."""
    if not roles:
        raise ValueError("role_required needs at least one role")
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return _redirect_to_login(request)
            if request.user.role not in allowed:
                refuse(request, f"role {request.user.role} is not one of {sorted(allowed)}")
            step = two_factor_step(request)
            if step is not None:
                return redirect_to_two_factor(request, step)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def refuse(request: HttpRequest, reason: str) -> None:
    """Log a refused access and answer 403. The page says no more than 'not for you'."""
    log_event(request, Action.ACCESS_DENIED, reason=reason)
    raise PermissionDenied


def owned_or_404(request: HttpRequest, owned: QuerySet[M], **lookup: Any) -> M:
    """The one object in `owned` matching `lookup`; 404 if it is missing or not theirs.

    `owned` is already narrowed to what this person may see. If the object exists outside it,
    the attempt is logged as a refused access before answering 404.
    """
    try:
        return owned.get(**lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError):
        # A malformed key (not a UUID, say) is just another object that isn't there.
        try:
            elsewhere = owned.model._default_manager.filter(**lookup).exists()
        except (ValidationError, ValueError):
            elsewhere = False
        if elsewhere:
            log_event(
                request,
                Action.ACCESS_DENIED,
                reason=f"{owned.model._meta.label} not theirs",
                object_lookup={k: str(v) for k, v in lookup.items()},
            )
        raise Http404 from None
