"""Fitbit (Google Takeout): local times as written, across DST changes, from a zip or folder."""

from __future__ import annotations

import datetime as dt
import json
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from nof1.exceptions import DataError
from nof1.wearables import import_fitbit

NOW = dt.datetime(2026, 11, 5, 9, 0, tzinfo=dt.UTC)
FOLDER = "Takeout/Fitbit/Global Export Data"
# America/New_York: 02:00-02:59 on 8 March 2026 does not exist; 01:00-01:59 on 1 November
# 2026 happens twice. Fitbit writes local times without an offset.
STEPS = [
    {"dateTime": "03/07/26 23:59:00", "value": "100"},
    {"dateTime": "03/08/26 00:00:00", "value": "50"},
    {"dateTime": "03/08/26 01:59:00", "value": "20"},
    {"dateTime": "03/08/26 03:00:00", "value": "30"},
    {"dateTime": "11/01/26 01:30:00", "value": "10"},
    {"dateTime": "11/01/26 01:30:00", "value": "15"},  # the second 01:30, after clocks go back
    {"dateTime": "11/01/26 23:00:00", "value": "oops"},
]
RESTING = [
    {"dateTime": "03/07/26 00:00:00", "value": {"date": "03/07/26", "value": 61.5, "error": 7}},
    {"dateTime": "03/08/26 00:00:00", "value": {"date": "03/08/26", "value": 0.0, "error": 0}},
]
SLEEP = [
    {"logId": 1, "dateOfSleep": "2026-03-08", "startTime": "2026-03-07T23:00:00.000",
     "endTime": "2026-03-08T07:00:00.000", "minutesAsleep": 400, "mainSleep": True},
    {"logId": 2, "dateOfSleep": "2026-03-08", "startTime": "2026-03-08T14:00:00.000",
     "endTime": "2026-03-08T14:40:00.000", "minutesAsleep": 30, "mainSleep": False},
]
HRV = "timestamp,rmssd,nremhr,entropy\n2026-03-08T00:00:00,34.5,58.2,2.9\n"


def takeout(root: Path) -> dict[str, str]:
    return {
        f"{FOLDER}/steps-2026-03-07.json": json.dumps(STEPS),
        f"{FOLDER}/resting_heart_rate-2026-03-07.json": json.dumps(RESTING),
        f"{FOLDER}/sleep-2026-03-07.json": json.dumps(SLEEP),
        "Takeout/Fitbit/Heart Rate Variability/"
        "Daily Heart Rate Variability Summary - 2026-03-(08).csv": HRV,
        "Takeout/Fitbit/Profile/Profile.csv": "id\n1\n",
    }


def as_folder(tmp_path: Path) -> Path:
    for name, text in takeout(tmp_path).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path / "Takeout"


def as_zip(tmp_path: Path) -> Path:
    path = tmp_path / "takeout.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in takeout(tmp_path).items():
            archive.writestr(name, text)
    return path


def test_days_are_the_local_dates_as_written_across_both_dst_changes(tmp_path):
    daily = import_fitbit(as_zip(tmp_path), imported_at=NOW).daily.set_index("date")
    assert daily["steps"].dropna().to_dict() == {
        pd.Timestamp("2026-03-07"): 100.0, pd.Timestamp("2026-03-08"): 100.0,
        pd.Timestamp("2026-11-01"): 25.0}
    assert daily.loc["2026-03-07", "resting_hr"] == 61.5
    assert math.isnan(daily.loc["2026-03-08", "resting_hr"])  # 0 = no estimate that day
    assert daily.loc["2026-03-08", "hrv_rmssd_ms"] == 34.5
    assert daily["hrv_sdnn_ms"].isna().all()  # Fitbit gives RMSSD, never SDNN


def test_sleep_counts_on_the_wake_up_day_naps_included(tmp_path):
    daily = import_fitbit(as_zip(tmp_path), imported_at=NOW).daily.set_index("date")
    assert daily.loc["2026-03-08", "sleep_hours"] == pytest.approx(430 / 60)
    assert math.isnan(daily.loc["2026-03-07", "sleep_hours"])


def test_an_unpacked_folder_gives_the_same_days_as_the_zip(tmp_path):
    (tmp_path / "z").mkdir()
    (tmp_path / "f").mkdir()
    from_zip = import_fitbit(as_zip(tmp_path / "z"), imported_at=NOW)
    from_folder = import_fitbit(as_folder(tmp_path / "f"), imported_at=NOW)
    pd.testing.assert_frame_equal(from_zip.daily, from_folder.daily)
    assert len(from_folder.provenance.sha256) == 64


def test_provenance_counts_records_and_says_hrv_is_rmssd(tmp_path):
    found = import_fitbit(as_zip(tmp_path), imported_at=NOW).provenance
    assert found.format == "fitbit_takeout" and found.hrv == "rmssd"
    assert found.skipped == {"malformed": 1, "no_value": 1}
    assert found.records_used == 6 + 1 + 2 + 1
    assert len(found.files) == 4


def test_a_single_steps_file_imports(tmp_path):
    path = tmp_path / "steps-2026-03-07.json"
    path.write_text(json.dumps(STEPS))
    assert import_fitbit(path, imported_at=NOW).daily["steps"].sum() == 225


def test_a_truncated_file_is_refused_naming_it(tmp_path):
    folder = as_folder(tmp_path)
    broken = tmp_path / FOLDER / "sleep-2026-03-07.json"
    broken.write_text(json.dumps(SLEEP)[:40])
    with pytest.raises(DataError, match="sleep-2026-03-07.json.*truncated"):
        import_fitbit(folder, imported_at=NOW)


def test_a_folder_without_fitbit_files_is_refused(tmp_path):
    with pytest.raises(DataError, match="no Fitbit files"):
        import_fitbit(tmp_path, imported_at=NOW)
