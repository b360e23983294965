"""Download of all own data: the daily table as CSV; no arm or dose before unblinding."""

# The shared fixtures are imported by name, so pytest finds them; arguments reuse the names.
# ruff: noqa: F811

from __future__ import annotations

import csv
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

pytestmark = pytest.mark.django_db


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


def test_another_participants_data_are_not_found(pat, other_enrolment):
    assert pat.get(url("download", other_enrolment)).status_code == 404
    assert pat.get(url("download", other_enrolment), **HTMX).status_code == 404


def test_staff_are_refused(client_for, clinician, pharmacist, enrolment):
    for person in (clinician, pharmacist):
        assert client_for(person).get(url("download", enrolment)).status_code == 403
