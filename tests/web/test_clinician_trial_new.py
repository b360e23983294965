"""A new trial from a bundled protocol: title, pharmacist, consent text."""

from __future__ import annotations

import pytest
from personas import make_user
from test_clinician_support import CONSENT, SCRIPT, audit_rows, url

from nof1.web.accounts.models import Role
from nof1.web.trials.models import Trial

pytestmark = pytest.mark.django_db


def form(pharmacist, **changes):
    data = {
        "template": "ldn-mecfs-standard",
        "title": "Pat's LDN trial",
        "pharmacist": str(pharmacist.pk),
        "consent_text": CONSENT,
    }
    return {**data, **changes}


def test_the_page_offers_every_bundled_protocol_and_active_pharmacists(
    client_for, clinician, pharmacist
):
    make_user(Role.PHARMACIST, display_name="Gone", is_active=False)
    response = client_for(clinician).get(url("trial_new"))
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("ldn-mecfs-standard", "ldn-mecfs-slow-titration", "ldn-mecfs-dose-finding"):
        assert f'value="{name}"' in body
    assert "Priya" in body and "Gone" not in body


def test_it_creates_a_draft_trial_with_its_consent_text(client_for, clinician, pharmacist):
    response = client_for(clinician).post(url("trial_new"), form(pharmacist))
    trial = Trial.objects.get()
    assert response.status_code == 302 and response["Location"] == url("trial", trial.pk)
    assert (trial.clinician, trial.pharmacist, trial.status) == (clinician, pharmacist, "draft")
    assert trial.title == "Pat's LDN trial" and trial.protocol_id == "ldn-mecfs-standard"
    assert trial.consent_versions.get().text == CONSENT


def test_an_empty_title_takes_the_protocols(client_for, clinician, pharmacist):
    client_for(clinician).post(url("trial_new"), form(pharmacist, title=""))
    assert Trial.objects.get().title == "Low-dose naltrexone n-of-1 trial for ME/CFS"


def test_it_refuses_a_pharmacist_who_is_not_one(client_for, clinician, researcher):
    response = client_for(clinician).post(url("trial_new"), form(researcher))
    assert response.status_code == 200
    assert not Trial.objects.exists()
    assert b"errors" in response.content


def test_it_refuses_a_missing_consent_text_and_keeps_what_was_typed(
    client_for, clinician, pharmacist
):
    response = client_for(clinician).post(url("trial_new"), form(pharmacist, consent_text=""))
    assert response.status_code == 200 and not Trial.objects.exists()
    assert "Pat&#x27;s LDN trial" in response.content.decode()


def test_typed_text_comes_back_escaped(client_for, clinician, pharmacist):
    response = client_for(clinician).post(
        url("trial_new"), form(pharmacist, title=SCRIPT, consent_text="")
    )
    body = response.content.decode()
    assert SCRIPT not in body and "&lt;script&gt;" in body


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, pharmacist, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(url("trial_new")).status_code == 403
    assert client_for(user).post(url("trial_new"), form(pharmacist)).status_code == 403
    assert not Trial.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(client_for, clinician, pharmacist):
    client = client_for(clinician, enforce_csrf_checks=True)
    assert client.post(url("trial_new"), form(pharmacist)).status_code == 403
    assert not Trial.objects.exists()


def test_looking_changes_nothing(client_for, clinician):
    before = audit_rows()
    client_for(clinician).get(url("trial_new"))
    assert audit_rows() == before and not Trial.objects.exists()
