"""Garmin Connect account exports: daily summaries and sleep by Garmin's calendar dates."""

from __future__ import annotations

import datetime as dt
import json
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from nof1.exceptions import DataError
from nof1.wearables import import_garmin

NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
SUMMARY = [
    {"calendarDate": "2026-03-28", "totalSteps": 4321, "restingHeartRate": 57},
    {"calendarDate": "2026-03-29", "totalSteps": 1998, "restingHeartRate": None,
     "currentDayRestingHeartRate": 59},
    {"calendarDate": {"date": "2026-03-30"}, "totalSteps": 0, "restingHeartRate": 0},
    {"calendarDate": "not a date", "totalSteps": 5},
]
SLEEP = [
    {"calendarDate": "2026-03-29", "deepSleepSeconds": 3600, "lightSleepSeconds": 14400,
     "remSleepSeconds": 5400, "awakeSleepSeconds": 1200},
]


def export_zip(tmp_path: Path) -> Path:
    path = tmp_path / "garmin.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("DI_CONNECT/DI-Connect-Aggregator/UDSFile_2026-03-01_2026-06-09.json",
                         json.dumps(SUMMARY))
        archive.writestr("DI_CONNECT/DI-Connect-Wellness/2026-03-01_2026-06-09_1_sleepData.json",
                         json.dumps(SLEEP))
        archive.writestr("DI_CONNECT/DI-Connect-User/user_profile.json", "{}")
    return path


def test_it_imports_daily_summaries_and_sleep(tmp_path):
    daily = import_garmin(export_zip(tmp_path), imported_at=NOW).daily.set_index("date")
    assert daily["steps"].to_dict() == {pd.Timestamp("2026-03-28"): 4321.0,
                                        pd.Timestamp("2026-03-29"): 1998.0}
    assert daily["resting_hr"].tolist() == [57.0, 59.0]
    assert daily.loc["2026-03-29", "sleep_hours"] == pytest.approx(6.5)
    assert math.isnan(daily.loc["2026-03-28", "sleep_hours"])


def test_days_with_nothing_measured_and_bad_rows_are_counted_as_skipped(tmp_path):
    found = import_garmin(export_zip(tmp_path), imported_at=NOW).provenance
    assert found.skipped == {"no_value": 1, "malformed": 1}
    assert found.records_used == 3
    assert found.format == "garmin_connect"


def test_a_summary_day_not_written_yyyy_mm_dd_is_skipped_not_a_crash(tmp_path):
    path = tmp_path / "UDSFile_2026-03-01_2026-06-09.json"
    path.write_text(json.dumps([{"calendarDate": "20260328", "totalSteps": 100},
                                {"calendarDate": "2026-03-29", "totalSteps": 200}]))
    found = import_garmin(path, imported_at=NOW)
    assert found.daily["steps"].tolist() == [200.0]
    assert found.provenance.skipped == {"malformed": 1}


def test_a_day_in_two_overlapping_summary_files_is_taken_once(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    for name in ("UDSFile_a.json", "UDSFile_b.json"):
        (folder / name).write_text(json.dumps(SUMMARY[:1]))
    result = import_garmin(folder, imported_at=NOW)
    assert result.daily["steps"].tolist() == [4321.0]
    assert result.provenance.skipped["duplicate_day"] == 2


def test_an_export_without_summaries_is_refused(tmp_path):
    with pytest.raises(DataError, match="no Garmin daily summaries"):
        import_garmin(tmp_path, imported_at=NOW)


def test_a_summary_that_is_not_a_list_is_refused(tmp_path):
    path = tmp_path / "UDSFile_x.json"
    path.write_text("{}")
    with pytest.raises(DataError, match="expected a list"):
        import_garmin(path, imported_at=NOW)
