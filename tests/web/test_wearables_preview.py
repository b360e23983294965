"""The preview of an upload: what the file holds, before anything is stored."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    HTMX,
    START,
    enrolment,
    leaks,
    other_enrolment,
    pat,
    today,
    trial,
)
from wearable_files import RHR, STEPS, apple_zip, rec, uploaded

from nof1.web.wearables.models import WearableDay, WearableImport
from nof1.web.wearables.services import confirm, preview

pytestmark = pytest.mark.django_db


def page_of(pending):
    return reverse("participant:wearables:import", args=[pending.enrolment_id, pending.pk])


@pytest.fixture
def pending(participant, enrolment):
    return preview(participant, enrolment, uploaded("export.zip", apple_zip()), "auto")


def test_it_shows_the_dates_the_days_the_values_found_and_the_device(pat, pending):
    response = pat.get(page_of(pending))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Check before adding" in body
    assert "export.zip (Apple Health)" in body
    assert "1 December 2025 to 29 March 2026: 3 days" in body
    assert "2 days; 1 other day is before or after your trial, and left out" in body
    assert "Steps, resting heart rate, heart-rate variability (SDNN), hours asleep" in body
    assert "Ann\u2019s Apple Watch" in body
    assert "7 used, 1 skipped" in body and "1 in a unit this site does not read" in body
    assert "Add these days" in body and "Discard this file" in body
    assert not WearableDay.objects.exists()


def test_it_says_when_an_undecided_upload_will_be_discarded(pat, pending):
    WearableImport.objects.filter(pk=pending.pk).update(
        imported_at=dt.datetime(2026, 3, 30, 9, tzinfo=dt.UTC)
    )
    body = pat.get(page_of(pending)).content.decode()
    assert "If nothing is decided by 6 April, the file is discarded and nothing is added" in body


def test_its_table_holds_the_days_with_their_values(pat, pending):
    body = pat.get(page_of(pending)).content.decode()
    assert "Sat 28 Mar 2026" in body and "Sun 29 Mar 2026" in body
    assert 'data-label="Steps">1,000</td>' in body
    assert 'data-label="Resting heart rate">56</td>' in body
    assert 'data-label="HRV (SDNN, ms)">45</td>' in body
    assert 'data-label="Hours asleep">7</td>' in body  # on the wake-up day
    assert 'data-label="Hours asleep">\u2013</td>' in body  # not measured


def test_a_long_file_shows_only_its_first_and_last_days(pat, participant, enrolment):
    records = [
        rec(STEPS, f"{day:%Y-%m-%d} 10:00:00 +0000", f"{day:%Y-%m-%d} 10:10:00 +0000", 100 + n)
        for n, day in enumerate(START + dt.timedelta(days=k) for k in range(20))
    ]
    long = preview(participant, enrolment, uploaded("export.zip", apple_zip(records)), "auto")
    body = pat.get(page_of(long)).content.decode()
    assert "The first and last days" in body and "14 more days" in body
    assert ">100</td>" in body and ">119</td>" in body and ">110</td>" not in body


def test_the_same_file_again_says_it_was_added_before(pat, participant, enrolment, pending):
    confirm(participant, pending)
    again = preview(participant, enrolment, uploaded("export.zip", apple_zip()), "auto")
    body = pat.get(page_of(again)).content.decode()
    assert "You added this same file on" in body and "changes nothing" in body


def test_a_file_with_no_day_of_the_trial_offers_nothing_to_add(pat, participant, enrolment):
    before = [rec(RHR, "2025-01-01 00:00:00 +0000", "2025-01-01 23:00:00 +0000", 60)]
    early = preview(participant, enrolment, uploaded("export.zip", apple_zip(before)), "auto")
    body = pat.get(page_of(early)).content.decode()
    assert "None of these days are in your trial" in body
    assert "Add these days" not in body and "Discard this file" in body


def test_the_wearable_pages_never_name_the_allocation(pat, enrolment, pending, today):
    today.set(START + dt.timedelta(days=60))  # mid-trial, period 2
    for address in (page_of(pending), reverse("participant:wearables:upload",
                                              args=[enrolment.pk])):
        body = pat.get(address).content.decode()
        assert not leaks(enrolment, body), address
        assert "placebo" not in body.lower() and " mg" not in body


def test_another_participants_upload_is_not_found(
    client_for, other_participant, pat, enrolment, other_enrolment
):
    theirs = preview(other_participant, other_enrolment, uploaded("export.zip", apple_zip()))
    assert pat.get(page_of(theirs)).status_code == 404
    assert pat.get(page_of(theirs), **HTMX).status_code == 404
    # their import under my own enrolment's address is not found either
    mine = reverse("participant:wearables:import", args=[enrolment.pk, theirs.pk])
    assert pat.get(mine).status_code == 404
    assert pat.post(mine, {"action": "confirm"}).status_code == 404
    assert WearableImport.objects.get(pk=theirs.pk).status == "pending"


def test_staff_are_refused(client_for, clinician, other_clinician, pharmacist, pending):
    for person in (clinician, other_clinician, pharmacist):
        assert client_for(person).get(page_of(pending)).status_code == 403
