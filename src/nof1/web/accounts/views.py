"""Sign-in, sign-out, two-factor steps, password change and invitations.

Plain functions; each states its access rule in a decorator (see access.py) and records its
security events explicitly with `log_event`.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import qrcode
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp import verify_token as otp_verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex
from qrcode.image.svg import SvgPathImage

from nof1.web.accounts import invitations
from nof1.web.accounts.access import (
    AuthenticatedRequest,
    is_verified,
    refuse,
    staff_verified_required,
    two_factor_step,
)
from nof1.web.accounts.forms import AcceptInvitationForm, CodeForm, InviteForm, LoginForm
from nof1.web.accounts.middleware import begin_session
from nof1.web.accounts.models import Invitation
from nof1.web.accounts.security import log_event
from nof1.web.audit.models import Action

ENROL_KEY = "nof1_totp_enrol_key"
DEVICE_NAME = "Authenticator app"


def _next_url(request: HttpRequest) -> str:
    """Where to go after this step: a same-site `next`, else home."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _redirect_with_next(url_name: str, next_url: str) -> HttpResponse:
    return redirect(f"{reverse(url_name)}?{urlencode({'next': next_url})}")


def _after_sign_in(request: HttpRequest, next_url: str) -> HttpResponse:
    step = two_factor_step(request)
    if step is not None:
        return _redirect_with_next(step, next_url)
    return redirect(next_url)


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            user = form.get_user()
            auth_login(request, user)  # rotates the session key
            begin_session(request)
            log_event(request, Action.LOGIN, user=user, reason="password accepted")
            return _after_sign_in(request, next_url)
        locked = bool(getattr(request, "axes_locked_out", False))
        log_event(
            request,
            Action.LOGIN_FAILED,
            username=request.POST.get("username", "")[:150],
            reason="locked out" if locked else "user name or password not accepted",
        )
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes calls this once too many sign-ins have failed (AXES_LOCKOUT_CALLABLE)."""
    cooloff = get_cool_off(request)
    minutes = max(1, round(cooloff.total_seconds() / 60)) if cooloff else None
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes},
        status=int(getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429)),
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        log_event(request, Action.LOGOUT, reason="signed out")
    auth_logout(request)
    messages.info(request, "You are signed out.")
    return redirect(settings.LOGOUT_REDIRECT_URL)


class _QRImage(SvgPathImage):
    # Off-white rather than pure white: still scannable, and gentler in a dark room.
    background = "#e9e6df"


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=_QRImage, border=4)
    return str(image.to_string(encoding="unicode"))


@never_cache  # the page shows the new secret
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user.is_staff_role:
        refuse(request, "two-factor set-up is for staff")
    has_device = user_has_device(user, confirmed=True)
    if has_device and not is_verified(user):
        # Replacing an authenticator needs the current one first.
        return _redirect_with_next("accounts:two_factor_verify", _next_url(request))
    key = request.session.get(ENROL_KEY)
    if not key:
        key = request.session[ENROL_KEY] = random_hex(20)
    device = TOTPDevice(user=user, key=key, name=DEVICE_NAME)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        if totp.verify(int(form.cleaned_data["code"]), tolerance=device.tolerance):
            device.confirmed = True
            device.last_t = totp.t()  # the code just used cannot be used again
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).delete()
                device.save()
                log_event(
                    request,
                    Action.CREATE,
                    target=device,
                    reason="authenticator replaced" if has_device else "authenticator enrolled",
                )
            del request.session[ENROL_KEY]
            request.session.cycle_key()
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is set up.")
            return redirect(_next_url(request))
        log_event(request, Action.LOGIN_FAILED, reason="enrolment code did not match")
        form.add_error("code", _CODE_MISMATCH)
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "has_device": has_device,
            "otpauth_uri": _otpauth_uri(device),
            "secret": _spaced_base32(device),
            "qr_svg": _qr_svg(_otpauth_uri(device)),
            "next": _next_url(request),
        },
    )


_CODE_MISMATCH = (
    "That code didn't match. Codes change every 30 seconds: please type the newest one."
)


def _otpauth_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def _spaced_base32(device: TOTPDevice) -> str:
    raw = b32encode(device.bin_key).decode()
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not user.is_staff_role:
        refuse(request, "two-factor sign-in is for staff")
    if is_verified(user):
        return redirect(_next_url(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        return _redirect_with_next("accounts:two_factor_setup", _next_url(request))
    form = CodeForm(request.POST if request.method == "POST" else None)
    form.fields["code"].widget.attrs["autofocus"] = True  # the only thing to do on this page
    if request.method == "POST" and form.is_valid():
        allowed, _ = device.verify_is_allowed()
        verified = otp_verify_token(user, device.persistent_id, form.cleaned_data["code"])
        if verified is not None:
            request.session.cycle_key()
            otp_login(request, verified)
            log_event(request, Action.LOGIN, reason="second factor passed")
            return redirect(_next_url(request))
        if not allowed:
            log_event(
                request, Action.LOGIN_FAILED, reason="second factor: paused after repeated failures"
            )
            form.add_error(
                "code",
                "Several codes in a row didn't match, so we're pausing briefly. "
                "Please wait a little, then type the newest code.",
            )
        else:
            log_event(request, Action.LOGIN_FAILED, reason="second factor: code did not match")
            form.add_error("code", _CODE_MISMATCH)
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: AuthenticatedRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            log_event(request, Action.UPDATE, target=user, reason="password changed")
        update_session_auth_hash(request, user)  # stay signed in here, out everywhere else
        messages.success(request, "Your password is changed.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/password_change.html", {"form": form})


@staff_verified_required
@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedRequest) -> HttpResponse:
    roles = request.user.invitable_roles
    if not roles:
        refuse(request, f"a {request.user.role} cannot invite")
    form = InviteForm(request.POST if request.method == "POST" else None, roles=roles)
    if request.method == "POST" and form.is_valid():
        invitation, raw_token = invitations.invite(
            request.user, form.cleaned_data["email"], form.cleaned_data["role"]
        )
        invitations.send_link(invitation, raw_token)
        messages.success(request, f"Invitation sent to {invitation.email}.")
        return redirect("accounts:invite")
    sent = Invitation.objects.filter(invited_by=request.user)[:20]
    return render(request, "accounts/invite.html", {"form": form, "sent": sent})


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = invitations.find(token)
    except invitations.InvitationUnusable as exc:
        return _unusable(request, exc)
    form = AcceptInvitationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = invitations.accept(
                token, data["username"], data["password"], display_name=data["display_name"]
            )
        except invitations.InvitationUnusable as exc:
            return _unusable(request, exc)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            begin_session(request)
            log_event(request, Action.LOGIN, reason="account created from an invitation")
            messages.success(request, "Welcome. Your account is ready.")
            return _after_sign_in(request, reverse(settings.LOGIN_REDIRECT_URL))
    return render(
        request, "accounts/accept_invitation.html", {"form": form, "invitation": invitation}
    )


def _unusable(request: HttpRequest, exc: Exception) -> HttpResponse:
    return render(request, "accounts/invitation_unusable.html", {"reason": str(exc)}, status=410)
