"""One trial: its design, participants with their status, invitations, consent text."""

from __future__ import annotations

import pytest
from personas import make_user
from test_clinician_support import (
    CONSENT,
    SCRIPT,
    START,
    added,
    assert_blinded,
    audit_rows,
    enrolled,
    freeze,
    new_trial,
    url,
)

from nof1.web.accounts.models import Role
from nof1.web.trials.services import add_participant

pytestmark = pytest.mark.django_db


def test_the_clinician_sees_participants_with_their_status(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    response = client_for(clinician).get(url("trial", enrolment.trial.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Pat" in body and enrolment.pseudonym in body and "Screening" in body
    assert url("participant", enrolment.pk) in body
    assert CONSENT in body


def test_a_draft_offers_to_open_it(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist, opened=False)
    body = client_for(clinician).get(url("trial", trial.pk)).content.decode()
    assert url("trial_open", trial.pk) in body


def test_the_page_names_no_arm_or_dose_even_mid_trial(
    monkeypatch, client_for, clinician, pharmacist, participant
):
    freeze(monkeypatch)
    enrolment = enrolled(clinician, pharmacist, participant)
    assert_blinded(client_for(clinician).get(url("trial", enrolment.trial.pk)).content.decode())


def test_another_clinicians_trial_is_not_found(client_for, clinician, other_clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    assert client_for(other_clinician).get(url("trial", trial.pk)).status_code == 404


def test_a_malformed_or_unknown_id_is_not_found(client_for, clinician):
    assert client_for(clinician).get("/clinic/trials/not-a-uuid/").status_code == 404
    unknown = "00000000-0000-0000-0000-000000000000"
    assert client_for(clinician).get(f"/clinic/trials/{unknown}/").status_code == 404


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, clinician, pharmacist, who):
    trial = new_trial(clinician, pharmacist)
    user = request.getfixturevalue(who)
    assert client_for(user).get(url("trial", trial.pk)).status_code == 403


def test_names_come_back_escaped(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    person = make_user(Role.PARTICIPANT, display_name=SCRIPT)
    add_participant(clinician, trial, person, START)
    body = client_for(clinician).get(url("trial", trial.pk)).content.decode()
    assert SCRIPT not in body and "&lt;script&gt;" in body


def test_looking_changes_nothing(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    before = audit_rows()
    client_for(clinician).get(url("trial", enrolment.trial.pk))
    assert audit_rows() == before
