"""Adding a participant by e-mail: their account if they have one, an invitation if not."""

from __future__ import annotations

import pytest
from django.core import mail
from personas import make_user
from test_clinician_support import START, new_trial, url

from nof1.web.accounts.models import Invitation, Role
from nof1.web.audit.models import AuditEvent
from nof1.web.clinician.models import InvitedParticipant
from nof1.web.trials.models import Enrolment

pytestmark = pytest.mark.django_db


def add(client, trial, email, start=START):
    return client.post(
        url("participant_add", trial.pk), {"email": email, "start_date": start.isoformat()}
    )


def test_someone_with_an_account_is_added_with_their_start_date(
    client_for, clinician, pharmacist, participant
):
    trial = new_trial(clinician, pharmacist)
    response = add(client_for(clinician), trial, participant.email.upper())
    enrolment = Enrolment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("participant", enrolment.pk)
    assert (enrolment.participant, enrolment.start_date, enrolment.status) == (
        participant,
        START,
        "screening",
    )
    assert not mail.outbox


def test_someone_new_is_invited_and_the_trial_remembers_them(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    response = add(client_for(clinician), trial, "sam@example.org")
    assert response.status_code == 302 and response["Location"] == url("trial", trial.pk)
    invited = InvitedParticipant.objects.get()
    assert (invited.trial, invited.start_date, invited.invitation.email) == (
        trial,
        START,
        "sam@example.org",
    )
    assert invited.invitation.role == Role.PARTICIPANT and invited.waiting
    assert not Enrolment.objects.exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sam@example.org"]
    assert AuditEvent.objects.filter(
        table="clinician.InvitedParticipant", object_id=str(invited.pk)
    ).exists()
    page = client_for(clinician).get(url("trial", trial.pk)).content.decode()
    assert "sam@example.org" in page and "waiting for them" in page


def test_inviting_the_same_person_twice_is_refused(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    client = client_for(clinician)
    add(client, trial, "sam@example.org")
    response = add(client, trial, "Sam@example.org")
    assert response.status_code == 200 and b"already invited" in response.content
    assert Invitation.objects.count() == 1


def test_a_staff_address_is_refused(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    response = add(client_for(clinician), trial, pharmacist.email)
    assert response.status_code == 200 and b"not a participant" in response.content
    assert not Enrolment.objects.exists() and not Invitation.objects.exists()


def test_adding_someone_already_in_the_trial_says_so(
    client_for, clinician, pharmacist, participant
):
    trial = new_trial(clinician, pharmacist)
    client = client_for(clinician)
    add(client, trial, participant.email)
    response = add(client, trial, participant.email)
    assert response.status_code == 200 and b"already in the trial" in response.content
    assert Enrolment.objects.count() == 1


def test_a_bad_address_or_date_is_refused(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    response = client_for(clinician).post(
        url("participant_add", trial.pk), {"email": "nope", "start_date": "soon"}
    )
    assert response.status_code == 200 and not Invitation.objects.exists()


def test_another_clinician_gets_404(
    client_for, clinician, other_clinician, pharmacist, participant
):
    trial = new_trial(clinician, pharmacist)
    assert add(client_for(other_clinician), trial, participant.email).status_code == 404
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, clinician, pharmacist, who):
    trial = new_trial(clinician, pharmacist)
    user = request.getfixturevalue(who)
    assert add(client_for(user), trial, "sam@example.org").status_code == 403
    assert not Invitation.objects.exists()


def test_a_get_changes_nothing(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    assert client_for(clinician).get(url("participant_add", trial.pk)).status_code == 405


def test_a_post_without_the_csrf_token_is_refused(client_for, clinician, pharmacist, participant):
    trial = new_trial(clinician, pharmacist)
    client = client_for(clinician, enforce_csrf_checks=True)
    assert add(client, trial, participant.email).status_code == 403
    assert not Enrolment.objects.exists()


def test_an_unknown_address_shared_by_two_participants_is_refused(
    client_for, clinician, pharmacist
):
    make_user(Role.PARTICIPANT, email="twin@example.org")
    make_user(Role.PARTICIPANT, email="twin@example.org")
    trial = new_trial(clinician, pharmacist)
    response = add(client_for(clinician), trial, "twin@example.org")
    assert response.status_code == 200 and b"Several participant accounts" in response.content
