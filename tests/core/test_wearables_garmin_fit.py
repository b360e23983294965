"""Garmin FIT monitoring files: daily steps and resting heart rate by the watch's local day.

The files are written by the small FIT encoder in tests/fit_encoder.py (header, definition
and data messages, CRC-16 as in the FIT SDK), so every expected number is known exactly.
"""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from fit_encoder import (
    BERLIN,
    WALKING,
    FitWriter,
    berlin_week,
    fit_crc,
    fit_time,
    info,
    monitoring_file,
    steps,
)
from nof1.exceptions import DataError
from nof1.wearables import import_garmin
from nof1.wearables.garmin_fit import day_count, local_day

NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def by_day(series: pd.Series) -> dict[str, float]:
    return {f"{day:%Y-%m-%d}": value for day, value in series.dropna().items()}


# ---- the rules ---------------------------------------------------------------------------


def test_the_encoder_writes_files_fitdecode_checks_whole():
    import fitdecode

    with fitdecode.FitReader(berlin_week(), check_crc=fitdecode.CrcCheck.RAISE) as fit:
        frames = list(fit)
    assert isinstance(frames[-1], fitdecode.FitCRC) and frames[-1].matched
    assert fit_crc(b"123456789") == 0xBB3D  # CRC-16/ARC, the FIT SDK's CRC


def test_steps_follow_the_local_day_across_midnight_dst_and_a_counter_restart(tmp_path):
    path = tmp_path / "30001.fit"
    path.write_bytes(berlin_week())
    result = import_garmin(path, imported_at=NOW)
    daily = result.daily.set_index("date")
    assert by_day(daily["steps"]) == BERLIN
    assert by_day(daily["resting_hr"]) == {"2026-03-29": 55.0}
    assert daily["sleep_hours"].isna().all()
    found = result.provenance
    assert found.format == "garmin_fit"
    assert found.sources == ("Garmin fenix7 (serial 111)",)
    assert found.records_used == 13  # 11 walking/running counts and 2 resting rates
    assert found.skipped == {}


def test_the_offset_in_force_decides_the_day():
    assert local_day(fit_time("2026-03-29 22:30"), 2 * 3600) == "2026-03-30"
    assert local_day(fit_time("2026-03-29 22:30"), 1 * 3600) == "2026-03-29"
    assert local_day(fit_time("2026-03-28 23:00"), 3600) == "2026-03-28"  # 00:00 closes
    assert local_day(fit_time("2026-03-28 23:00") + 1, 3600) == "2026-03-29"


def test_a_falling_count_starts_a_new_run_and_runs_add_up():
    assert day_count([(1, 0, 10), (2, 0, 30), (3, 0, 5), (4, 0, 25)]) == 55
    assert day_count([(3, 0, 30), (1, 0, 10), (2, 0, 30)]) == 30  # repeats and time order
    assert day_count([(1, 0, 0)]) == 0


def test_messages_before_any_monitoring_info_have_no_local_day(tmp_path):
    fit = monitoring_file()
    steps(fit, "2026-03-28 10:00", WALKING, 1000)
    info(fit, "2026-03-28 11:00", +1)
    steps(fit, "2026-03-28 12:00", WALKING, 1500)
    (tmp_path / "a.fit").write_bytes(fit.file())
    result = import_garmin(tmp_path / "a.fit", imported_at=NOW)
    assert result.daily["steps"].tolist() == [1500.0]
    assert result.provenance.skipped == {"fit_no_local_time": 1}


def test_two_devices_the_same_day_are_not_added(tmp_path):
    (tmp_path / "watch.fit").write_bytes(berlin_week())
    band = monitoring_file(serial=222)
    info(band, "2026-03-28 08:00", +1)
    steps(band, "2026-03-28 20:00", WALKING, 9000)
    (tmp_path / "band.fit").write_bytes(band.file())
    result = import_garmin(tmp_path, imported_at=NOW)
    assert by_day(result.daily.set_index("date")["steps"]) == {**BERLIN, "2026-03-28": 9000}
    assert result.provenance.skipped == {"fit_other_device": 1}
    assert result.provenance.sources == ("Garmin fenix7 (serial 111)",
                                         "Garmin fenix7 (serial 222)")


def test_the_same_file_twice_counts_once(tmp_path):
    for name in ("a/1.fit", "b/1.fit"):
        (tmp_path / name).parent.mkdir()
        (tmp_path / name).write_bytes(berlin_week())
    daily = import_garmin(tmp_path, imported_at=NOW).daily.set_index("date")
    assert by_day(daily["steps"]) == BERLIN


# ---- summaries and FIT files together ----------------------------------------------------

SUMMARY = [{"calendarDate": "2026-03-27", "totalSteps": 5000, "restingHeartRate": 52},
           {"calendarDate": "2026-03-28", "totalSteps": 9999, "restingHeartRate": None}]


