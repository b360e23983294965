"""Consent: the current text, whether the participant agreed, and the stored snapshot."""

from __future__ import annotations

import pytest
from test_clinician_support import CONSENT, added, audit_rows, consented, url

from nof1.web.trials.services import add_consent_version

pytestmark = pytest.mark.django_db


def test_before_consent_it_shows_the_current_text_and_says_not_yet(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    body = client_for(clinician).get(url("consent", enrolment.pk)).content.decode()
    assert CONSENT in body and "Not yet consented" in body


def test_the_stored_snapshot_stays_as_agreed_after_a_new_version(
    client_for, clinician, pharmacist, participant
):
    enrolment = consented(clinician, pharmacist, participant)
    add_consent_version(clinician, enrolment.trial, "A newer text, version two.")
    body = client_for(clinician).get(url("consent", enrolment.pk)).content.decode()
    assert "Not yet consented" in body and "A newer text, version two." in body
    assert "Version 1, agreed" in body and CONSENT in body
    assert enrolment.consents.get().text_sha256 in body


def test_consented_says_so(client_for, clinician, pharmacist, participant):
    enrolment = consented(clinician, pharmacist, participant)
    body = client_for(clinician).get(url("consent", enrolment.pk)).content.decode()
    assert "Consented" in body


def test_the_text_comes_back_escaped(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    add_consent_version(clinician, enrolment.trial, "<script>alert(1)</script>")
    body = client_for(clinician).get(url("consent", enrolment.pk)).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body


def test_another_clinician_gets_404(
    client_for, clinician, other_clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    assert client_for(other_clinician).get(url("consent", enrolment.pk)).status_code == 404


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, clinician, pharmacist, participant, who):
    enrolment = added(clinician, pharmacist, participant)
    user = request.getfixturevalue(who)
    assert client_for(user).get(url("consent", enrolment.pk)).status_code == 403


def test_looking_changes_nothing(client_for, clinician, pharmacist, participant):
    enrolment = consented(clinician, pharmacist, participant)
    before = audit_rows()
    client_for(clinician).get(url("consent", enrolment.pk))
    assert audit_rows() == before
