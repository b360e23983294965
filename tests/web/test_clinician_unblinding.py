"""The unblinding request: the whole allocation after the last period, or one period in an
emergency; every request with its reason, audited by the trials service."""

from __future__ import annotations

import datetime as dt

import pytest
from test_clinician_support import (
    PROTOCOL,
    added,
    assert_blinded,
    audit_rows,
    day,
    enrolled,
    freeze,
    url,
)

from nof1.web.audit.models import Action, AuditEvent
from nof1.web.trials.models import UnblindingEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(monkeypatch):
    return freeze(monkeypatch, day(61))


@pytest.fixture
def enrolment(today, clinician, pharmacist, participant):
    return enrolled(clinician, pharmacist, participant)


def full(client, enrolment, reason="End of the trial"):
    return client.post(url("unblinding", enrolment.pk), {"scope": "full", "full-reason": reason})


def emergency(client, enrolment, period="1", reason="Severe reaction, A&E needs to know"):
    return client.post(
        url("unblinding", enrolment.pk),
        {"scope": "period", "emergency-period": period, "emergency-reason": reason},
    )


def test_mid_trial_the_page_says_when_and_names_nothing(client_for, clinician, enrolment):
    body = client_for(clinician).get(url("unblinding", enrolment.pk)).content.decode()
    end = enrolment.schedule().end
    assert f"The last period ends on {end:%-d %b %Y}" in body
    assert "disabled" in body
    assert_blinded(body)


def test_the_whole_allocation_waits_for_the_end(client_for, clinician, enrolment):
    response = full(client_for(clinician), enrolment)
    assert response.status_code == 200 and b"the last period ends on" in response.content
    assert not UnblindingEvent.objects.filter(outcome="revealed").exists()
    assert_blinded(response.content.decode())


def test_after_the_end_it_opens_the_allocation_and_goes_to_the_results(
    today, client_for, clinician, enrolment
):
    today.set(enrolment.schedule().end + dt.timedelta(days=1))
    response = full(client_for(clinician), enrolment, reason="End of the trial, as planned")
    assert response.status_code == 302 and response["Location"] == url("results", enrolment.pk)
    event = UnblindingEvent.objects.get()
    assert (event.scope, event.outcome, event.created_by) == ("full", "revealed", clinician)
    assert event.reason == "End of the trial, as planned"
    enrolment.refresh_from_db()
    assert enrolment.status == "completed"
    assert AuditEvent.objects.filter(action=Action.UNBLIND).exists()


def test_an_emergency_opens_one_period_only(client_for, clinician, enrolment):
    client = client_for(clinician)
    response = emergency(client, enrolment, period="2")
    assert response.status_code == 302
    event = UnblindingEvent.objects.get()
    assert (event.scope, event.period, event.outcome) == ("period", 2, "revealed")
    arm = PROTOCOL.arm(event.revealed["arm"]).label
    page = client.get(url("unblinding", enrolment.pk)).content.decode()
    assert f"Period 2 (emergency unblinding): {arm}" in page
    assert "Severe reaction, A&amp;E needs to know" in page
    results = client.get(url("results", enrolment.pk)).content.decode()
    assert "Results are shown once the whole allocation" in results


def test_an_emergency_needs_a_period_and_a_reason(client_for, clinician, enrolment):
    client = client_for(clinician)
    assert b"Choose the period" in emergency(client, enrolment, period="").content
    assert emergency(client, enrolment, reason="").status_code == 200
    assert not UnblindingEvent.objects.exists()


def test_a_period_that_has_not_started_cannot_be_opened(client_for, clinician, enrolment):
    response = emergency(client_for(clinician), enrolment, period="6")
    assert b"has not started yet" in response.content
    assert not UnblindingEvent.objects.exists()


def test_before_randomisation_there_is_nothing_to_unblind(
    client_for, clinician, pharmacist, other_participant
):
    enrolment = added(clinician, pharmacist, other_participant)
    body = client_for(clinician).get(url("unblinding", enrolment.pk)).content
    assert b"nothing to unblind" in body


def test_another_clinician_gets_404(today, client_for, other_clinician, enrolment):
    today.set(enrolment.schedule().end + dt.timedelta(days=1))
    client = client_for(other_clinician)
    assert client.get(url("unblinding", enrolment.pk)).status_code == 404
    assert full(client, enrolment).status_code == 404
    assert emergency(client, enrolment).status_code == 404
    assert not UnblindingEvent.objects.exists()


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, today, client_for, enrolment, who):
    today.set(enrolment.schedule().end + dt.timedelta(days=1))
    client = client_for(request.getfixturevalue(who))
    assert client.get(url("unblinding", enrolment.pk)).status_code == 403
    assert full(client, enrolment).status_code == 403
    assert not UnblindingEvent.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(today, client_for, clinician, enrolment):
    today.set(enrolment.schedule().end + dt.timedelta(days=1))
    client = client_for(clinician, enforce_csrf_checks=True)
    assert full(client, enrolment).status_code == 403
    assert emergency(client, enrolment).status_code == 403
    assert not UnblindingEvent.objects.exists()


def test_looking_changes_nothing_even_after_the_end(today, client_for, clinician, enrolment):
    today.set(enrolment.schedule().end + dt.timedelta(days=1))
    before = audit_rows()
    client_for(clinician).get(url("unblinding", enrolment.pk))
    assert audit_rows() == before and not UnblindingEvent.objects.exists()
