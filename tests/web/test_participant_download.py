"""Download of all own data: the daily table as CSV; no arm or dose before unblinding."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from test_participant_fixtures import (  # noqa: F401 - fixtures, used by name
    GOOD_DAY,
    HTMX,
    START,
    day,
    enrolment,
    leaks,
    other_enrolment,
    pat,
    today,
    trial,
    unblinded,
    url,
)
from wearable_files import apple_zip, uploaded

from nof1.web.diary.models import DiaryEntry
from nof1.web.wearables.services import confirm, preview

pytestmark = pytest.mark.django_db
WEARABLE = ["steps", "resting_hr", "hrv_sdnn_ms", "hrv_rmssd_ms", "sleep_hours"]
MARCH_28, MARCH_29 = "2026-03-28", "2026-03-29"


def rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_before_unblinding_it_has_what_was_entered_and_no_arm_or_dose(pat, enrolment, today):
    today.set(day(3))
    pat.post(
        url("diary_day", enrolment, day(1).isoformat()), {**GOOD_DAY, "side_effects": ["nausea"]}
    )
    pat.post(url("too_unwell", enrolment, day(2).isoformat()))
    response = pat.get(url("download", enrolment))
    table = rows(response)
    assert [row["date"] for row in table] == [day(n).isoformat() for n in (1, 2, 3)]
    assert "arm" not in table[0] and "dose_mg" not in table[0]
    assert table[0]["fatigue"] == "4" and table[0]["side_effects"] == "nausea"
    assert table[0]["backfilled"] == "1" and table[0]["diary"] == "complete"
    assert table[1]["diary"] == "too_unwell" and table[1]["fatigue"] == ""
    assert table[2]["diary"] == "missing"
    assert not leaks(enrolment, response.content.decode())


def test_the_trial_page_and_the_results_page_name_the_download_alike(
    pat, clinician, enrolment, today
):
    link = f'href="{url("download", enrolment)}">Download your data (CSV)</a>'
    assert link in pat.get(url("home", enrolment)).content.decode()
    unblinded(clinician, enrolment, today)
    assert link in pat.get(url("results", enrolment)).content.decode()


def test_text_that_a_spreadsheet_would_run_is_made_inert(pat, enrolment):
    pat.post(url("today", enrolment), {**GOOD_DAY, "other_medicines": '=HYPERLINK("x")'})
    table = rows(pat.get(url("download", enrolment)))
    assert table[0]["other_medicines"] == '\'=HYPERLINK("x")'


def test_after_unblinding_it_is_the_canonical_daily_table(pat, clinician, enrolment, today):
    unblinded(clinician, enrolment, today)
    table = rows(pat.get(url("download", enrolment)))
    assert len(table) == enrolment.trial.protocol.total_days
    assert list(table[0])[:7] == ["participant", "day", "date", "period", "pair", "arm", "dose_mg"]
    assert {row["arm"] for row in table} == {"run-in", "placebo", "ldn-4.5mg"}
    assert table[0]["date"] == START.isoformat()


def test_every_column_is_named_once_before_and_after_unblinding(
    pat, clinician, enrolment, today
):
    def header_and_rows():
        response = pat.get(url("download", enrolment))
        return next(csv.reader(io.StringIO(response.content.decode()))), rows(response)

    pat.post(url("today", enrolment), {**GOOD_DAY, "side_effects": ["nausea"]})
    header, table = header_and_rows()
    assert len(header) == len(set(header)), sorted(header)
    assert table[0]["side_effects"] == "nausea"
    DiaryEntry.objects.filter(enrolment=enrolment).delete()
    unblinded(clinician, enrolment, today)
    DiaryEntry.objects.filter(enrolment=enrolment, day=START).update(side_effects=["nausea"])
    header, table = header_and_rows()
    assert len(header) == len(set(header)), sorted(header)
    assert table[0]["side_effects"] == "nausea" and table[0]["arm"] == "run-in"


def test_after_unblinding_the_columns_are_the_blinded_ones_plus_arm_and_dose(
    pat, clinician, enrolment, today
):
    def header():
        return next(csv.reader(io.StringIO(pat.get(url("download", enrolment)).content.decode())))

    pat.post(url("today", enrolment), GOOD_DAY)
    before = header()
    DiaryEntry.objects.filter(enrolment=enrolment).delete()
    unblinded(clinician, enrolment, today)
    after = header()
    assert [c for c in after if c not in ("arm", "dose_mg")] == before


def test_another_participants_data_are_not_found(pat, other_enrolment):
    assert pat.get(url("download", other_enrolment)).status_code == 404
    assert pat.get(url("download", other_enrolment), **HTMX).status_code == 404


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    for person in (clinician, pharmacist):
        assert client_for(person).get(url("download", enrolment)).status_code == 403


def add_wearable_days(user, enrolment):
    """Apple Watch values for 28 and 29 March 2026 (trial days 27 and 28), stored."""
    confirm(user, preview(user, enrolment, uploaded("export.zip", apple_zip())))


def test_the_wearable_columns_come_after_the_diarys_and_are_blank_when_none(pat, enrolment):
    table = rows(pat.get(url("download", enrolment)))
    assert list(table[0])[-6:] == ["backfilled", *WEARABLE]
    assert all(table[0][name] == "" for name in WEARABLE)


def test_before_unblinding_it_has_the_stored_wearable_days_and_no_arm_or_dose(
    pat, participant, enrolment, today
):
    add_wearable_days(participant, enrolment)
    today.set(dt.date(2026, 3, 30))
    pat.post(url("diary_day", enrolment, MARCH_28), GOOD_DAY)
    response = pat.get(url("download", enrolment))
    table = {row["date"]: row for row in rows(response)}
    assert list(next(iter(table.values())))[-6:] == ["backfilled", *WEARABLE]
    march_28, march_29 = table[MARCH_28], table[MARCH_29]
    assert (march_28["steps"], march_28["resting_hr"], march_28["hrv_sdnn_ms"]) == (
        "1000", "56", "45"
    )
    assert march_28["hrv_rmssd_ms"] == "" and march_28["sleep_hours"] == ""
    assert march_28["fatigue"] == "4" and march_28["diary"] == "complete"
    assert (march_29["steps"], march_29["sleep_hours"]) == ("500", "7")
    assert march_29["diary"] == "missing"
    assert all(table[day(1).isoformat()][name] == "" for name in WEARABLE)
    assert sum(row["steps"] != "" for row in table.values()) == 2
    assert "arm" not in march_28 and "dose_mg" not in march_28
    assert not leaks(enrolment, response.content.decode())


def test_after_unblinding_the_wearable_days_are_there_too_in_the_same_place(
    pat, participant, clinician, enrolment, today
):
    add_wearable_days(participant, enrolment)
    unblinded(clinician, enrolment, today)
    table = rows(pat.get(url("download", enrolment)))
    assert list(table[0])[:7] == ["participant", "day", "date", "period", "pair", "arm", "dose_mg"]
    assert list(table[0])[-6:] == ["backfilled", *WEARABLE]
    assert list(table[0]).count("steps") == 1  # not also where the daily table puts it
    by_day = {row["date"]: row for row in table}
    assert (by_day[MARCH_28]["steps"], by_day[MARCH_28]["resting_hr"]) == ("1000", "56")
    assert by_day[MARCH_29]["sleep_hours"] == "7" and by_day[MARCH_29]["arm"]
    assert sum(row["steps"] != "" for row in table) == 2
