"""Screening a participant with the protocol's safety rules; each finding with rule and source."""

from __future__ import annotations

import pytest
from test_clinician_support import START, added, audit_rows, enrolled, freeze, url

from nof1.safety import CONDITIONS
from nof1.web.trials.models import ScreeningRecord

pytestmark = pytest.mark.django_db

CLEAR_FORM = {
    "medications": "Sertraline\n\nVitamin D",
    "alt_iu_per_l": "20",
    "ast_iu_per_l": "22",
    "last_opioid_use": "",
    "start_date": START.isoformat(),
    "expected_opioid_need": "no",
    "pregnant": "no",
    "breastfeeding": "no",
}


def screen(client, enrolment, **changes):
    return client.post(url("screening", enrolment.pk), {**CLEAR_FORM, **changes})


def test_the_form_offers_the_safety_vocabulary(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    body = client_for(clinician).get(url("screening", enrolment.pk)).content.decode()
    for code in CONDITIONS:
        if code not in ("pregnancy", "breastfeeding"):  # asked yes / no / not known instead
            assert f'value="{code}"' in body
    assert 'name="pregnant"' in body and 'value="unknown"' in body
    # the opioid-free days run to the first trial day, as the rule counts them
    assert "no opioid for 28 days before the planned first trial day (the start of the run-in"\
        in body


def test_a_clear_screening_is_eligible(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(clinician)
    response = screen(client, enrolment)
    assert response.status_code == 302
    record = ScreeningRecord.objects.get()
    assert record.status == "eligible"
    assert record.inputs["medications"] == ["Sertraline", "Vitamin D"]
    assert record.inputs["pregnant"] is False and record.inputs["expected_opioid_need"] is False
    enrolment.refresh_from_db()
    assert enrolment.status == "eligible"
    body = client.get(url("screening", enrolment.pk)).content.decode()
    assert "Eligible." in body
    assert "Sertraline" in body and "Vitamin D" in body  # unrecognised: the clinician checks
    assert "but 2 medicines could not be checked for opioids: see below." in body


def test_an_opioid_makes_them_ineligible_with_rule_and_source(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(clinician)
    screen(client, enrolment, medications="Co-codamol", conditions=["acute-hepatitis"])
    body = client.get(url("screening", enrolment.pk)).content.decode()
    assert "Ineligible." in body and "cannot be enrolled" in body
    record = ScreeningRecord.objects.get()
    for reason in record.reasons:
        assert reason["rule"] in body
    assert "current-opioid" in body and "acute-hepatitis-or-liver-failure" in body
    assert "US naltrexone label" in body  # the source


def test_unknown_pregnancy_needs_review_and_offers_a_signed_override(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(clinician)
    screen(client, enrolment, pregnant="unknown")
    record = ScreeningRecord.objects.get()
    assert record.status == "needs-review" and record.inputs["pregnant"] is None
    body = client.get(url("screening", enrolment.pk)).content.decode()
    assert "pregnancy-unknown" in body
    assert url("override", enrolment.pk, record.pk) in body
    assert 'type="password"' in body


def test_a_recent_opioid_is_measured_against_the_start_date(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    screen(client_for(clinician), enrolment, last_opioid_use="2026-02-20")
    assert ScreeningRecord.objects.get().status == "ineligible"
    assert ScreeningRecord.objects.get().reasons[0]["rule"] == "opioid-free-period"


def test_a_new_start_date_moves_the_participants_first_day(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    screen(client_for(clinician), enrolment, last_opioid_use="2026-02-20", start_date="2026-04-01")
    enrolment.refresh_from_db()
    assert enrolment.start_date.isoformat() == "2026-04-01"
    assert ScreeningRecord.objects.get().status == "eligible"


def test_unanswered_questions_are_refused_not_taken_as_no(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    data = {k: v for k, v in CLEAR_FORM.items() if k not in ("pregnant", "expected_opioid_need")}
    response = client_for(clinician).post(url("screening", enrolment.pk), data)
    assert response.status_code == 200 and not ScreeningRecord.objects.exists()


def test_after_randomisation_there_is_no_form_and_screening_is_refused(
    monkeypatch, client_for, clinician, pharmacist, participant
):
    freeze(monkeypatch)
    enrolment = enrolled(clinician, pharmacist, participant)
    client = client_for(clinician)
    assert b'name="medications"' not in client.get(url("screening", enrolment.pk)).content
    response = client.post(url("screening", enrolment.pk), CLEAR_FORM, follow=True)
    assert b"already randomised" in response.content
    assert ScreeningRecord.objects.count() == 1


def test_typed_medicines_come_back_escaped(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(clinician)
    screen(client, enrolment, medications="<script>alert(1)</script>")
    body = client.get(url("screening", enrolment.pk)).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body


def test_another_clinician_gets_404(
    client_for, clinician, other_clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(other_clinician)
    assert client.get(url("screening", enrolment.pk)).status_code == 404
    assert screen(client, enrolment).status_code == 404
    assert not ScreeningRecord.objects.exists()


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, clinician, pharmacist, participant, who):
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(request.getfixturevalue(who))
    assert client.get(url("screening", enrolment.pk)).status_code == 403
    assert screen(client, enrolment).status_code == 403
    assert not ScreeningRecord.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    assert screen(client_for(clinician, enforce_csrf_checks=True), enrolment).status_code == 403
    assert not ScreeningRecord.objects.exists()


def test_looking_changes_nothing(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    before = audit_rows()
    client_for(clinician).get(url("screening", enrolment.pk))
    assert audit_rows() == before and not ScreeningRecord.objects.exists()
