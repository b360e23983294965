"""One participant's overview: screening, consent, enrolment or kit codes, what comes next."""

from __future__ import annotations

import pytest
from personas import make_user
from test_clinician_support import (
    SCRIPT,
    START,
    added,
    assert_blinded,
    audit_rows,
    consented,
    enrolled,
    freeze,
    new_trial,
    url,
)

from nof1.web.accounts.models import Role
from nof1.web.trials.services import add_participant, screen_participant

pytestmark = pytest.mark.django_db


def test_a_consented_participant_has_an_enrol_button(
    client_for, clinician, pharmacist, participant
):
    enrolment = consented(clinician, pharmacist, participant)
    body = client_for(clinician).get(url("participant", enrolment.pk)).content.decode()
    assert url("enrol", enrolment.pk) in body and "Enrol and randomise" in body


def test_an_ineligible_participant_has_no_enrol_button(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    screen_participant(
        clinician,
        enrolment,
        medications=["Co-codamol"],
        alt_iu_per_l=20,
        ast_iu_per_l=20,
        pregnant=False,
        breastfeeding=False,
    )
    body = client_for(clinician).get(url("participant", enrolment.pk)).content.decode()
    assert url("enrol", enrolment.pk) not in body
    assert "ineligible" in body.lower()


def test_after_randomisation_it_shows_kit_codes_and_no_allocation(
    monkeypatch, client_for, clinician, pharmacist, participant
):
    freeze(monkeypatch)
    enrolment = enrolled(clinician, pharmacist, participant)
    body = client_for(clinician).get(url("participant", enrolment.pk)).content.decode()
    for code in enrolment.kit_codes:
        assert code in body
    assert url("enrol", enrolment.pk) not in body
    assert_blinded(body)


def test_another_clinicians_participant_is_not_found(
    client_for, clinician, other_clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    assert client_for(other_clinician).get(url("participant", enrolment.pk)).status_code == 404


@pytest.mark.parametrize("who", ["participant", "other_participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, clinician, pharmacist, participant, who):
    enrolment = added(clinician, pharmacist, participant)
    user = request.getfixturevalue(who)
    assert client_for(user).get(url("participant", enrolment.pk)).status_code == 403


def test_the_name_comes_back_escaped(client_for, clinician, pharmacist):
    person = make_user(Role.PARTICIPANT, display_name=SCRIPT)
    enrolment = add_participant(clinician, new_trial(clinician, pharmacist), person, START)
    body = client_for(clinician).get(url("participant", enrolment.pk)).content.decode()
    assert SCRIPT not in body and "&lt;script&gt;" in body


def test_looking_changes_nothing(client_for, clinician, pharmacist, participant):
    enrolment = consented(clinician, pharmacist, participant)
    before = audit_rows()
    client_for(clinician).get(url("participant", enrolment.pk))
    assert audit_rows() == before
