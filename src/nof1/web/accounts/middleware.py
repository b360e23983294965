"""Session limits and the staff second-factor gate, applied to every request.

Staff sessions end after STAFF_IDLE_MINUTES without a request and SESSION_MAX_HOURS after
sign-in. Participant sessions have no idle limit - a diary must never time out under someone
who needs a rest halfway through - and end PARTICIPANT_SESSION_MAX_DAYS after sign-in.
An ended session is logged, signed out, and sent to sign in again with a calm note.

Settings are read on each request, so tests and operators can change them without a restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode

from nof1.web.accounts.access import htmx_aware_redirect, redirect_to_two_factor, two_factor_step
from nof1.web.accounts.models import User
from nof1.web.accounts.security import log_event
from nof1.web.audit.models import Action

LOGIN_AT = "nof1_login_at"
LAST_SEEN = "nof1_last_seen"
# A busy staff member's requests need not each rewrite the session; a minute is plenty of
# precision for an idle limit counted in tens of minutes.
_LAST_SEEN_RESOLUTION_S = 60

# Paths a staff member may reach before passing the second factor.
_TWO_FACTOR_OPEN = (
    "accounts:login",
    "accounts:logout",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
)


def participant_max_days() -> int:
    return int(getattr(settings, "PARTICIPANT_SESSION_MAX_DAYS", 30))


def session_max_seconds(user: object) -> int:
    if getattr(user, "is_staff_role", False):
        return int(settings.SESSION_MAX_HOURS) * 3600
    return participant_max_days() * 86400


def begin_session(request: HttpRequest) -> None:
    """Stamp a fresh sign-in. Call right after django.contrib.auth.login()."""
    now = time.time()
    request.session[LOGIN_AT] = now
    request.session[LAST_SEEN] = now
    # The cookie lives no longer than the session may.
    request.session.set_expiry(session_max_seconds(request.user))


def _ended_because(request: HttpRequest, now: float) -> tuple[str, str] | None:
    """(reason for the log, note for the person) if this session has run out, else None."""
    session = request.session
    user = cast(User, request.user)  # the caller checked is_authenticated
    login_at = session.get(LOGIN_AT)
    if login_at is None:
        # Signed in some other way (a test's force_login, say): the clock starts now.
        session[LOGIN_AT] = session[LAST_SEEN] = now
        return None
    if now - float(login_at) > session_max_seconds(user):
        if user.is_staff_role:
            hours = int(settings.SESSION_MAX_HOURS)
            note = f"For safety, sign-ins last {hours} hours. Please sign in again."
        else:
            days = participant_max_days()
            note = (
                f"For safety, sign-ins last {days} days. Please sign in again. "
                "Everything you saved is kept."
            )
        return "absolute limit", note
    if user.is_staff_role:
        idle_s = int(settings.STAFF_IDLE_MINUTES) * 60
        last_seen = float(session.get(LAST_SEEN, login_at))
        if now - last_seen > idle_s:
            minutes = int(settings.STAFF_IDLE_MINUTES)
            return "idle limit", (
                f"You were signed out after {minutes} minutes without activity, to keep "
                "patient information safe. Please sign in again."
            )
        if now - last_seen >= _LAST_SEEN_RESOLUTION_S:
            session[LAST_SEEN] = now
    return None


class SessionLimitMiddleware:
    """Ends sessions that are too old (everyone) or idle too long (staff). After auth."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            ended = _ended_because(request, time.time())
            if ended is not None:
                reason, note = ended
                log_event(request, Action.LOGOUT, reason=f"session ended: {reason}")
                # Come back to the same page after signing in; a form's target is no page.
                back = request.get_full_path() if request.method == "GET" else ""
                logout(request)
                messages.info(request, note)
                url = reverse(settings.LOGIN_URL)
                if back:
                    url = f"{url}?{urlencode({'next': back})}"
                return htmx_aware_redirect(request, url)
        return self.get_response(request)


class StaffTwoFactorMiddleware:
    """Staff reach no page but sign-in, sign-out and the second-factor steps until verified.

    Views also carry `role_required` / `staff_verified_required`; this gate means a view that
    forgets its decorator still cannot be reached by a half-signed-in staff member.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        step = two_factor_step(request)
        if step is not None and not _open_before_two_factor(request.path):
            return redirect_to_two_factor(request, step)
        return self.get_response(request)


def _open_before_two_factor(path: str) -> bool:
    static_url = "/" + str(settings.STATIC_URL).lstrip("/")
    if path.startswith(static_url):
        return True
    return path in {reverse(name) for name in _TWO_FACTOR_OPEN}
