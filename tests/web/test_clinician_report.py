"""The full trial report for the clinician (PDF or HTML) and the evidence card on the results
page: only after the whole allocation is unblinded, only for the clinician's own participants,
every download audited."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from test_clinician_results import enrolment, finished, today  # noqa: F401 - fixtures
from test_clinician_support import audit_rows, url

from nof1.evidence import Status
from nof1.web.audit.models import Action, AuditEvent
from nof1.web.trials import reports

pytestmark = pytest.mark.django_db


def test_the_results_page_shows_the_trials_evidence_card(client_for, clinician, finished):
    response = client_for(clinician).get(url("results", finished.pk))
    card = response.context["card"]
    body = response.content.decode()
    assert card is not None
    for section in card.sections:
        assert section.title in body
    assert card.appraisal.threat("placebo_response").status == Status.ADDRESSED


def test_the_results_page_shows_what_is_known_so_far(client_for, clinician, finished):
    body = client_for(clinician).get(url("results", finished.pk)).content.decode()
    assert "What is known so far" in body
    for card in reports.register_cards():
        assert card.title in body


def test_the_pdf_report_is_a_pdf_and_its_download_is_audited(client_for, clinician, finished):
    before = audit_rows()
    response = client_for(clinician).get(url("report_pdf", finished.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert finished.pseudonym in response["Content-Disposition"]
    assert audit_rows() == before + 1
    assert AuditEvent.objects.filter(action=Action.EXPORT, reason="trial report").count() == 1


def test_the_html_report_has_the_cent_items_and_no_name(client_for, clinician, finished):
    body = client_for(clinician).get(url("report_html", finished.pk)).content.decode()
    assert "n-of-1" in body
    assert finished.pseudonym in body
    person = finished.participant
    for private in (person.email, person.get_full_name()):
        if private:
            assert private not in body
    assert "Evidence card" in body or "evidence-card" in body


def test_there_is_no_report_before_unblinding(client_for, clinician, enrolment):
    for name in ("report_pdf", "report_html"):
        assert client_for(clinician).get(url(name, enrolment.pk)).status_code == 404


def test_another_clinicians_participant_has_no_report(client_for, other_clinician, finished):
    assert client_for(other_clinician).get(url("report_pdf", finished.pk)).status_code == 404


def test_other_roles_are_refused(client_for, participant, pharmacist, finished):
    for person in (participant, pharmacist):
        assert client_for(person).get(url("report_html", finished.pk)).status_code == 403
