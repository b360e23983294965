"""The series report of the question asked on the series page, as HTML or PDF; audited."""

from __future__ import annotations

import pytest
from django.urls import reverse
from test_research_support import AFTER_THE_END, build_pool, identifying_strings

from nof1.web.audit.models import Action, AuditEvent
from nof1.web.trials import clock

pytestmark = pytest.mark.django_db

QUESTION = "?outcome=fatigue&mcid=2&washout_days=7"


@pytest.fixture(autouse=True)
def after_the_end(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: AFTER_THE_END)


@pytest.fixture
def pool(clinician, pharmacist):
    return build_pool(clinician, pharmacist, effects=(-2.0, -1.5, -2.5))


def test_the_series_page_links_to_its_report(client_for, researcher, pool):
    page = client_for(researcher).get(reverse("research:series") + QUESTION).content.decode()
    assert reverse("research:series_report_pdf") + "?" in page


def test_the_html_report_pools_the_completed_trials_only(client_for, researcher, pool):
    response = client_for(researcher).get(reverse("research:series_report_html") + QUESTION)
    assert response.status_code == 200
    body = response.content.decode()
    for enrolment in pool.completed:
        assert enrolment.pseudonym in body
    for private in identifying_strings(pool):
        assert private not in body
    assert pool.in_progress.pseudonym not in body
    assert AuditEvent.objects.filter(action=Action.EXPORT, reason="series report").count() == 1


def test_the_pdf_report_is_a_pdf(client_for, researcher, pool):
    response = client_for(researcher).get(reverse("research:series_report_pdf") + QUESTION)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_without_a_question_there_is_no_report(client_for, researcher, pool):
    assert client_for(researcher).get(reverse("research:series_report_pdf")).status_code == 404


def test_other_roles_are_refused(client_for, clinician, participant, pool):
    for person in (clinician, participant):
        response = client_for(person).get(reverse("research:series_report_html") + QUESTION)
        assert response.status_code == 403
