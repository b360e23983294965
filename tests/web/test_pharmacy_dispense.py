"""Confirming a kit was dispensed: POST only, CSRF-checked, htmx swaps the kit's row."""

from __future__ import annotations

import pytest
from django.urls import reverse
from personas import make_user
from test_pharmacy_support import assigned_trial, enrolled

from nof1.web.accounts.models import Role
from nof1.web.audit.models import Action, AuditEvent
from nof1.web.trials.models import KitStatus

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def enrolment(clinician, pharmacist, participant):
    return enrolled(clinician, assigned_trial(clinician, pharmacist), participant)


@pytest.fixture
def kit(enrolment):
    return enrolment.kits.get(period=1)


def url(kit) -> str:
    return reverse("pharmacy:dispense", args=[kit.pk])


def test_htmx_confirms_the_kit_and_gets_its_row_back(client_for, pharmacist, kit):
    response = client_for(pharmacist).post(url(kit), headers=HTMX)
    assert response.status_code == 200
    row = response.content.decode()
    assert row.lstrip().startswith(f'<tr id="kit-{kit.pk}">')
    assert "<html" not in row
    assert "Dispensed" in row and pharmacist.display_name in row
    assert url(kit) not in row  # no button any more
    kit.refresh_from_db()
    assert kit.status == KitStatus.DISPENSED
    assert kit.dispensed_by == pharmacist
    event = AuditEvent.objects.get(action=Action.DISPENSE)
    assert event.actor == pharmacist and event.object_id == str(kit.pk)


def test_the_row_does_not_open_the_allocation(client_for, pharmacist, kit):
    row = client_for(pharmacist).post(url(kit), headers=HTMX).content.decode()
    assert "placebo" not in row.lower() and "LDN" not in row
    assert not AuditEvent.objects.filter(action=Action.UNBLIND).exists()


def test_a_plain_post_goes_back_to_the_kit_sheet(client_for, pharmacist, kit):
    client = client_for(pharmacist)
    response = client.post(url(kit))
    assert response.status_code == 302
    assert response["Location"] == reverse("pharmacy:kit_sheet", args=[kit.enrolment_id])
    page = client.get(response["Location"]).content.decode()
    assert f"Kit {kit.code} is recorded as dispensed" in page


def test_a_second_confirmation_is_refused_in_the_row(client_for, pharmacist, kit):
    client = client_for(pharmacist)
    client.post(url(kit), headers=HTMX)
    response = client.post(url(kit), headers=HTMX)
    assert response.status_code == 200
    assert "already dispensed" in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.DISPENSE).count() == 1


def test_get_never_dispenses(client_for, pharmacist, kit):
    assert client_for(pharmacist).get(url(kit)).status_code == 405
    assert client_for(pharmacist).get(url(kit), headers=HTMX).status_code == 405
    kit.refresh_from_db()
    assert kit.status == KitStatus.TO_DISPENSE


def test_a_post_without_csrf_token_is_refused(client_for, pharmacist, kit):
    client = client_for(pharmacist, enforce_csrf_checks=True)
    assert client.post(url(kit), headers=HTMX).status_code == 403
    assert client.post(url(kit)).status_code == 403
    kit.refresh_from_db()
    assert kit.status == KitStatus.TO_DISPENSE


def test_the_csrf_token_from_the_page_is_accepted(client_for, pharmacist, kit):
    client = client_for(pharmacist, enforce_csrf_checks=True)
    client.get(reverse("pharmacy:kit_sheet", args=[kit.enrolment_id]))
    token = client.cookies["csrftoken"].value
    response = client.post(url(kit), headers={**HTMX, "X-CSRFToken": token})
    assert response.status_code == 200
    kit.refresh_from_db()
    assert kit.status == KitStatus.DISPENSED


def test_another_pharmacist_gets_404(client_for, kit):
    other = make_user(Role.PHARMACIST)
    assert client_for(other).post(url(kit)).status_code == 404
    assert client_for(other).post(url(kit), headers=HTMX).status_code == 404
    kit.refresh_from_db()
    assert kit.status == KitStatus.TO_DISPENSE
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=other).count() == 2


@pytest.mark.parametrize("persona", ["participant", "clinician", "researcher", "admin"])
def test_other_roles_are_refused(client_for, persona, request, kit):
    user = request.getfixturevalue(persona)
    assert client_for(user).post(url(kit)).status_code == 403
    assert client_for(user).post(url(kit), headers=HTMX).status_code == 403
    kit.refresh_from_db()
    assert kit.status == KitStatus.TO_DISPENSE


def test_anonymous_htmx_is_sent_to_sign_in_as_a_whole_page(client, kit):
    response = client.post(url(kit), headers=HTMX)
    assert response.headers["HX-Redirect"].startswith(reverse("accounts:login"))
    kit.refresh_from_db()
    assert kit.status == KitStatus.TO_DISPENSE
