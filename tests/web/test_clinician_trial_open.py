"""Opening a draft trial for enrolment (POST)."""

from __future__ import annotations

import pytest
from test_clinician_support import new_trial, url

pytestmark = pytest.mark.django_db


def test_the_clinician_opens_their_draft(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist, opened=False)
    response = client_for(clinician).post(url("trial_open", trial.pk))
    assert response.status_code == 302 and response["Location"] == url("trial", trial.pk)
    trial.refresh_from_db()
    assert trial.status == "open"


def test_opening_twice_says_why_it_cannot(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    response = client_for(clinician).post(url("trial_open", trial.pk), follow=True)
    assert b"only a draft trial can be opened" in response.content


def test_a_get_changes_nothing(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist, opened=False)
    assert client_for(clinician).get(url("trial_open", trial.pk)).status_code == 405
    trial.refresh_from_db()
    assert trial.status == "draft"


def test_another_clinician_gets_404(client_for, clinician, other_clinician, pharmacist):
    trial = new_trial(clinician, pharmacist, opened=False)
    assert client_for(other_clinician).post(url("trial_open", trial.pk)).status_code == 404
    trial.refresh_from_db()
    assert trial.status == "draft"


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, clinician, pharmacist, who):
    trial = new_trial(clinician, pharmacist, opened=False)
    user = request.getfixturevalue(who)
    assert client_for(user).post(url("trial_open", trial.pk)).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist, opened=False)
    client = client_for(clinician, enforce_csrf_checks=True)
    assert client.post(url("trial_open", trial.pk)).status_code == 403
    trial.refresh_from_db()
    assert trial.status == "draft"
