"""The clinician's list of trials: their own, nobody else's."""

from __future__ import annotations

import pytest
from test_clinician_support import SCRIPT, audit_rows, new_trial, url

pytestmark = pytest.mark.django_db


def test_the_clinician_sees_their_own_trials_and_no_one_elses(
    client_for, clinician, other_clinician, pharmacist
):
    mine = new_trial(clinician, pharmacist)
    mine.title = "Pat's LDN trial"
    mine.save()
    theirs = new_trial(other_clinician, pharmacist)
    theirs.title = "Someone else's trial"
    theirs.save()
    response = client_for(clinician).get(url("trials"))
    assert response.status_code == 200
    assert "Pat&#x27;s LDN trial" in response.content.decode()
    assert url("trial", mine.pk) in response.content.decode()
    assert url("trial", theirs.pk) not in response.content.decode()
    assert b"Someone else" not in response.content


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher", "admin"])
def test_other_roles_get_403(request, client_for, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(url("trials")).status_code == 403


def test_staff_without_their_second_factor_are_sent_to_it(client_for, clinician):
    response = client_for(clinician, verified=False).get(url("trials"))
    assert response.status_code == 302
    assert "two-factor" in response["Location"] or "two_factor" in response["Location"]


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(url("trials"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/")


def test_titles_come_back_escaped(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    trial.title = SCRIPT
    trial.save()
    body = client_for(clinician).get(url("trials")).content.decode()
    assert SCRIPT not in body
    assert "&lt;script&gt;" in body


def test_looking_changes_nothing(client_for, clinician, pharmacist):
    new_trial(clinician, pharmacist)
    before = audit_rows()
    client_for(clinician).get(url("trials"))
    assert audit_rows() == before
