"""The kit sheet as a CSV download: one row per kit and titration step."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from personas import make_user
from test_pharmacy_support import assigned_trial, enrolled, screened

from nof1.web.accounts.models import Role
from nof1.web.audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

COLUMNS = [
    "participant",
    "kit",
    "period",
    "pair",
    "pack",
    "days_of_period",
    "first_date",
    "last_date",
    "arm",
    "arm_label",
    "capsule_content_mg",
    "capsules_per_day",
    "daily_dose_mg",
    "capsules_to_fill",
    "contents",
    "dispensed_at",
]


def url(enrolment) -> str:
    return reverse("pharmacy:kit_sheet_csv", args=[enrolment.pk])


@pytest.fixture
def trial(clinician, pharmacist):
    return assigned_trial(clinician, pharmacist)


@pytest.fixture
def enrolment(clinician, trial, participant):
    return enrolled(clinician, trial, participant)


def read(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_it_downloads_the_sheet_as_csv(client_for, pharmacist, enrolment):
    response = client_for(pharmacist).get(url(enrolment))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="kit-sheet-{enrolment.pseudonym}.csv"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    rows = read(response)
    assert list(rows[0]) == COLUMNS
    assert len(rows) == 6 * 3  # six kits, three titration steps each
    assert {row["participant"] for row in rows} == {enrolment.pseudonym}
    assert [row["kit"] for row in rows[::3]] == list(enrolment.kit_codes)
    assert {row["arm"] for row in rows} == {"placebo", "ldn-4.5mg"}
    assert rows[0]["first_date"] == "2026-03-16"
    assert AuditEvent.objects.filter(action=Action.UNBLIND, reason="kit sheet").count() == 1


def test_it_shows_when_each_kit_was_dispensed(client_for, pharmacist, enrolment):
    kit = enrolment.kits.get(period=1)
    client_for(pharmacist).post(reverse("pharmacy:dispense", args=[kit.pk]))
    rows = read(client_for(pharmacist).get(url(enrolment)))
    assert all(row["dispensed_at"] for row in rows if row["kit"] == kit.code)
    assert not any(row["dispensed_at"] for row in rows if row["kit"] != kit.code)


def test_another_pharmacist_gets_404(client_for, enrolment):
    other = make_user(Role.PHARMACIST)
    assert client_for(other).get(url(enrolment)).status_code == 404
    assert not AuditEvent.objects.filter(action=Action.UNBLIND).exists()


@pytest.mark.parametrize("persona", ["participant", "clinician", "researcher", "admin"])
def test_other_roles_are_refused(client_for, persona, request, enrolment):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(url(enrolment)).status_code == 403
    assert not AuditEvent.objects.filter(action=Action.UNBLIND).exists()


def test_there_is_no_csv_before_randomisation(
    client_for, clinician, pharmacist, trial, participant
):
    waiting = screened(clinician, trial, participant)
    assert client_for(pharmacist).get(url(waiting)).status_code == 404