def test_a_folder_of_summaries_and_fit_files_merges_and_the_summary_wins(tmp_path):
    (tmp_path / "UDSFile_2026-03-01_2026-06-09.json").write_text(json.dumps(SUMMARY))
    (tmp_path / "Monitor").mkdir()
    (tmp_path / "Monitor" / "30001.FIT").write_bytes(berlin_week())
    result = import_garmin(tmp_path, imported_at=NOW)
    daily = result.daily.set_index("date")
    assert by_day(daily["steps"]) == {"2026-03-27": 5000, "2026-03-28": 9999,
                                      "2026-03-29": 3200, "2026-03-30": 77}
    assert by_day(daily["resting_hr"]) == {"2026-03-27": 52, "2026-03-29": 55}
    found = result.provenance
    assert found.format == "garmin_connect"
    assert found.sources == ("Garmin Connect", "Garmin fenix7 (serial 111)")
    assert found.skipped == {"fit_day_in_summary": 1}
    assert found.files == ("Monitor/30001.FIT", "UDSFile_2026-03-01_2026-06-09.json")


def test_a_zip_with_summaries_and_fit_files_gives_the_same(tmp_path):
    folder, path = tmp_path / "export", tmp_path / "export.zip"
    folder.mkdir()
    (folder / "UDSFile_x.json").write_text(json.dumps(SUMMARY))
    (folder / "1.fit").write_bytes(berlin_week())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("DI_CONNECT/DI-Connect-Aggregator/UDSFile_x.json", json.dumps(SUMMARY))
        archive.writestr("GARMIN/Monitor/1.fit", berlin_week())
    from_zip = import_garmin(path, imported_at=NOW)
    pd.testing.assert_frame_equal(from_zip.daily, import_garmin(folder, imported_at=NOW).daily)


def test_a_zip_member_leaving_the_archive_is_refused(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../1.fit", berlin_week())
    with pytest.raises(DataError, match="path traversal"):
        import_garmin(path, imported_at=NOW)


# ---- damaged and unsuitable files --------------------------------------------------------


@pytest.mark.parametrize("damage", [
    lambda data: data[:-1] + bytes([data[-1] ^ 0xFF]),  # the file CRC
    lambda data: data[:40] + bytes([data[40] ^ 0x01]) + data[41:],  # a byte in the body
    lambda data: data[:-30],  # truncated
    lambda data: data[:13],  # only the header
])
def test_a_damaged_fit_file_is_refused_naming_it(tmp_path, damage):
    (tmp_path / "UDSFile_x.json").write_text(json.dumps(SUMMARY))
    (tmp_path / "30001.fit").write_bytes(damage(berlin_week()))
    with pytest.raises(DataError, match=r"30001\.fit: not a readable FIT file"):
        import_garmin(tmp_path, imported_at=NOW)


def test_a_file_named_fit_that_is_not_one_is_refused(tmp_path):
    (tmp_path / "notes.fit").write_text("hello, not a FIT file at all")
    with pytest.raises(DataError, match=r"notes\.fit: not a readable FIT file"):
        import_garmin(tmp_path, imported_at=NOW)


def test_activity_files_alone_are_refused_and_beside_a_summary_skipped(tmp_path):
    activity = FitWriter().define(0, 0, [(0, "enum"), (1, "uint16")]).data(0, 4, 1).file()
    (tmp_path / "run.fit").write_bytes(activity)
    with pytest.raises(DataError, match="none of the 1 FIT file"):
        import_garmin(tmp_path, imported_at=NOW)
    (tmp_path / "UDSFile_x.json").write_text(json.dumps(SUMMARY))
    found = import_garmin(tmp_path, imported_at=NOW).provenance
    assert found.skipped == {"fit_not_monitoring": 1}
    assert found.sources == ("Garmin Connect",)


def test_a_device_clock_that_was_never_set_is_skipped(tmp_path):
    fit = monitoring_file()
    fit.data(1, 1000, 1000 + 3600)
    fit.data(2, 2000, WALKING, 50)
    (tmp_path / "a.fit").write_bytes(fit.file())
    result = import_garmin(tmp_path / "a.fit", imported_at=NOW)
    assert result.daily.empty
    assert result.provenance.skipped == {"fit_no_clock": 1}


def test_16_bit_step_counts_are_counted_as_skipped_not_guessed(tmp_path):
    fit = monitoring_file().define(6, 55, [(253, "uint32"), (5, "enum"), (9, "uint16")])
    info(fit, "2026-03-28 08:00", +1)
    fit.data(6, fit_time("2026-03-28 10:00"), WALKING, 1200)
    (tmp_path / "a.fit").write_bytes(fit.file())
    result = import_garmin(tmp_path / "a.fit", imported_at=NOW)
    assert result.daily.empty
    assert result.provenance.skipped == {"fit_cycles_16": 1}


def test_importing_twice_gives_equal_results(tmp_path):
    (tmp_path / "1.fit").write_bytes(berlin_week())
    first, second = (import_garmin(tmp_path, imported_at=NOW) for _ in range(2))
    pd.testing.assert_frame_equal(first.daily, second.daily)
    assert first.provenance == second.provenance


def test_a_path_that_does_not_exist_is_refused(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        import_garmin(Path(tmp_path / "missing.fit"), imported_at=NOW)
