"""Carers (GET and POST): the clinician adds and removes who may enter on the participant's
behalf; a carer enters the diary while registered, and never after removal."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from personas import make_user
from test_clinician_support import SCRIPT, added, audit_rows, day, enrolled, freeze, url

from nof1.web.accounts.models import Invitation, Role
from nof1.web.diary.models import DiaryEntry
from nof1.web.diary.services import submit_day
from nof1.web.trials.models import Proxy, ProxyStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today(monkeypatch):
    return freeze(monkeypatch)


@pytest.fixture
def carer(db):
    return make_user(Role.PARTICIPANT, display_name="Casey", email="casey@example.org")


def test_the_clinician_adds_and_removes_a_carer_who_then_cannot_enter(
    client_for, clinician, pharmacist, participant, carer
):
    enrolment = enrolled(clinician, pharmacist, participant)
    client = client_for(clinician)
    response = client.post(url("carers", enrolment.pk), {"email": "CASEY@example.org"})
    assert response.status_code == 302 and response["Location"] == url("carers", enrolment.pk)
    proxy = Proxy.objects.get(enrolment=enrolment)
    assert proxy.user == carer and proxy.status == ProxyStatus.ACTIVE

    entry = submit_day(carer, enrolment, day(1), too_unwell=True)
    assert entry.entered_by == carer and entry.enrolment == enrolment

    body = client.get(url("carers", enrolment.pk)).content.decode()
    assert "Casey" in body and "Active" in body and f'value="{proxy.pk}"' in body

    response = client.post(url("carers", enrolment.pk), {"revoke": str(proxy.pk)})
    assert response.status_code == 302
    proxy.refresh_from_db()
    assert proxy.status == ProxyStatus.REVOKED
    with pytest.raises(PermissionDenied):
        submit_day(carer, enrolment, day(1), too_unwell=True)
    assert DiaryEntry.objects.get(enrolment=enrolment).entered_by == carer

    body = client.get(url("carers", enrolment.pk)).content.decode()
    assert "Removed" in body and f'value="{proxy.pk}"' not in body


def test_the_participant_cannot_be_their_own_carer(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    response = client_for(clinician).post(url("carers", enrolment.pk), {"email": participant.email})
    assert response.status_code == 400 and b"participant&#x27;s own address" in response.content
    assert not Proxy.objects.exists()


def test_a_staff_account_cannot_be_a_carer(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    response = client_for(clinician).post(url("carers", enrolment.pk), {"email": pharmacist.email})
    assert response.status_code == 400 and b"not a participant" in response.content
    assert not Proxy.objects.exists()


def test_someone_without_an_account_is_invited(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    response = client_for(clinician).post(
        url("carers", enrolment.pk), {"email": "new.carer@example.org"}, follow=True
    )
    assert b"Invitation sent" in response.content
    assert not Proxy.objects.exists()
    invitation = Invitation.objects.get()
    assert invitation.email == "new.carer@example.org" and invitation.role == Role.PARTICIPANT
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.carer@example.org"]


def test_names_are_escaped(client_for, clinician, pharmacist, participant):
    make_user(Role.PARTICIPANT, display_name=SCRIPT, email="x@example.org")
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(clinician)
    client.post(url("carers", enrolment.pk), {"email": "x@example.org"})
    body = client.get(url("carers", enrolment.pk)).content.decode()
    assert SCRIPT not in body and "&lt;script&gt;" in body


def test_another_clinician_gets_404(
    client_for, clinician, other_clinician, pharmacist, participant, carer
):
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(other_clinician)
    assert client.get(url("carers", enrolment.pk)).status_code == 404
    assert client.post(url("carers", enrolment.pk), {"email": carer.email}).status_code == 404
    assert not Proxy.objects.exists()


def test_another_participants_carer_cannot_be_revoked_here(
    client_for, clinician, pharmacist, participant, other_participant, carer
):
    mine = added(clinician, pharmacist, participant)
    theirs = added(clinician, pharmacist, other_participant)
    client = client_for(clinician)
    client.post(url("carers", theirs.pk), {"email": carer.email})
    proxy = Proxy.objects.get()
    assert client.post(url("carers", mine.pk), {"revoke": str(proxy.pk)}).status_code == 404
    assert client.post(url("carers", mine.pk), {"revoke": "nonsense"}).status_code == 404
    proxy.refresh_from_db()
    assert proxy.status == ProxyStatus.ACTIVE


@pytest.mark.parametrize("who", ["participant", "pharmacist", "carer"])
def test_other_roles_get_403(request, client_for, clinician, pharmacist, participant, carer, who):
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(request.getfixturevalue(who))
    assert client.get(url("carers", enrolment.pk)).status_code == 403
    assert client.post(url("carers", enrolment.pk), {"email": carer.email}).status_code == 403
    assert not Proxy.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(
    client_for, clinician, pharmacist, participant, carer
):
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(clinician, enforce_csrf_checks=True)
    assert client.post(url("carers", enrolment.pk), {"email": carer.email}).status_code == 403
    assert not Proxy.objects.exists()


def test_a_get_changes_nothing(client_for, clinician, pharmacist, participant, carer):
    enrolment = added(clinician, pharmacist, participant)
    client = client_for(clinician)
    client.post(url("carers", enrolment.pk), {"email": carer.email})
    proxy = Proxy.objects.get()
    before = audit_rows()
    response = client.get(
        url("carers", enrolment.pk), {"email": "x@example.org", "revoke": proxy.pk}
    )
    assert response.status_code == 200
    assert audit_rows() == before and Proxy.objects.count() == 1
    proxy.refresh_from_db()
    assert proxy.status == ProxyStatus.ACTIVE and not Invitation.objects.exists()


def test_the_overview_links_to_the_carers(client_for, clinician, pharmacist, participant):
    enrolment = added(clinician, pharmacist, participant)
    body = client_for(clinician).get(url("participant", enrolment.pk)).content.decode()
    assert url("carers", enrolment.pk) in body
