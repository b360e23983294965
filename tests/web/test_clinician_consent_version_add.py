"""A new version of a trial's consent text (POST)."""

from __future__ import annotations

import pytest
from test_clinician_support import SCRIPT, new_trial, url

pytestmark = pytest.mark.django_db

NEW_TEXT = "I agree, and I know I can stop at any time without giving a reason."


def test_a_new_text_becomes_the_next_version(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    response = client_for(clinician).post(url("consent_version_add", trial.pk), {"text": NEW_TEXT})
    assert response.status_code == 302
    assert list(trial.consent_versions.values_list("version", "text")) == [
        (1, trial.consent_versions.get(version=1).text),
        (2, NEW_TEXT),
    ]


def test_an_empty_text_is_refused(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    response = client_for(clinician).post(url("consent_version_add", trial.pk), {"text": " "})
    assert response.status_code == 200 and trial.consent_versions.count() == 1


def test_the_text_comes_back_escaped(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    client = client_for(clinician)
    client.post(url("consent_version_add", trial.pk), {"text": SCRIPT})
    body = client.get(url("trial", trial.pk)).content.decode()
    assert SCRIPT not in body and "&lt;script&gt;" in body


def test_a_get_changes_nothing(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    assert client_for(clinician).get(url("consent_version_add", trial.pk)).status_code == 405
    assert trial.consent_versions.count() == 1


def test_another_clinician_gets_404(client_for, clinician, other_clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    response = client_for(other_clinician).post(
        url("consent_version_add", trial.pk), {"text": NEW_TEXT}
    )
    assert response.status_code == 404 and trial.consent_versions.count() == 1


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, clinician, pharmacist, who):
    trial = new_trial(clinician, pharmacist)
    user = request.getfixturevalue(who)
    response = client_for(user).post(url("consent_version_add", trial.pk), {"text": NEW_TEXT})
    assert response.status_code == 403 and trial.consent_versions.count() == 1


def test_a_post_without_the_csrf_token_is_refused(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    client = client_for(clinician, enforce_csrf_checks=True)
    assert client.post(url("consent_version_add", trial.pk), {"text": NEW_TEXT}).status_code == 403
    assert trial.consent_versions.count() == 1
