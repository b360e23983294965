"""Invitations: the invite page, the one-time link, and the rules on who invites whom."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from personas import make_user

from nof1.web.accounts import invitations
from nof1.web.accounts.models import Invitation, Role, User
from nof1.web.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

INVITE = reverse("accounts:invite")
GOOD_PASSWORD = "slow-tide-under-the-pier-7"


def accept_url(token: str) -> str:
    return reverse("accounts:accept_invitation", kwargs={"token": token})


def fill_in(
    client: Client, token: str, username: str = "sam", password: str = GOOD_PASSWORD, **extra: str
):
    data = {"username": username, "password": password, "password_again": password, **extra}
    return client.post(accept_url(token), data)


# Who may invite whom -------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_an_admin_may_invite_anyone(admin, role):
    invitation, _ = invitations.invite(admin, "new@example.org", role)
    assert invitation.role == role


def test_a_clinician_may_invite_a_participant(clinician):
    invitation, _ = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    assert invitation.invited_by == clinician


@pytest.mark.parametrize("role", [r for r in Role if r != Role.PARTICIPANT])
def test_a_clinician_may_not_invite_staff(clinician, role):
    with pytest.raises(invitations.InvitationNotAllowed):
        invitations.invite(clinician, "x@example.org", role)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("inviter", [Role.PARTICIPANT, Role.PHARMACIST, Role.RESEARCHER])
def test_other_roles_may_not_invite_anyone(inviter):
    with pytest.raises(invitations.InvitationNotAllowed):
        invitations.invite(make_user(inviter), "x@example.org", Role.PARTICIPANT)


# The token -----------------------------------------------------------------------------------


def test_only_the_hash_of_the_token_is_stored(clinician):
    invitation, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {str(v) for v in Invitation.objects.values().get().values()}


def test_creating_an_invitation_is_audited_without_the_token(clinician):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    event = AuditEvent.objects.get(action=Action.CREATE, table="accounts.Invitation")
    assert event.actor == clinician
    assert raw not in str(event.new)


def test_an_invitation_is_good_for_seven_days(clinician):
    invitation, _ = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    assert timedelta(days=7) - (invitation.expires_at - timezone.now()) < timedelta(minutes=1)


# Accepting -----------------------------------------------------------------------------------


def test_accepting_creates_an_account_with_the_invited_role(admin):
    _, raw = invitations.invite(admin, "phil@example.org", Role.PHARMACIST)
    user = invitations.accept(raw, "phil", GOOD_PASSWORD, display_name="Phil")
    assert user.role == Role.PHARMACIST
    assert user.email == "phil@example.org"
    assert user.check_password(GOOD_PASSWORD)
    assert Invitation.objects.get().used_at is not None


def test_a_link_works_only_once(clinician):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    invitations.accept(raw, "pat", GOOD_PASSWORD)
    with pytest.raises(invitations.InvitationUnusable, match="already been used"):
        invitations.accept(raw, "pat2", GOOD_PASSWORD)
    assert User.objects.filter(role=Role.PARTICIPANT).count() == 1


def test_an_expired_link_is_refused(clinician):
    invitation, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    with pytest.raises(invitations.InvitationUnusable, match="expired"):
        invitations.accept(raw, "pat", GOOD_PASSWORD)


def test_an_unknown_link_is_refused(clinician):
    invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    with pytest.raises(invitations.InvitationUnusable, match="not valid"):
        invitations.accept("made-up-token", "pat", GOOD_PASSWORD)


def test_a_weak_password_is_refused_and_the_link_stays_usable(clinician):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    with pytest.raises(ValidationError) as refused:
        invitations.accept(raw, "pat", "password1")
    assert "password" in refused.value.message_dict
    assert Invitation.objects.get().used_at is None
    assert not User.objects.filter(username="pat").exists()


# The accept page -----------------------------------------------------------------------------


def test_the_accept_page_names_the_role(client, clinician):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    response = client.get(accept_url(raw))
    assert response.status_code == 200
    assert b"participant" in response.content


def test_opening_the_link_changes_nothing(client, clinician):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    client.get(accept_url(raw))
    client.get(accept_url(raw))
    assert Invitation.objects.get().used_at is None


def test_the_accept_page_signs_a_participant_straight_in(client, clinician):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    response = fill_in(client, raw, display_name="Pat")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(username="sam")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(action=Action.LOGIN, actor=user).exists()


def test_the_accept_page_sends_new_staff_to_enrol_an_authenticator(client, admin):
    _, raw = invitations.invite(admin, "cara@example.org", Role.CLINICIAN)
    response = fill_in(client, raw)
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))


@pytest.mark.parametrize(
    "password, message",
    [
        ("short1", b"too short"),
        ("password123", b"too common"),
        ("8273649172635", b"entirely numeric"),
    ],
)
def test_the_accept_page_shows_why_a_password_is_refused(client, clinician, password, message):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    response = fill_in(client, raw, password=password)
    assert response.status_code == 200
    assert message in response.content
    assert Invitation.objects.get().used_at is None


def test_the_accept_page_asks_for_the_same_password_twice(client, clinician):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    response = client.post(
        accept_url(raw),
        {"username": "sam", "password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD + "x"},
    )
    assert b"two passwords are different" in response.content


def test_the_accept_page_refuses_a_taken_user_name(client, clinician, participant):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    response = fill_in(client, raw, username=participant.username.upper())
    assert b"user name is taken" in response.content


def test_a_used_link_shows_a_calm_page(client, clinician):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    fill_in(client, raw)
    response = Client().get(accept_url(raw))
    assert response.status_code == 410
    assert b"already been used" in response.content


def test_the_accept_page_refuses_a_post_without_a_csrf_token(clinician):
    _, raw = invitations.invite(clinician, "pat@example.org", Role.PARTICIPANT)
    response = fill_in(Client(enforce_csrf_checks=True), raw)
    assert response.status_code == 403
    assert not User.objects.filter(username="sam").exists()


# The invite page -----------------------------------------------------------------------------


def test_a_clinician_invites_a_participant_by_email(client_for, clinician):
    response = client_for(clinician).post(
        INVITE, {"email": "pat@example.org", "role": Role.PARTICIPANT}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pat@example.org"]
    invitation = Invitation.objects.get()
    token = message.body.split("/accounts/invitation/")[1].split("/")[0]
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()


def test_the_invite_page_offers_a_clinician_only_the_participant_role(client_for, clinician):
    response = client_for(clinician).get(INVITE)
    assert b'value="participant"' in response.content
    assert b'value="admin"' not in response.content


def test_the_invite_page_refuses_a_clinician_inviting_an_admin(client_for, clinician):
    response = client_for(clinician).post(INVITE, {"email": "x@example.org", "role": "admin"})
    assert response.status_code == 200  # the form says the choice is not available
    assert not Invitation.objects.exists()
    assert not mail.outbox


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.PHARMACIST, Role.RESEARCHER])
def test_the_invite_page_is_refused_to_roles_that_cannot_invite(client_for, role):
    user = make_user(role)
    response = client_for(user).get(INVITE)
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user).exists()


def test_the_invite_page_is_refused_without_a_csrf_token(client_for, clinician):
    client = client_for(clinician, enforce_csrf_checks=True)
    response = client.post(INVITE, {"email": "pat@example.org", "role": Role.PARTICIPANT})
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_the_invite_page_escapes_what_it_shows(client_for, admin):
    invitations.invite(admin, "a<b>@example.org", Role.PARTICIPANT)
    response = client_for(admin).get(INVITE)
    assert b"a<b>@example.org" not in response.content
    assert b"a&lt;b&gt;@example.org" in response.content
