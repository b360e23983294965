"""Session limits: staff idle and absolute limits; participants only an absolute one."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from personas import PASSWORD, later

from nof1.web.accounts.middleware import LAST_SEEN, LOGIN_AT
from nof1.web.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

HOME = reverse("home")
LOGIN = reverse("accounts:login")


def stamp(client: Client, **stamps: float) -> None:
    session = client.session
    for key, value in stamps.items():
        session[key] = value
    session.save()


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_signing_in_stamps_the_session(client, participant):
    client.post(LOGIN, {"username": participant.username, "password": PASSWORD})
    assert LOGIN_AT in client.session
    assert LAST_SEEN in client.session


def test_staff_are_signed_out_after_the_idle_limit(client_for, clinician, settings):
    client = client_for(clinician)
    client.get(HOME)
    stamp(client, **{LAST_SEEN: later(-(settings.STAFF_IDLE_MINUTES * 60 + 5))})
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not is_signed_in(client)
    page = client.get(response["Location"])
    assert b"without activity" in page.content
    assert AuditEvent.objects.filter(
        action=Action.LOGOUT, actor=clinician, reason="session ended: idle limit"
    ).exists()


def test_staff_activity_within_the_idle_limit_keeps_them_signed_in(client_for, clinician, settings):
    client = client_for(clinician)
    client.get(HOME)
    stamp(client, **{LAST_SEEN: later(-(settings.STAFF_IDLE_MINUTES * 60 - 60))})
    assert client.get(HOME).status_code == 200
    assert client.session[LAST_SEEN] > later(-5)  # the request counted as activity


def test_participants_have_no_idle_limit(client_for, participant):
    client = client_for(participant)
    client.get(HOME)
    stamp(client, **{LAST_SEEN: later(-7 * 86400)})
    assert client.get(HOME).status_code == 200
    assert is_signed_in(client)


def test_staff_are_signed_out_at_the_absolute_limit_even_when_busy(
    client_for, pharmacist, settings
):
    client = client_for(pharmacist)
    client.get(HOME)
    stamp(
        client, **{LOGIN_AT: later(-(settings.SESSION_MAX_HOURS * 3600 + 5)), LAST_SEEN: later(0)}
    )
    response = client.get(HOME)
    assert response["Location"].startswith(LOGIN)
    assert not is_signed_in(client)


def test_participants_are_signed_out_at_their_absolute_limit(client_for, participant, settings):
    settings.PARTICIPANT_SESSION_MAX_DAYS = 30
    client = client_for(participant)
    client.get(HOME)
    stamp(client, **{LOGIN_AT: later(-(30 * 86400 + 5))})
    response = client.get(HOME)
    assert response["Location"].startswith(LOGIN)
    assert b"Everything you saved is kept" in client.get(response["Location"]).content


def test_participants_stay_signed_in_well_past_the_staff_limit(client_for, participant, settings):
    client = client_for(participant)
    client.get(HOME)
    stamp(client, **{LOGIN_AT: later(-(settings.SESSION_MAX_HOURS * 3600 + 3600))})
    assert client.get(HOME).status_code == 200


def test_an_ended_session_asks_htmx_to_load_the_sign_in_page(client_for, clinician, settings):
    client = client_for(clinician)
    client.get(HOME)
    stamp(client, **{LAST_SEEN: later(-(settings.STAFF_IDLE_MINUTES * 60 + 5))})
    response = client.get(HOME, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(LOGIN)


def test_the_session_cookie_lasts_no_longer_than_the_session(
    client, clinician, participant, settings
):
    client.post(LOGIN, {"username": clinician.username, "password": PASSWORD})
    assert client.session.get_expiry_age() == settings.SESSION_MAX_HOURS * 3600
    other = Client()
    other.post(LOGIN, {"username": participant.username, "password": PASSWORD})
    assert other.session.get_expiry_age() == settings.PARTICIPANT_SESSION_MAX_DAYS * 86400


def test_an_ended_session_on_a_form_post_returns_to_sign_in_without_a_next(
    client_for, clinician, settings
):
    client = client_for(clinician)
    client.get(HOME)
    stamp(client, **{LAST_SEEN: later(-(settings.STAFF_IDLE_MINUTES * 60 + 5))})
    response = client.post(reverse("accounts:password_change"), {})
    assert response["Location"] == LOGIN
