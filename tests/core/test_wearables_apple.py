"""Apple Health: the export's records become the right daily values, across a DST change,
without double counting the iPhone and the Watch."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from nof1.exceptions import DataError
from nof1.wearables import DAILY_COLUMNS, import_apple_health

NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)
HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
]>
<HealthData locale="en_GB">
 <ExportDate value="2026-04-01 08:00:00 +0100"/>
"""
WATCH = ('sourceName="Ann&#8217;s Apple Watch" device="&lt;&lt;HKDevice: 0x1&gt;, '
         'name:Apple Watch, manufacturer:Apple Inc., model:Watch, hardware:Watch6,1&gt;"')
PHONE = ('sourceName="Ann&#8217;s iPhone" device="&lt;&lt;HKDevice: 0x2&gt;, name:iPhone, '
         'manufacturer:Apple Inc., model:iPhone, hardware:iPhone14,2&gt;"')
SLEEP_APP = 'sourceName="Sleep Cycle"'
STEPS = "HKQuantityTypeIdentifierStepCount"
RHR = "HKQuantityTypeIdentifierRestingHeartRate"
SDNN = "HKQuantityTypeIdentifierHeartRateVariabilitySDNN"
SLEEP = "HKCategoryTypeIdentifierSleepAnalysis"


def rec(kind: str, who: str, start: str, end: str, value: object, unit: str | None = None,
        meta: bool = False) -> str:
    if unit is None:
        unit = {STEPS: "count", RHR: "count/min", SDNN: "ms"}.get(kind, "")
    unit_attr = f' unit="{unit}"' if unit else ""
    head = (f' <Record type="{kind}" {who}{unit_attr} creationDate="{end}" startDate="{start}" '
            f'endDate="{end}" value="{value}"')
    if meta:
        return head + '>\n  <MetadataEntry key="HKTimeZone" value="Europe/London"/>\n </Record>'
    return head + "/>"


def stage(name: str) -> str:
    return f"HKCategoryValueSleepAnalysis{name}"


# Europe/London: clocks go forward at 01:00 GMT on 2026-03-29 (+0000 -> +0100).
RECORDS = [
    # the same walk, counted by both devices: only the Watch's count is used
    rec(STEPS, WATCH, "2026-03-28 10:00:00 +0000", "2026-03-28 10:10:00 +0000", 1000),
    rec(STEPS, PHONE, "2026-03-28 10:00:00 +0000", "2026-03-28 10:10:00 +0000", 980),
    # the Watch was charging this hour: the iPhone's count is the best there is
    rec(STEPS, PHONE, "2026-03-28 20:00:00 +0000", "2026-03-28 20:30:00 +0000", 300),
    # across midnight: split in proportion to time, 100 to each day
    rec(STEPS, WATCH, "2026-03-28 23:50:00 +0000", "2026-03-29 00:10:00 +0000", 200),
    # across the DST change: 20 real minutes, 10 before and 10 after 01:00 GMT
    rec(STEPS, WATCH, "2026-03-29 00:50:00 +0000", "2026-03-29 02:10:00 +0100", 120, meta=True),
    rec(STEPS, WATCH, "2026-03-29 10:00:00 +0100", "2026-03-29 10:05:00 +0100", 500),
    rec(STEPS, WATCH, "2026-03-29 11:00:00 +0100", "2026-03-29 11:05:00 +0100", 9, unit="km"),
    rec(STEPS, WATCH, "2026-03-29 12:00:00 +0100", "2026-03-29 12:05:00 +0100", "many"),
    rec(RHR, WATCH, "2026-03-28 00:00:00 +0000", "2026-03-28 23:59:00 +0000", 55),
    rec(RHR, WATCH, "2026-03-28 00:00:00 +0000", "2026-03-28 23:59:00 +0000", 57),
    rec(RHR, WATCH, "2026-03-29 00:00:00 +0000", "2026-03-29 23:59:00 +0100", 60),
    rec(SDNN, WATCH, "2026-03-28 03:00:00 +0000", "2026-03-28 03:01:00 +0000", 40, meta=True),
    rec(SDNN, WATCH, "2026-03-28 15:00:00 +0000", "2026-03-28 15:01:00 +0000", 50),
    rec("HKQuantityTypeIdentifierHeartRate", WATCH, "2026-03-28 15:00:00 +0000",
        "2026-03-28 15:00:00 +0000", 72, unit="count/min"),
    # the night of 28-29 March across the DST change: 1.5 h + 1.5 h + 3.5 h asleep = 6.5 h,
    # all on the wake-up day; in bed and awake do not count, overlaps count once
    rec(SLEEP, WATCH, "2026-03-28 22:50:00 +0000", "2026-03-29 07:00:00 +0100", stage("InBed")),
    rec(SLEEP, WATCH, "2026-03-28 23:00:00 +0000", "2026-03-29 00:30:00 +0000",
        stage("AsleepCore"), meta=True),
    rec(SLEEP, WATCH, "2026-03-28 23:30:00 +0000", "2026-03-29 00:00:00 +0000",
        stage("AsleepCore")),
    rec(SLEEP, WATCH, "2026-03-29 00:30:00 +0000", "2026-03-29 03:00:00 +0100",
        stage("AsleepDeep")),
    rec(SLEEP, WATCH, "2026-03-29 03:00:00 +0100", "2026-03-29 03:30:00 +0100", stage("Awake")),
    rec(SLEEP, WATCH, "2026-03-29 03:30:00 +0100", "2026-03-29 07:00:00 +0100",
        stage("AsleepREM")),
    # a phone app's estimate of the same night ranks below the Watch
    rec(SLEEP, SLEEP_APP, "2026-03-28 23:00:00 +0000", "2026-03-29 07:00:00 +0100",
        stage("AsleepUnspecified")),
]
EXPECTED = pd.DataFrame({
    "date": pd.to_datetime(["2026-03-28", "2026-03-29"]).astype("datetime64[us]"),
    "steps": [1000 + 300 + 100, 100 + 120 + 500],
    "resting_hr": [56.0, 60.0],
    "hrv_sdnn_ms": [45.0, math.nan],
    "hrv_rmssd_ms": [math.nan, math.nan],
    "sleep_hours": [math.nan, 6.5],
})


