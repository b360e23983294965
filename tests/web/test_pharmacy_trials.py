"""The pharmacist's start page: assigned trials and their randomised participants."""

from __future__ import annotations

import pytest
from django.urls import reverse
from personas import make_user
from test_pharmacy_support import assigned_trial, enrolled, screened

from nof1.web.accounts.models import Role

pytestmark = pytest.mark.django_db

URL = reverse("pharmacy:trials")


@pytest.fixture
def other_pharmacist(db):
    return make_user(Role.PHARMACIST, display_name="Pavel")


def test_it_lists_assigned_trials_with_their_randomised_participants(
    client_for, clinician, pharmacist, participant, other_participant
):
    trial = assigned_trial(clinician, pharmacist, title="Tuesday LDN clinic")
    enrolment = enrolled(clinician, trial, participant)
    screened(clinician, trial, other_participant)  # not randomised yet
    response = client_for(pharmacist).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Tuesday LDN clinic" in page
    assert enrolment.pseudonym in page
    assert "0 of 6" in page
    assert "1 not yet randomised" in page
    assert reverse("pharmacy:kit_sheet", args=[enrolment.pk]) in page
    assert reverse("pharmacy:kit_sheet_csv", args=[enrolment.pk]) in page


def test_it_shows_participants_by_pseudonym_only(client_for, clinician, pharmacist, participant):
    enrolled(clinician, assigned_trial(clinician, pharmacist), participant)
    page = client_for(pharmacist).get(URL).content.decode()
    for identifying in (participant.display_name, participant.username, participant.email):
        assert identifying not in page
    assert str(participant.pk) not in page


def test_it_leaves_out_trials_assigned_to_another_pharmacist(
    client_for, clinician, pharmacist, participant
):
    other = make_user(Role.PHARMACIST)
    enrolment = enrolled(
        clinician, assigned_trial(clinician, other, title="Elsewhere"), participant
    )
    page = client_for(pharmacist).get(URL).content.decode()
    assert "Elsewhere" not in page
    assert enrolment.pseudonym not in page
    assert "No trial is assigned to you yet" in page


@pytest.mark.parametrize("persona", ["participant", "clinician", "researcher", "admin"])
def test_other_roles_are_refused(client_for, persona, request):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(URL).status_code == 403
    htmx = client_for(user).get(URL, headers={"HX-Request": "true"})
    assert htmx.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_pharmacist_without_the_second_factor_is_sent_to_it(client_for, pharmacist):
    response = client_for(pharmacist, verified=False).get(URL)
    assert response.status_code == 302
    assert "/two-factor/" in response["Location"]


def test_trial_titles_come_back_escaped(client_for, clinician, pharmacist, participant):
    enrolled(clinician, assigned_trial(clinician, pharmacist, title="<b>LDN</b> & co"), participant)
    page = client_for(pharmacist).get(URL).content.decode()
    assert "&lt;b&gt;LDN&lt;/b&gt; &amp; co" in page
    assert "<b>LDN</b>" not in page


def test_it_answers_get_only(client_for, pharmacist):
    assert client_for(pharmacist).post(URL).status_code == 405
