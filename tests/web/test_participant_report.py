"""The participant's own evidence card and full report: after unblinding only, own trial only."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import pytest
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    day,
    enrolment,
    leaks,
    other_enrolment,
    pat,
    today,
    trial,
    unblinded,
    url,
)

from nof1.web.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db


def test_before_unblinding_there_is_no_card_and_no_report(pat, enrolment, today):
    today.set(day(100))
    page = pat.get(url("results", enrolment)).content.decode()
    assert "What your result means" not in page
    assert "What is known so far" not in page
    assert pat.get(url("report", enrolment)).status_code == 404
    assert not leaks(enrolment, page)


def test_after_unblinding_the_card_and_known_studies_are_shown(pat, clinician, enrolment, today):
    unblinded(clinician, enrolment, today, effect=-2.0)
    response = pat.get(url("results", enrolment))
    page = response.content.decode()
    card = response.context["card"]
    assert "What your result means" in page
    for section in card.sections:
        assert section.title in page
        for paragraph in section.paragraphs:
            assert paragraph.replace("'", "&#x27;").replace('"', "&quot;") in page
    assert "What is known so far" in page
    assert "Bolton" in page


def test_the_report_downloads_as_a_pdf_and_is_audited(pat, clinician, enrolment, today):
    unblinded(clinician, enrolment, today, effect=-2.0)
    response = pat.get(url("report", enrolment))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action=Action.EXPORT, reason="own trial report").count() == 1


def test_another_participants_report_is_not_found(pat, clinician, other_enrolment, today):
    unblinded(clinician, other_enrolment, today)
    assert pat.get(url("report", other_enrolment)).status_code == 404


def test_staff_are_refused(client_for, clinician, enrolment, today):
    unblinded(clinician, enrolment, today)
    assert client_for(clinician).get(url("report", enrolment)).status_code == 403
