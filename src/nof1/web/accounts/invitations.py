"""Invitations: the only way an account comes into being.

    invitation, raw_token = invite(by=clinician, email="sam@example.org", role=Role.PARTICIPANT)
    send_link(invitation, raw_token)          # e-mails https://.../accounts/invitation/<token>/
    user = accept(raw_token, username="sam", password="...", display_name="Sam")

Admins invite anyone; clinicians invite participants; nobody else invites. The raw token lives
only in the link: the database keeps its sha256, so a copy of the database opens no door. A
link works once, for seven days.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from nof1.web.accounts.models import Invitation, Role, User
from nof1.web.audit.models import Action
from nof1.web.audit.services import record


class InvitationError(Exception):
    """An invitation cannot be made or used; the message says why in plain words."""


class InvitationNotAllowed(InvitationError):
    pass


class InvitationUnusable(InvitationError):
    """The link is unknown, used or expired."""


def hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def invite(by: User, email: str, role: Role | str) -> tuple[Invitation, str]:
    """Create an invitation; returns it and the raw token for the link (shown nowhere else)."""
    role = Role(role)
    if role not in by.invitable_roles:
        raise InvitationNotAllowed(
            f"A {by.get_role_display().lower()} cannot invite a {role.label.lower()}."
        )
    raw_token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email.strip(), role=role, invited_by=by, token_hash=hash_token(raw_token)
        )
        record(
            actor=by,
            action=Action.CREATE,
            target=invitation,
            new={"email": invitation.email, "role": invitation.role},
            reason="invitation sent",
        )
    return invitation, raw_token


def link(raw_token: str) -> str:
    path = reverse("accounts:accept_invitation", kwargs={"token": raw_token})
    return f"{settings.SITE_URL}{path}"


def send_link(invitation: Invitation, raw_token: str) -> None:
    inviter = invitation.invited_by
    role = invitation.get_role_display().lower()
    days = max(1, (invitation.expires_at - timezone.now()).days)
    body = (
        f"Hello,\n\n{inviter} has invited you to nof1 as a {role}.\n\n"
        f"To set up your account, open this link (it works once, for {days} days):\n\n"
        f"{link(raw_token)}\n\n"
        "If you were not expecting this, you can ignore this e-mail.\n"
    )
    send_mail(
        subject="Your invitation to nof1",
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invitation.email],
    )


def find(raw_token: str) -> Invitation:
    """The pending invitation for this token, or InvitationUnusable."""
    digest = hash_token(raw_token)
    invitation = Invitation.objects.filter(token_hash=digest).first()
    # The lookup is by an index, but compare again in constant time so that no code path
    # depends on how much of a guessed token matched.
    if invitation is None or not hmac.compare_digest(invitation.token_hash, digest):
        raise InvitationUnusable("This invitation link is not valid. Please ask for a new one.")
    if invitation.is_used:
        raise InvitationUnusable(
            "This invitation link has already been used. If that was you, please sign in."
        )
    if invitation.is_expired:
        raise InvitationUnusable(
            "This invitation link has expired. Please ask whoever invited you for a new one."
        )
    return invitation


def accept(raw_token: str, username: str, password: str, display_name: str = "") -> User:
    """Create the invited person's account and use up the link.

    Raises InvitationUnusable for a bad link and ValidationError (keyed by field) for a user
    name that is taken or a password the validators refuse.
    """
    with transaction.atomic():
        invitation = find(raw_token)
        # Lock the row: two tabs submitting at once must not make two accounts.
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.is_used:
            raise InvitationUnusable("This invitation link has already been used.")
        user = User(
            username=username,
            email=invitation.email,
            role=invitation.role,
            display_name=display_name.strip(),
        )
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            raise ValidationError(
                {"username": "That user name is taken. Please choose another."}
            ) from None
        invitation.used_at = timezone.now()
        invitation.user = user
        invitation.save(update_fields=["used_at", "user"])
        record(
            actor=user,
            action=Action.CREATE,
            target=user,
            new={"username": user.username, "role": user.role, "invitation": str(invitation.id)},
            reason="account created from an invitation",
        )
    return user
