"""Two-factor sign-in for staff: enrolling an authenticator, and the code step at sign-in."""

from __future__ import annotations

from binascii import unhexlify

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from personas import PASSWORD, make_totp_device, make_user, totp_code

from nof1.web.accounts.models import STAFF_ROLES
from nof1.web.accounts.views import ENROL_KEY
from nof1.web.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
SETUP = reverse("accounts:two_factor_setup")
VERIFY = reverse("accounts:two_factor_verify")
HOME = reverse("home")
STAFF = sorted(STAFF_ROLES)


def password_step(client: Client, user) -> str:
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response["Location"]


def enrolment_key(client: Client) -> bytes:
    return unhexlify(client.session[ENROL_KEY])


@pytest.mark.parametrize("role", STAFF)
def test_staff_without_an_authenticator_are_sent_to_enrol_one(client, role):
    user = make_user(role)
    assert password_step(client, user).startswith(SETUP)


@pytest.mark.parametrize("role", STAFF)
def test_staff_with_an_authenticator_are_asked_for_a_code(client, role):
    user = make_user(role)
    make_totp_device(user)
    assert password_step(client, user).startswith(VERIFY)


def test_participants_are_not_asked_for_a_second_factor(client, participant):
    assert password_step(client, participant) == HOME
    assert client.get(HOME).status_code == 200


def test_the_enrolment_page_shows_a_qr_code_and_the_otpauth_link(client, clinician):
    password_step(client, clinician)
    response = client.get(SETUP)
    assert response.status_code == 200
    assert b"<svg" in response.content
    assert b"otpauth://totp/nof1%3A" in response.content
    assert not TOTPDevice.objects.filter(user=clinician).exists()  # a GET creates nothing
    assert "no-store" in response["Cache-Control"]  # the secret is not kept in caches


def test_staff_cannot_reach_any_page_before_enrolling(client, clinician):
    password_step(client, clinician)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    response = client.get(reverse("accounts:invite"))
    assert response["Location"].startswith(SETUP)


def test_a_correct_code_confirms_the_authenticator_and_lets_staff_in(client, clinician):
    password_step(client, clinician)
    client.get(SETUP)
    key_before = client.session.session_key
    response = client.post(SETUP, {"code": totp_code(enrolment_key(client)), "next": HOME})
    assert response.status_code == 302
    assert response["Location"] == HOME
    device = TOTPDevice.objects.get(user=clinician)
    assert device.confirmed
    assert client.session.session_key != key_before
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(action=Action.CREATE, table="otp_totp.TOTPDevice").exists()


def test_a_wrong_enrolment_code_is_refused_and_nothing_is_saved(client, clinician):
    password_step(client, clinician)
    client.get(SETUP)
    right = totp_code(enrolment_key(client))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(SETUP, {"code": wrong})
    assert response.status_code == 200
    assert b"didn&#x27;t match" in response.content
    assert not TOTPDevice.objects.filter(user=clinician).exists()
    assert client.get(HOME).status_code == 302


def test_staff_with_an_authenticator_must_pass_the_code_step_before_any_page(client, pharmacist):
    make_totp_device(pharmacist)
    password_step(client, pharmacist)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(VERIFY)


def test_staff_with_an_authenticator_cannot_replace_it_without_a_code(client, pharmacist):
    make_totp_device(pharmacist)
    password_step(client, pharmacist)
    response = client.get(SETUP)
    assert response["Location"].startswith(VERIFY)


def test_a_correct_code_lets_staff_in_and_is_recorded(client, pharmacist):
    device = make_totp_device(pharmacist)
    password_step(client, pharmacist)
    key_before = client.session.session_key
    response = client.post(VERIFY, {"code": totp_code(device), "next": HOME})
    assert response["Location"] == HOME
    assert client.session.session_key != key_before
    assert client.get(HOME).status_code == 200
    assert AuditEvent.objects.filter(
        action=Action.LOGIN, actor=pharmacist, reason="second factor passed"
    ).exists()


def test_a_wrong_code_is_refused_and_recorded(client, pharmacist):
    device = make_totp_device(pharmacist)
    password_step(client, pharmacist)
    wrong = f"{(int(totp_code(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert client.get(HOME).status_code == 302
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED, actor=pharmacist).exists()


def test_a_code_cannot_be_used_twice(client, pharmacist):
    device = make_totp_device(pharmacist)
    code = totp_code(device)
    password_step(client, pharmacist)
    client.post(VERIFY, {"code": code})
    second = Client()
    password_step(second, pharmacist)
    second.post(VERIFY, {"code": code})
    assert second.get(HOME).status_code == 302


def test_participants_have_no_two_factor_pages(client_for, participant):
    client = client_for(participant)
    assert client.get(SETUP).status_code == 403
    assert client.get(VERIFY).status_code == 403


def test_verified_staff_can_move_to_a_new_authenticator(client_for, researcher):
    old = make_totp_device(researcher)
    client = client_for(researcher)
    response = client.get(SETUP)
    assert b"Two-factor sign-in is on" in response.content
    client.post(SETUP, {"code": totp_code(enrolment_key(client))})
    new = TOTPDevice.objects.get(user=researcher)
    assert new.pk != old.pk


def test_the_enrolment_key_stays_the_same_while_someone_scans_slowly(client, clinician):
    password_step(client, clinician)
    first = client.get(SETUP).context["otpauth_uri"]
    key = client.session[ENROL_KEY]
    assert client.get(SETUP).context["otpauth_uri"] == first
    assert client.session[ENROL_KEY] == key


def test_enrolment_is_refused_without_a_csrf_token(clinician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    client.get(SETUP)
    response = client.post(SETUP, {"code": totp_code(enrolment_key(client))})
    assert response.status_code == 403
    assert not TOTPDevice.objects.filter(user=clinician).exists()
