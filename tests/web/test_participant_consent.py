"""E-consent: the current text, one "I agree" button, then the exact text agreed to."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    CLEAR,
    CONSENT,
    HTMX,
    START,
    carer,
    enrolment,
    pat,
    today,
    trial,
    url,
)

from nof1.web.trials.models import Consent, ConsentVersion, EnrolmentStatus
from nof1.web.trials.services import (
    add_consent_version,
    add_participant,
    screen_participant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def eligible(clinician, trial, participant):
    enrolment = add_participant(clinician, trial, participant, START)
    screen_participant(clinician, enrolment, **CLEAR)
    return enrolment


def test_it_shows_the_current_text_and_an_agree_button(pat, eligible):
    page = pat.get(url("consent", eligible)).content.decode()
    version = eligible.trial.consent_versions.get()
    assert CONSENT in page and ">I agree</button>" in page
    assert f'name="version" value="{version.pk}"' in page


def test_agreeing_records_consent_and_shows_the_snapshot(pat, participant, eligible):
    version = eligible.trial.consent_versions.get()
    response = pat.post(url("consent", eligible), {"version": str(version.pk)})
    assert response.status_code == 200
    consent = Consent.objects.get(enrolment=eligible)
    assert consent.text == CONSENT and consent.agreed_by == participant
    eligible.refresh_from_db()
    assert eligible.status == EnrolmentStatus.CONSENTED
    ConsentVersion.objects.filter(pk=version.pk).update(text="Edited later.")
    page = pat.get(url("consent", eligible)).content.decode()
    assert "You agreed on" in page and CONSENT in page
    assert "Edited later." not in page and ">I agree</button>" not in page


def test_an_outdated_version_is_not_agreed_to(pat, clinician, eligible):
    old = eligible.trial.consent_versions.get()
    add_consent_version(clinician, eligible.trial, CONSENT + " Blood tests are at the GP.")
    response = pat.post(url("consent", eligible), {"version": str(old.pk)})
    assert response.status_code == 400 and "has changed" in response.content.decode()
    assert not Consent.objects.exists()


def test_a_newer_text_after_enrolment_is_offered_with_the_earlier_one_kept(
    pat, clinician, enrolment
):
    add_consent_version(clinician, enrolment.trial, "A new text, version two.")
    page = pat.get(url("consent", enrolment)).content.decode()
    assert "A new text, version two." in page and ">I agree</button>" in page
    assert "The text you agreed to on" in page and CONSENT in page
    home = pat.get(url("home", enrolment)).content.decode()
    assert "Read and agree to the consent text" in home


def test_before_screening_the_text_can_be_read_but_not_agreed(client_for, clinician, trial):
    from personas import make_user

    person = make_user("participant")
    waiting = add_participant(clinician, trial, person, START)
    client = client_for(person)
    page = client.get(url("consent", waiting)).content.decode()
    assert CONSENT in page and ">I agree</button>" not in page
    version = trial.consent_versions.get()
    response = client.post(url("consent", waiting), {"version": str(version.pk)})
    assert response.status_code == 400 and not Consent.objects.exists()


def test_consent_text_comes_back_escaped(pat, clinician, eligible):
    add_consent_version(clinician, eligible.trial, "<b>bold</b> & <script>x()</script>")
    page = pat.get(url("consent", eligible)).content.decode()
    assert "<script>x()</script>" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page


def test_a_carer_can_agree_and_is_named(client_for, carer, clinician, enrolment):
    version = add_consent_version(clinician, enrolment.trial, "Version two.")
    client_for(carer).post(url("consent", enrolment), {"version": str(version.pk)}, **HTMX)
    consent = Consent.objects.get(version=version)
    assert consent.agreed_by == carer
    page = client_for(carer).get(url("consent", enrolment)).content.decode()
    assert "entered by Sam" in page


def test_another_participants_consent_is_not_found(client_for, other_participant, eligible):
    client = client_for(other_participant)
    version = eligible.trial.consent_versions.get()
    assert client.get(url("consent", eligible)).status_code == 404
    response = client.post(url("consent", eligible), {"version": str(version.pk)}, **HTMX)
    assert response.status_code == 404
    assert not Consent.objects.exists()


def test_staff_are_refused(client_for, clinician, pharmacist, eligible):
    for person in (clinician, pharmacist):
        assert client_for(person).get(url("consent", eligible)).status_code == 403


def test_a_post_without_a_csrf_token_is_refused(client_for, participant, eligible):
    client = client_for(participant, enforce_csrf_checks=True)
    version = eligible.trial.consent_versions.get()
    assert client.post(url("consent", eligible), {"version": str(version.pk)}).status_code == 403
    assert not Consent.objects.exists()


def test_looking_changes_nothing(pat, eligible):
    pat.get(url("consent", eligible))
    assert not Consent.objects.exists()
