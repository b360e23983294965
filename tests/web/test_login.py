"""Signing in and out: the login and logout views."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from personas import PASSWORD

from nof1.web.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
LOGOUT = reverse("accounts:logout")


def post_login(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def test_it_shows_the_sign_in_form(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content


def test_it_signs_a_participant_in_and_sends_them_home(client, participant):
    response = post_login(client, participant.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"] == str(participant.pk)


def test_it_follows_a_safe_next_address(client, participant):
    response = post_login(client, participant.username, next="/accounts/password/")
    assert response["Location"] == "/accounts/password/"


def test_it_ignores_a_next_address_on_another_site(client, participant):
    response = post_login(client, participant.username, next="https://evil.example/")
    assert response["Location"] == reverse("home")


def test_it_rotates_the_session_key_at_sign_in(client, participant):
    client.get(LOGIN)
    session = client.session
    session["before"] = True
    session.save()
    before = client.session.session_key
    post_login(client, participant.username)
    assert client.session.session_key != before


def test_it_refuses_a_wrong_password_calmly(client, participant):
    response = post_login(client, participant.username, "not-the-password")
    assert response.status_code == 200
    assert b"don&#x27;t match" in response.content
    assert "_auth_user_id" not in client.session


def test_it_records_a_sign_in(client, participant):
    post_login(client, participant.username)
    event = AuditEvent.objects.get(action=Action.LOGIN)
    assert event.actor == participant
    assert event.new["address"] == "127.0.0.1"


def test_it_records_a_failed_sign_in_without_the_password(client, participant):
    post_login(client, participant.username, "not-the-password")
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor is None
    assert event.new["username"] == participant.username
    assert "not-the-password" not in str(event.new)


def test_it_locks_out_after_too_many_failures_even_with_the_right_password(
    client, participant, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, participant.username, "not-the-password")
    response = post_login(client, participant.username)
    assert response.status_code == 429
    assert b"Signing in is paused" in response.content
    assert b"for 15 minutes" in response.content
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, reason="locked out").exists()


def test_a_lockout_does_not_stop_other_people_signing_in(
    client, participant, other_participant, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, participant.username, "not-the-password")
    response = post_login(client, other_participant.username)
    assert response.status_code == 302


def test_it_does_not_sign_out_on_get(client_for, participant):
    client = client_for(participant)
    response = client.get(LOGOUT)
    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(participant.pk)


def test_it_signs_out_on_post_and_records_it(client_for, participant):
    client = client_for(participant)
    response = client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor=participant).exists()


def test_it_refuses_a_sign_in_without_a_csrf_token(participant):
    client = Client(enforce_csrf_checks=True)
    response = post_login(client, participant.username)
    assert response.status_code == 403
    assert b"Please try that again" in response.content
    assert "_auth_user_id" not in client.session


def test_it_refuses_a_sign_out_without_a_csrf_token(client_for, participant):
    client = client_for(participant, enforce_csrf_checks=True)
    response = client.post(LOGOUT)
    assert response.status_code == 403
    assert client.session["_auth_user_id"] == str(participant.pk)


def test_it_uses_argon2_for_new_passwords(settings):
    assert "Argon2PasswordHasher" in "".join(settings.PASSWORD_HASHERS)