def export_xml(tmp_path: Path, records: list[str] = RECORDS, name: str = "export.xml") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(records) + "\n</HealthData>\n", encoding="utf-8")
    return path


def export_zip(tmp_path: Path, records: list[str] = RECORDS) -> Path:
    xml = export_xml(tmp_path, records)
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(xml, "apple_health_export/export.xml")
        archive.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
    return path


def test_it_imports_daily_values_across_a_dst_change(tmp_path):
    result = import_apple_health(export_xml(tmp_path), imported_at=NOW)
    assert tuple(result.daily.columns) == DAILY_COLUMNS
    pd.testing.assert_frame_equal(result.daily, EXPECTED.astype({"steps": "float64"}))


def test_it_counts_a_walk_seen_by_watch_and_iphone_once(tmp_path):
    walk = RECORDS[:2]
    steps = import_apple_health(export_xml(tmp_path, walk), imported_at=NOW).daily["steps"]
    assert steps.tolist() == [1000.0]


def test_the_iphone_fills_hours_the_watch_did_not_record(tmp_path):
    records = [RECORDS[0], RECORDS[2]]
    steps = import_apple_health(export_xml(tmp_path, records), imported_at=NOW).daily["steps"]
    assert steps.tolist() == [1300.0]


def test_a_zip_gives_the_same_days_as_its_export_xml(tmp_path):
    from_zip = import_apple_health(export_zip(tmp_path), imported_at=NOW)
    from_xml = import_apple_health(tmp_path / "export.xml", imported_at=NOW)
    pd.testing.assert_frame_equal(from_zip.daily, from_xml.daily)
    assert from_zip.provenance.file_name == "export.zip"


def test_provenance_names_the_file_its_hash_sources_and_counts(tmp_path):
    path = export_xml(tmp_path)
    found = import_apple_health(path, imported_at=NOW).provenance
    assert found.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert found.size_bytes == path.stat().st_size
    assert found.imported_at == NOW
    assert found.sources == ("Ann\u2019s Apple Watch", "Ann\u2019s iPhone", "Sleep Cycle")
    assert found.skipped == {"unit": 1, "malformed": 1}
    assert (found.records_used, found.records_skipped) == (18, 2)
    assert found.hrv == "sdnn"
    assert found.to_dict()["imported_at"] == "2026-04-01T09:00:00+00:00"


def test_the_same_file_imported_twice_gives_equal_results(tmp_path):
    path = export_xml(tmp_path)
    first = import_apple_health(path, imported_at=NOW)
    second = import_apple_health(path, imported_at=NOW)
    pd.testing.assert_frame_equal(first.daily, second.daily)
    assert first.provenance == second.provenance


@pytest.mark.parametrize(("zip_name", "xml_name"), [
    ("exportar.zip", "exportar.xml"),  # Spanish
    ("eksport.zip", "eksport.xml"),  # Norwegian
    ("\u5bfc\u51fa.zip", "\u5bfc\u51fa.xml"),  # Chinese
])
def test_an_export_from_a_phone_in_another_language_is_found_by_its_content(
    tmp_path, zip_name, xml_name
):
    xml = export_xml(tmp_path)
    path = tmp_path / zip_name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
        archive.writestr("apple_health_export/electrocardiograms/ecg.csv", "Name,Ann\n")
        archive.write(xml, f"apple_health_export/{xml_name}")
    found = import_apple_health(path, imported_at=NOW)
    pd.testing.assert_frame_equal(found.daily, import_apple_health(xml, imported_at=NOW).daily)


def test_a_zip_of_other_xml_files_is_refused(tmp_path):
    path = tmp_path / "exportar.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
        archive.writestr("apple_health_export/notes.xml", "<notes><HealthData/></notes>" * 9000)
    with pytest.raises(DataError, match="nor the same file under a translated name"):
        import_apple_health(path, imported_at=NOW)


def test_a_zip_without_an_export_is_refused(tmp_path):
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("holiday.jpg", b"\xff\xd8")
    with pytest.raises(Exception, match="no apple_health_export/export.xml"):
        import_apple_health(path, imported_at=NOW)


def test_import_time_must_be_given_with_a_time_zone(tmp_path):
    with pytest.raises(ValueError, match="time zone"):
        import_apple_health(export_xml(tmp_path), imported_at=dt.datetime(2026, 4, 1))


def test_an_export_with_no_wanted_records_gives_an_empty_table(tmp_path):
    result = import_apple_health(export_xml(tmp_path, []), imported_at=NOW)
    assert len(result.daily) == 0
    assert tuple(result.daily.columns) == DAILY_COLUMNS
