"""The access decorators and the object-or-404 pattern, on small views made for the test."""

from __future__ import annotations

import re
import uuid

import pytest
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, reverse
from personas import make_totp_device

from nof1.web.accounts.access import owned_or_404, role_required, staff_verified_required
from nof1.web.accounts.models import Role, User
from nof1.web.audit.models import Action, AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.urls("test_access")]


@role_required(Role.CLINICIAN, Role.ADMIN)
def clinicians_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("clinical page")


@role_required(Role.PARTICIPANT)
def participants_only(request: HttpRequest) -> HttpResponse:
    return HttpResponse("diary page")


@staff_verified_required
def any_staff(request: HttpRequest) -> HttpResponse:
    return HttpResponse("staff page")


@role_required(Role.PARTICIPANT)
def own_profile(request: HttpRequest, user_id: uuid.UUID) -> HttpResponse:
    # Stands in for e.g. a diary day: the queryset holds only what this person may see.
    user = owned_or_404(request, User.objects.filter(pk=request.user.pk), pk=user_id)
    return HttpResponse(f"profile of {user.username}")


urlpatterns = [
    path("t/clinical/", clinicians_only),
    path("t/diary/", participants_only),
    path("t/staff/", any_staff),
    path("t/profile/<uuid:user_id>/", own_profile),
    path("t/profile/<str:user_id>/", own_profile),
    path("", include("nof1.web.urls")),
]


def refusals() -> int:
    return AuditEvent.objects.filter(action=Action.ACCESS_DENIED).count()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/t/clinical/")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=%2Ft%2Fclinical%2F"


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.PHARMACIST, Role.RESEARCHER])
def test_the_wrong_role_gets_403_and_it_is_recorded(client_for, role):
    user = User.objects.create_user(username=f"u-{role}", role=role)
    response = client_for(user).get("/t/clinical/")
    assert response.status_code == 403
    event = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert event.actor == user
    assert event.new["path"] == "/t/clinical/"


def test_staff_get_403_on_a_participant_page(client_for, clinician):
    assert client_for(clinician).get("/t/diary/").status_code == 403
    assert refusals() == 1


def test_the_403_page_is_calm_and_says_nothing_about_why(client_for, participant):
    response = client_for(participant).get("/t/clinical/")
    assert b"isn't available to you" in response.content
    assert b"clinician" not in response.content.lower()
    assert b"role" not in response.content.lower()


def test_the_right_role_gets_the_page(client_for, clinician, admin, participant):
    assert client_for(clinician).get("/t/clinical/").content == b"clinical page"
    assert client_for(admin).get("/t/clinical/").content == b"clinical page"
    assert client_for(participant).get("/t/diary/").content == b"diary page"


def test_role_required_alone_sends_unverified_staff_to_the_code_step(
    client_for, clinician, settings
):
    # Without the site-wide gate, the decorator still holds.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "StaffTwoFactor" not in m]
    make_totp_device(clinician)
    response = client_for(clinician, verified=False).get("/t/clinical/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_staff_verified_required_alone_sends_unenrolled_staff_to_enrol(
    client_for, researcher, settings
):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "StaffTwoFactor" not in m]
    response = client_for(researcher, verified=False).get("/t/staff/")
    assert response["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_staff_verified_required_admits_every_verified_staff_role(
    client_for, clinician, pharmacist, researcher, admin
):
    for user in (clinician, pharmacist, researcher, admin):
        assert client_for(user).get("/t/staff/").status_code == 200


def test_staff_verified_required_refuses_participants(client_for, participant):
    assert client_for(participant).get("/t/staff/").status_code == 403
    assert refusals() == 1


def test_an_htmx_request_to_a_staff_page_before_the_code_step_reloads_the_page(
    client_for, clinician
):
    make_totp_device(clinician)
    response = client_for(clinician, verified=False).get(
        "/t/clinical/", headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"].startswith(reverse("accounts:two_factor_verify"))


def test_owned_or_404_returns_what_is_theirs(client_for, participant):
    response = client_for(participant).get(f"/t/profile/{participant.pk}/")
    assert response.content == f"profile of {participant.username}".encode()


def test_owned_or_404_answers_404_for_someone_elses_and_records_it(
    client_for, participant, other_participant
):
    response = client_for(participant).get(f"/t/profile/{other_participant.pk}/")
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert event.actor == participant
    assert event.reason == "accounts.User not theirs"


def test_owned_or_404_answers_404_for_a_missing_object_without_a_refusal(client_for, participant):
    assert client_for(participant).get(f"/t/profile/{uuid.uuid4()}/").status_code == 404
    assert client_for(participant).get("/t/profile/not-a-uuid/").status_code == 404
    assert refusals() == 0


def test_someone_elses_object_and_a_missing_one_look_the_same(
    client_for, participant, other_participant
):
    client = client_for(participant)
    theirs = client.get(f"/t/profile/{other_participant.pk}/")
    missing = client.get(f"/t/profile/{uuid.uuid4()}/")
    assert theirs.status_code == missing.status_code == 404
    assert without_csrf_token(theirs.content) == without_csrf_token(missing.content)


def without_csrf_token(page: bytes) -> bytes:
    page = re.sub(rb'"X-CSRFToken": "[^"]*"', b"", page)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", page)


def test_the_404_page_is_calm(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"can't find that page" in response.content
