"""The printable kit sheet: kit -> period -> dates -> contents and dose schedule (unblinded)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse
from personas import make_user
from test_pharmacy_support import assigned_trial, enrolled, screened

from nof1.web.accounts.models import Role
from nof1.web.audit.models import Action, AuditEvent
from nof1.web.pharmacy import views
from nof1.web.trials.errors import KeyUnavailableError
from nof1.web.trials.models import SealedAllocationRecord
from nof1.web.trials.services import kit_sheet_rows

pytestmark = pytest.mark.django_db


def url(enrolment) -> str:
    return reverse("pharmacy:kit_sheet", args=[enrolment.pk])


@pytest.fixture
def trial(clinician, pharmacist):
    return assigned_trial(clinician, pharmacist)


@pytest.fixture
def enrolment(clinician, trial, participant):
    return enrolled(clinician, trial, participant)


def test_the_assigned_pharmacist_sees_every_kit_with_its_arm_and_schedule(
    client_for, pharmacist, enrolment
):
    response = client_for(pharmacist).get(url(enrolment))
    assert response.status_code == 200
    page = response.content.decode()
    assert enrolment.pseudonym in page
    assert "with its code, the participant's pseudonym and its dates only" in " ".join(
        page.replace("&#x27;", "'").split())
    kits = response.context["kits"]
    assert [kit["period"] for kit in kits] == [1, 2, 3, 4, 5, 6]
    assert [kit["code"] for kit in kits] == list(enrolment.kit_codes)
    # each pair gives each arm once
    for pair in (kits[0:2], kits[2:4], kits[4:6]):
        assert sorted(kit["arm_label"] for kit in pair) == ["LDN 4.5 mg", "Placebo"]
    for kit in kits:
        assert kit["code"] in page
        assert [step["capsules_per_day"] for step in kit["steps"]] == ["1", "2", "3"]
        assert kit["capsules"] == 7 * 1 + 7 * 2 + 14 * 3
    active = next(kit for kit in kits if kit["arm_label"] == "LDN 4.5 mg")
    assert [step["daily_dose_mg"] for step in active["steps"]] == ["1.5", "3", "4.5"]
    assert "1.5 mg naltrexone (low dose) in cellulose" in page
    assert "placebo: cellulose only" in page
    assert "Mon 2026-03-16" in page  # period 1 starts after the 14-day run-in
    assert "Keep this sheet in the pharmacy" in page


def test_each_look_is_recorded_as_an_opening_of_the_allocation(client_for, pharmacist, enrolment):
    client_for(pharmacist).get(url(enrolment))
    event = AuditEvent.objects.filter(action=Action.UNBLIND, reason="kit sheet").get()
    assert event.actor == pharmacist
    assert event.object_id == str(enrolment.pk)


def test_it_agrees_with_the_service(client_for, pharmacist, enrolment):
    kits = client_for(pharmacist).get(url(enrolment)).context["kits"]
    rows = kit_sheet_rows(pharmacist, enrolment)
    assert {kit["code"]: kit["arm"] for kit in kits} == {row["kit"]: row["arm"] for row in rows}


def test_it_offers_a_dispensing_button_per_kit(client_for, pharmacist, enrolment):
    page = client_for(pharmacist).get(url(enrolment)).content.decode()
    for kit in enrolment.kits.all():
        assert reverse("pharmacy:dispense", args=[kit.pk]) in page


def test_it_never_shows_who_the_participant_is(client_for, pharmacist, participant, enrolment):
    page = client_for(pharmacist).get(url(enrolment)).content.decode()
    for identifying in (participant.display_name, participant.username, participant.email):
        assert identifying not in page


def test_another_pharmacist_gets_404_and_the_attempt_is_recorded(client_for, enrolment):
    other = make_user(Role.PHARMACIST)
    assert client_for(other).get(url(enrolment)).status_code == 404
    htmx = client_for(other).get(url(enrolment), headers={"HX-Request": "true"})
    assert htmx.status_code == 404
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=other).count() == 2
    assert not AuditEvent.objects.filter(action=Action.UNBLIND, actor=other).exists()


@pytest.mark.parametrize("persona", ["participant", "clinician", "researcher", "admin"])
def test_other_roles_are_refused(client_for, persona, request, enrolment):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(url(enrolment)).status_code == 403
    htmx = client_for(user).get(url(enrolment), headers={"HX-Request": "true"})
    assert htmx.status_code == 403
    assert not AuditEvent.objects.filter(action=Action.UNBLIND, actor=user).exists()


def test_an_unknown_participant_is_404(client_for, pharmacist):
    missing = reverse("pharmacy:kit_sheet", args=[uuid.uuid4()])
    assert client_for(pharmacist).get(missing).status_code == 404


def test_a_participant_not_yet_randomised_has_no_kits_yet(
    client_for, clinician, pharmacist, trial, other_participant
):
    waiting = screened(clinician, trial, other_participant)
    response = client_for(pharmacist).get(url(waiting))
    assert response.status_code == 200
    assert b"has not been randomised yet" in response.content
    assert not AuditEvent.objects.filter(action=Action.UNBLIND).exists()


def test_it_is_never_cached(client_for, pharmacist, enrolment):
    response = client_for(pharmacist).get(url(enrolment))
    assert "no-store" in response["Cache-Control"]


def test_trial_titles_come_back_escaped(client_for, clinician, pharmacist, other_participant):
    trial = assigned_trial(clinician, pharmacist, title="<script>alert(1)</script>")
    page = client_for(pharmacist).get(url(enrolled(clinician, trial, other_participant)))
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content
    assert b"<script>alert(1)" not in page.content


def test_an_allocation_this_server_cannot_open_is_explained(
    client_for, pharmacist, enrolment, monkeypatch
):
    def locked(*args, **kwargs):
        raise KeyUnavailableError("wrapped with another server key")

    monkeypatch.setattr(views, "kit_sheet_rows", locked)
    response = client_for(pharmacist).get(url(enrolment))
    assert response.status_code == 503
    assert b"cannot be opened" in response.content


def test_an_allocation_edited_after_sealing_is_withheld_and_the_attempt_recorded(
    client_for, pharmacist, enrolment
):
    record = SealedAllocationRecord.objects.get(enrolment=enrolment)
    sealed = json.loads(record.sealed_json)
    sealed["periods"][0], sealed["periods"][1] = sealed["periods"][1], sealed["periods"][0]
    SealedAllocationRecord.objects.filter(pk=record.pk).update(sealed_json=json.dumps(sealed))
    client = client_for(pharmacist)
    for address in (url(enrolment), reverse("pharmacy:kit_sheet_csv", args=[enrolment.pk])):
        response = client.get(address)
        assert response.status_code == 503
        page = response.content.decode()
        assert "failed its" in page and "integrity check" in page
        assert "placebo" not in page.lower() and "ldn" not in page.lower()
    refused = AuditEvent.objects.filter(action=Action.UNBLIND, object_id=str(enrolment.pk))
    assert any("edited" in json.dumps(e.new) or "tamper" in json.dumps(e.new).lower()
               for e in refused), [e.new for e in refused]
