"""The signed override of a "needs review" screening: a reason and the clinician's password."""

from __future__ import annotations

import pytest
from personas import PASSWORD, make_user
from test_clinician_support import CLEAR, added, url

from nof1.web.accounts.models import Role
from nof1.web.audit.models import Action, AuditEvent
from nof1.web.trials.models import ScreeningOverride
from nof1.web.trials.services import screen_participant

pytestmark = pytest.mark.django_db

REASON = "Pregnancy test negative on the day; the result was not yet on file."


@pytest.fixture
def review(clinician, pharmacist, participant):
    """A participant whose pregnancy status was not known: needs review."""
    enrolment = added(clinician, pharmacist, participant)
    record = screen_participant(clinician, enrolment, **{**CLEAR, "pregnant": None})
    assert record.status == "needs-review"
    return record


def sign(client, record, reason=REASON, password=PASSWORD):
    return client.post(
        url("override", record.enrolment.pk, record.pk), {"reason": reason, "password": password}
    )


def test_the_right_password_signs_the_override(client_for, clinician, review):
    response = sign(client_for(clinician), review)
    assert response.status_code == 302
    override = ScreeningOverride.objects.get()
    assert (override.screening, override.signed_by, override.reason) == (review, clinician, REASON)
    review.enrolment.refresh_from_db()
    assert review.enrolment.status == "eligible"
    assert AuditEvent.objects.filter(action=Action.OVERRIDE).count() == 1


def test_a_wrong_password_signs_nothing_and_is_recorded(client_for, clinician, review):
    response = sign(client_for(clinician), review, password="not-my-password")
    assert response.status_code == 200
    assert b"not your password" in response.content
    assert not ScreeningOverride.objects.exists()
    review.enrolment.refresh_from_db()
    assert review.enrolment.status == "needs_review"
    refusal = AuditEvent.objects.get(action=Action.ACCESS_DENIED)
    assert refusal.actor == clinician and "password" in refusal.reason


def test_another_clinicians_password_does_not_sign_it(client_for, clinician, review):
    make_user(Role.CLINICIAN, password="someone-elses-password-1")
    sign(client_for(clinician), review, password="someone-elses-password-1")
    assert not ScreeningOverride.objects.exists()


def test_a_reason_is_needed(client_for, clinician, review):
    assert sign(client_for(clinician), review, reason="").status_code == 200
    assert not ScreeningOverride.objects.exists()


def test_an_ineligible_screening_can_never_be_overridden(
    client_for, clinician, pharmacist, other_participant
):
    enrolment = added(clinician, pharmacist, other_participant)
    record = screen_participant(clinician, enrolment, medications=["Tramadol"], **CLEAR)
    assert record.status == "ineligible"
    page = client_for(clinician).get(url("screening", enrolment.pk)).content.decode()
    assert url("override", enrolment.pk, record.pk) not in page
    response = client_for(clinician).post(
        url("override", enrolment.pk, record.pk),
        {"reason": REASON, "password": PASSWORD},
        follow=True,
    )
    assert b"can never be overridden" in response.content
    assert not ScreeningOverride.objects.exists()


def test_another_clinician_gets_404_even_with_their_own_password(
    client_for, other_clinician, review
):
    assert sign(client_for(other_clinician), review).status_code == 404
    assert not ScreeningOverride.objects.exists()


def test_a_screening_of_another_participant_is_not_found(
    client_for, clinician, pharmacist, other_participant, review
):
    other = added(clinician, pharmacist, other_participant)
    response = client_for(clinician).post(
        url("override", other.pk, review.pk), {"reason": REASON, "password": PASSWORD}
    )
    assert response.status_code == 404 and not ScreeningOverride.objects.exists()


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, review, who):
    assert sign(client_for(request.getfixturevalue(who)), review).status_code == 403
    assert not ScreeningOverride.objects.exists()


def test_a_get_changes_nothing(client_for, clinician, review):
    response = client_for(clinician).get(url("override", review.enrolment.pk, review.pk))
    assert response.status_code == 405 and not ScreeningOverride.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(client_for, clinician, review):
    assert sign(client_for(clinician, enforce_csrf_checks=True), review).status_code == 403
    assert not ScreeningOverride.objects.exists()


def test_the_reason_comes_back_escaped(client_for, clinician, review):
    client = client_for(clinician)
    sign(client, review, reason="<script>alert(1)</script>")
    body = client.get(url("screening", review.enrolment.pk)).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
