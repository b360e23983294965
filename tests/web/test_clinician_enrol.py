"""Enrol (POST): randomise a screened, consented participant; an ineligible one never."""

from __future__ import annotations

import pytest
from test_clinician_support import CLEAR, added, assert_blinded, consented, freeze, url

from nof1.web.trials.models import SealedAllocationRecord
from nof1.web.trials.services import screen_participant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(monkeypatch):
    return freeze(monkeypatch)


def test_enrolling_randomises_and_then_shows_kit_codes_only(
    client_for, clinician, pharmacist, participant
):
    enrolment = consented(clinician, pharmacist, participant)
    client = client_for(clinician)
    response = client.post(url("enrol", enrolment.pk))
    assert response.status_code == 302 and response["Location"] == url("participant", enrolment.pk)
    enrolment.refresh_from_db()
    assert enrolment.status == "enrolled" and len(enrolment.kit_codes) == 6
    body = client.get(url("participant", enrolment.pk)).content.decode()
    assert all(code in body for code in enrolment.kit_codes)
    assert_blinded(body)


def test_an_ineligible_participant_cannot_be_enrolled(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    screen_participant(clinician, enrolment, **{**CLEAR, "alt_iu_per_l": 900})
    response = client_for(clinician).post(url("enrol", enrolment.pk), follow=True)
    assert b"not eligible" in response.content
    assert not SealedAllocationRecord.objects.exists()


def test_needs_review_without_an_override_cannot_be_enrolled(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    screen_participant(clinician, enrolment, **{**CLEAR, "ast_iu_per_l": None})
    response = client_for(clinician).post(url("enrol", enrolment.pk), follow=True)
    assert b"signed override" in response.content
    assert not SealedAllocationRecord.objects.exists()


def test_enrolling_twice_never_redraws(client_for, clinician, pharmacist, participant):
    enrolment = consented(clinician, pharmacist, participant)
    client = client_for(clinician)
    client.post(url("enrol", enrolment.pk))
    first = SealedAllocationRecord.objects.get().fingerprint
    response = client.post(url("enrol", enrolment.pk), follow=True)
    assert b"never redrawn" in response.content
    assert SealedAllocationRecord.objects.get().fingerprint == first


def test_another_clinician_gets_404(
    client_for, clinician, other_clinician, pharmacist, participant
):
    enrolment = consented(clinician, pharmacist, participant)
    assert client_for(other_clinician).post(url("enrol", enrolment.pk)).status_code == 404
    assert not SealedAllocationRecord.objects.exists()


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, clinician, pharmacist, participant, who):
    enrolment = consented(clinician, pharmacist, participant)
    user = request.getfixturevalue(who)
    assert client_for(user).post(url("enrol", enrolment.pk)).status_code == 403
    assert not SealedAllocationRecord.objects.exists()


def test_a_get_changes_nothing(client_for, clinician, pharmacist, participant):
    enrolment = consented(clinician, pharmacist, participant)
    assert client_for(clinician).get(url("enrol", enrolment.pk)).status_code == 405
    assert not SealedAllocationRecord.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(client_for, clinician, pharmacist, participant):
    enrolment = consented(clinician, pharmacist, participant)
    client = client_for(clinician, enforce_csrf_checks=True)
    assert client.post(url("enrol", enrolment.pk)).status_code == 403
    assert not SealedAllocationRecord.objects.exists()
