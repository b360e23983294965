"""Generic daily CSV imports, and merging imports into a stored daily table."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
import pytest

from nof1.exceptions import DataError
from nof1.wearables import DAILY_COLUMNS, import_csv, merge_daily

NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def write(tmp_path: Path, text: str, name: str = "daily.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = "date,steps,resting_hr,sleep_hours,note\n2026-03-01,5566,61,7.5,ok\n2026-03-02,,60,,\n"


def test_it_reads_any_of_the_known_columns(tmp_path):
    result = import_csv(write(tmp_path, GOOD), imported_at=NOW)
    daily = result.daily
    assert tuple(daily.columns) == DAILY_COLUMNS
    assert daily["steps"].tolist()[0] == 5566 and math.isnan(daily["steps"][1])
    assert daily["resting_hr"].tolist() == [61.0, 60.0]
    assert result.provenance.records_used == 2 and result.provenance.hrv == "none"


def test_an_hrv_column_must_say_which_measure(tmp_path):
    path = write(tmp_path, "date,hrv\n2026-03-01,42\n")
    with pytest.raises(DataError, match="hrv='sdnn' or hrv='rmssd'"):
        import_csv(path, imported_at=NOW)
    daily = import_csv(path, imported_at=NOW, hrv="rmssd").daily
    assert daily["hrv_rmssd_ms"].tolist() == [42.0] and daily["hrv_sdnn_ms"].isna().all()


@pytest.mark.parametrize(("text", "row", "column", "says"), [
    ("date,steps\n2026-03-01,lots\n", 1, "steps", "must be a number"),
    ("date,steps\n2026-03-01,-5\n", 1, "steps", "must be a number from 0"),
    ("date,sleep_hours\n2026-03-01,450\n", 1, "sleep_hours", "from 0 to 24"),
    ("date,steps\n01/03/2026,5\n", 1, "date", "ISO date"),
    ("date,steps\n20260301,5\n", 1, "date", "ISO date"),  # fromisoformat would take it
    ("date,steps\n2026-W09-7,5\n", 1, "date", "ISO date"),  # an ISO week date
    ("date,steps\n2026-03-01,5\n2026-03-01,6\n", 2, "date", "appears twice"),
    ("date,steps\n2026-03-01,5,7\n", 1, None, "has 3 fields"),
    ("day,steps\n1,5\n", None, "date", "no 'date' column"),
    ("date,mood\n2026-03-01,5\n", None, None, "no measure columns"),
])
def test_a_bad_file_is_refused_naming_the_row_and_column(tmp_path, text, row, column, says):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        import_csv(path, imported_at=NOW)
    assert (caught.value.source, caught.value.row, caught.value.column) == (str(path), row,
                                                                            column)
    assert says in str(caught.value)


def test_reimporting_the_same_file_changes_nothing(tmp_path):
    imported = import_csv(write(tmp_path, GOOD), imported_at=NOW)
    once = merge_daily(None, imported)
    twice = merge_daily(once, imported)
    pd.testing.assert_frame_equal(once, twice)


def test_a_different_file_for_the_same_day_is_a_conflict_unless_replacing(tmp_path):
    stored = merge_daily(None, import_csv(write(tmp_path, GOOD), imported_at=NOW))
    other = import_csv(write(tmp_path, "date,steps\n2026-03-01,6000\n", "other.csv"),
                       imported_at=NOW)
    with pytest.raises(DataError, match="2026-03-01 already has steps") as caught:
        merge_daily(stored, other)
    assert caught.value.column == "steps"
    replaced = merge_daily(stored, other, replace=True)
    assert replaced["steps"].tolist()[0] == 6000
    assert replaced["resting_hr"].tolist() == [61.0, 60.0]  # untouched by the new file
    assert stored["steps"].tolist()[0] == 5566  # the stored table itself is not changed


def test_merging_fills_new_days_and_blank_values_and_keeps_other_columns(tmp_path):
    stored = pd.DataFrame({"date": ["2026-03-02"], "fatigue": [6.0], "steps": [math.nan]})
    merged = merge_daily(stored, import_csv(write(tmp_path, GOOD), imported_at=NOW))
    assert merged["date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-03-01", "2026-03-02"]
    assert merged["fatigue"].tolist()[1] == 6.0 and math.isnan(merged["fatigue"][0])
    assert merged["steps"].tolist()[0] == 5566
