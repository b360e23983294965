"""Adding an invited person to their trial once they have set up their account (POST)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from test_clinician_support import START, new_trial, url

from nof1.web.accounts import invitations
from nof1.web.clinician.models import InvitedParticipant
from nof1.web.trials.models import Enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(client_for, clinician, pharmacist):
    trial = new_trial(clinician, pharmacist)
    client_for(clinician).post(
        url("participant_add", trial.pk),
        {"email": "sam@example.org", "start_date": START.isoformat()},
    )
    return InvitedParticipant.objects.get()


def accept(invited):
    """Sam opens the link from the e-mail and sets up an account."""
    token = re.search(r"/accounts/invitation/([^/]+)/", mail.outbox[-1].body).group(1)
    return invitations.accept(token, username="sam", password="a-long-quiet-river-7")


def test_once_the_account_exists_the_clinician_adds_them(client_for, clinician, invited):
    sam = accept(invited)
    response = client_for(clinician).post(url("invited_add", invited.trial.pk, invited.pk))
    enrolment = Enrolment.objects.get()
    assert response.status_code == 302 and response["Location"] == url("participant", enrolment.pk)
    assert (enrolment.participant, enrolment.start_date, enrolment.trial) == (
        sam,
        START,
        invited.trial,
    )
    invited.refresh_from_db()
    assert invited.enrolment == enrolment


def test_the_trial_page_offers_the_button_only_once_the_account_exists(
    client_for, clinician, invited
):
    client = client_for(clinician)
    button = url("invited_add", invited.trial.pk, invited.pk)
    assert button not in client.get(url("trial", invited.trial.pk)).content.decode()
    accept(invited)
    assert button in client.get(url("trial", invited.trial.pk)).content.decode()


def test_before_the_account_exists_nothing_is_added(client_for, clinician, invited):
    response = client_for(clinician).post(url("invited_add", invited.trial.pk, invited.pk))
    assert response.status_code == 302 and not Enrolment.objects.exists()


def test_another_clinician_gets_404(client_for, other_clinician, invited):
    accept(invited)
    response = client_for(other_clinician).post(url("invited_add", invited.trial.pk, invited.pk))
    assert response.status_code == 404 and not Enrolment.objects.exists()


def test_an_invitation_of_another_trial_is_not_found(client_for, clinician, pharmacist, invited):
    accept(invited)
    mine_too = new_trial(clinician, pharmacist)
    response = client_for(clinician).post(url("invited_add", mine_too.pk, invited.pk))
    assert response.status_code == 404 and not Enrolment.objects.exists()


@pytest.mark.parametrize("who", ["participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, invited, who):
    accept(invited)
    user = request.getfixturevalue(who)
    response = client_for(user).post(url("invited_add", invited.trial.pk, invited.pk))
    assert response.status_code == 403 and not Enrolment.objects.exists()


def test_a_get_changes_nothing(client_for, clinician, invited):
    accept(invited)
    response = client_for(clinician).get(url("invited_add", invited.trial.pk, invited.pk))
    assert response.status_code == 405 and not Enrolment.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(client_for, clinician, invited):
    accept(invited)
    client = client_for(clinician, enforce_csrf_checks=True)
    assert client.post(url("invited_add", invited.trial.pk, invited.pk)).status_code == 403
    assert not Enrolment.objects.exists()
