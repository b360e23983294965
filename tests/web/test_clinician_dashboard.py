"""The monitoring dashboard: diary completion, missing days, side effects, alerts, a trend
that names nothing of the allocation."""

from __future__ import annotations

import re

import pytest
from test_clinician_support import (
    SCRIPT,
    added,
    assert_blinded,
    audit_rows,
    day,
    enrolled,
    freeze,
    keep_diary,
    unblinded,
    url,
)

from nof1.web.diary.models import DiaryEntry, EntryStatus

pytestmark = pytest.mark.django_db

TODAY = 61  # trial day: period 2 of the standard design


@pytest.fixture
def today(monkeypatch):
    return freeze(monkeypatch, day(TODAY))


@pytest.fixture
def midway(today, clinician, pharmacist, participant):
    """Days 1-60: logged on 50, too unwell on 4, nothing on 6 (two of them the last two)."""
    enrolment = enrolled(clinician, pharmacist, participant)
    skipped = {10, 20, 30, 40, 59, 60}
    unwell = {5, 15, 25, 35}
    logged = [n for n in range(1, 61) if n not in skipped | unwell]
    for n in logged:
        keep_diary(
            enrolment,
            range(n, n + 1),
            lambda n: {"fatigue": 3 + n % 5, "pain": 2},
            dose_taken="yes" if n > 14 else "unknown",
            side_effects=["vivid_dreams"] if n % 7 == 0 else [],
            crash_today=n == 22,
        )
    keep_diary(enrolment, unwell, lambda n: {})
    DiaryEntry.objects.filter(enrolment=enrolment, day__in=[day(n) for n in unwell]).update(
        status=EntryStatus.TOO_UNWELL
    )
    DiaryEntry.objects.filter(enrolment=enrolment, day=day(44)).update(
        other_medicines="Co-codamol for a toothache", infection="a cold"
    )
    return enrolment


def test_it_counts_diary_days_and_names_the_gap(client_for, clinician, midway):
    body = client_for(clinician).get(url("dashboard", midway.pk)).content.decode()
    assert "Day 61 of 182" in body
    assert "50 of 60 days logged" in body and "83%" in body
    assert re.search(r'class="big">6</span>missing days', body)
    assert re.search(r'class="big">4</span>too unwell', body)
    assert re.search(r'class="big">1</span>crash day', body)
    assert "today not logged yet" in body
    assert "No diary for 2 days" not in body  # two days is not yet worth an alert


def test_side_effects_are_counted_by_checklist_item(client_for, clinician, midway):
    body = client_for(clinician).get(url("dashboard", midway.pk)).content.decode()
    row = re.search(r"<td>Vivid dreams</td><td class=\"num\">(\d+)</td>", body)
    ticked = len([n for n in range(7, 61, 7) if n not in {35}])
    assert row is not None and int(row.group(1)) == ticked
    assert '<td>Nausea</td><td class="num">0</td>' in body


def test_an_opioid_named_in_the_diary_fires_the_stopping_rule(client_for, clinician, midway):
    body = client_for(clinician).get(url("dashboard", midway.pk)).content.decode()
    assert "Pause:" in body and "opioid_use" in body
    assert "Co-codamol for a toothache" in body and "a cold" in body


def test_a_quiet_diary_has_no_alerts(today, client_for, clinician, pharmacist, participant):
    enrolment = enrolled(clinician, pharmacist, participant)
    keep_diary(enrolment, range(1, 61), lambda n: {"fatigue": 4})
    body = client_for(clinician).get(url("dashboard", enrolment.pk)).content.decode()
    assert "No stopping rule has fired" in body


def test_a_long_gap_is_flagged(today, client_for, clinician, pharmacist, participant):
    enrolment = enrolled(clinician, pharmacist, participant)
    keep_diary(enrolment, range(1, 55), lambda n: {"fatigue": 4})
    body = client_for(clinician).get(url("dashboard", enrolment.pk)).content.decode()
    assert "No diary for 6 days in a row" in body


def test_before_unblinding_nothing_names_the_allocation(client_for, clinician, midway):
    body = client_for(clinician).get(url("dashboard", midway.pk)).content.decode()
    assert_blinded(body)
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert not re.search(r"\d\.\d", svg), "the blinded plot carries a fractional number"
    assert "<rect" not in svg, "the blinded plot shades something"


def test_the_trend_plots_day_against_value_only(client_for, clinician, midway):
    body = client_for(clinician).get(url("dashboard", midway.pk)).content.decode()
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert svg.count("<circle") == 50  # one dot per rated day
    assert "Fatigue by trial day" in svg


def test_it_stays_blinded_after_unblinding(today, client_for, clinician, midway):
    unblinded(clinician, midway, today)
    body = client_for(clinician).get(url("dashboard", midway.pk)).content.decode()
    assert_blinded(body)
    assert url("results", midway.pk) in body


def test_before_randomisation_it_says_monitoring_starts_later(
    client_for, clinician, pharmacist, participant
):
    enrolment = added(clinician, pharmacist, participant)
    body = client_for(clinician).get(url("dashboard", enrolment.pk)).content.decode()
    assert "Monitoring starts once" in body


def test_notes_and_names_come_back_escaped(client_for, clinician, midway):
    DiaryEntry.objects.filter(enrolment=midway, day=day(44)).update(infection=SCRIPT)
    midway.participant.display_name = SCRIPT
    midway.participant.save()
    body = client_for(clinician).get(url("dashboard", midway.pk)).content.decode()
    assert SCRIPT not in body and "&lt;script&gt;" in body


def test_another_clinician_gets_404(client_for, other_clinician, midway):
    assert client_for(other_clinician).get(url("dashboard", midway.pk)).status_code == 404


@pytest.mark.parametrize("who", ["participant", "other_participant", "pharmacist", "researcher"])
def test_other_roles_get_403(request, client_for, midway, who):
    user = request.getfixturevalue(who)
    assert client_for(user).get(url("dashboard", midway.pk)).status_code == 403


def test_looking_changes_nothing(client_for, clinician, midway):
    before = audit_rows()
    client_for(clinician).get(url("dashboard", midway.pk))
    assert audit_rows() == before
