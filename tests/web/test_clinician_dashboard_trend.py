"""The trend fragment htmx swaps in when the clinician picks another outcome."""

from __future__ import annotations

import pytest
from test_clinician_support import (
    added,
    assert_blinded,
    audit_rows,
    day,
    enrolled,
    freeze,
    keep_diary,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def midway(monkeypatch, clinician, pharmacist, participant):
    freeze(monkeypatch, day(61))
    enrolment = enrolled(clinician, pharmacist, participant)
    keep_diary(enrolment, range(1, 61), lambda n: {"fatigue": 4, "pain": 1 + n % 3})
    return enrolment


def test_it_answers_the_fragment_for_the_chosen_outcome(client_for, clinician, midway):
    response = client_for(clinician).get(
        url("dashboard_trend", midway.pk), {"outcome": "pain"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="trend"')
    assert "<html" not in body
    assert "Pain by trial day" in body and '<option value="pain" selected>' in body
    assert_blinded(body)


def test_an_unknown_outcome_falls_back_to_the_primary_one(client_for, clinician, midway):
    body = (
        client_for(clinician)
        .get(url("dashboard_trend", midway.pk), {"outcome": "arm"})
        .content.decode()
    )
    assert "Fatigue by trial day" in body


def test_the_whole_page_takes_the_same_choice_without_javascript(client_for, clinician, midway):
    body = client_for(clinician).get(url("dashboard", midway.pk), {"outcome": "pain"}).content
    assert b"Pain by trial day" in body


def test_before_randomisation_the_fragment_says_so(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    body = client_for(clinician).get(url("dashboard_trend", enrolment.pk)).content
    assert b"once the participant is randomised" in body


def test_another_clinician_gets_404_for_the_fragment_too(client_for, other_clinician, midway):
    response = client_for(other_clinician).get(
        url("dashboard_trend", midway.pk), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403_for_the_fragment_too(request, client_for, midway, who):
    user = request.getfixturevalue(who)
    response = client_for(user).get(url("dashboard_trend", midway.pk), HTTP_HX_REQUEST="true")
    assert response.status_code == 403


def test_looking_changes_nothing(client_for, clinician, midway):
    before = audit_rows()
    client_for(clinician).get(url("dashboard_trend", midway.pk), HTTP_HX_REQUEST="true")
    assert audit_rows() == before
