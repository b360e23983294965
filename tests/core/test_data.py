"""The canonical daily table: what loads, what is refused, and that saving loses nothing."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from nof1.data import is_dose_label, load, outcome_columns, save, validate
from nof1.exceptions import DataError

HEADER = "participant,day,period,pair,arm,dose_mg,fatigue,note"
# Data row n is line n + 1 of the file.
ROWS = [
    "P01,1,0,0,run-in,,5,",
    "P01,2,0,0,run-in,,6,",
    "P01,3,1,1,active,4.5,4,slept badly",
    "P01,4,1,1,active,4.5,,",
    "P01,5,2,1,placebo,0,5,",
    "P01,6,2,1,placebo,,6,",
    "P02,1,1,1,placebo,0,7,",
    "P02,2,2,1,active,3,6,",
]


def write(tmp_path: Path, rows: list[str] = ROWS, header: str = HEADER, name: str = "data.csv"
          ) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def changed(index: int, row: str) -> list[str]:
    rows = list(ROWS)
    rows[index] = row
    return rows


def refused(path: Path, *, row: int | None, column: str | None, says: str, **options: object
            ) -> str:
    """Load must fail naming the file, row and column, and say what is wrong."""
    with pytest.raises(DataError) as caught:
        load(path, **options)  # type: ignore[arg-type]
    error = caught.value
    message = str(error)
    assert (error.source, error.row, error.column) == (str(path), row, column)
    assert message.startswith(str(path))
    if row is not None:
        assert f"row {row}" in message
    if column is not None:
        assert f"column '{column}'" in message
    assert says in message, message
    return message


def test_it_loads_a_csv_table_with_normalised_dtypes(tmp_path: Path) -> None:
    table = load(write(tmp_path), outcomes=["fatigue"])
    assert list(table.columns) == HEADER.split(",")
    assert table.dtypes.astype(str).to_dict() == {
        "participant": "str", "day": "int64", "period": "int64", "pair": "int64",
        "arm": "str", "dose_mg": "float64", "fatigue": "float64", "note": "str"}
    assert table["dose_mg"].tolist() == [0.0, 0.0, 4.5, 4.5, 0.0, 0.0, 0.0, 3.0]
    assert table["fatigue"].isna().tolist() == [False, False, False, True] + [False] * 4
    assert table["note"][2] == "slept badly"


def test_it_loads_a_parquet_table(tmp_path: Path) -> None:
    frame = pd.read_csv(write(tmp_path), dtype=str, keep_default_na=False)
    frame.to_parquet(tmp_path / "data.parquet")
    assert_frame_equal(load(tmp_path / "data.parquet"), load(tmp_path / "data.csv"))


def test_it_treats_blank_and_na_words_as_missing_outcomes(tmp_path: Path) -> None:
    rows = ["P01,1,0,0,run-in,,NA,", "P01,2,0,0,run-in,,NaN,", "P01,3,1,1,active,1,nan,",
            "P01,4,1,1,active,1, ,", "P01,5,1,1,active,1,,"]
    assert load(write(tmp_path, rows), outcomes=["fatigue"])["fatigue"].isna().all()


def test_it_derives_day_from_date_counting_from_each_participants_first_date(
        tmp_path: Path) -> None:
    rows = ["A,2024-03-01,0,0,run-in,5", "A,2024-03-03,1,1,active,4",
            "B,2024-02-28,1,1,placebo,6", "B,2024-03-01,2,1,active,5"]
    table = load(write(tmp_path, rows, header="participant,date,period,pair,arm,fatigue"))
    assert list(table.columns[:3]) == ["participant", "day", "date"]
    assert table["day"].tolist() == [1, 3, 1, 3]
    assert table["date"].dt.strftime("%Y-%m-%d").tolist()[0] == "2024-03-01"


def test_it_accepts_day_and_date_that_agree(tmp_path: Path) -> None:
    rows = ["A,5,2024-03-01,1,1,active,1", "A,7,2024-03-03,1,1,active,1"]
    table = load(write(tmp_path, rows, header="participant,day,date,period,pair,arm,fatigue"))
    assert table["day"].tolist() == [5, 7]


def test_it_refuses_day_and_date_that_disagree(tmp_path: Path) -> None:
    rows = ["A,5,2024-03-01,1,1,active,1", "A,6,2024-03-03,1,1,active,1"]
    path = write(tmp_path, rows, header="participant,day,date,period,pair,arm,fatigue")
    message = refused(path, row=2, column="date", says="does not agree")
    assert "row 2 (line 3)" in message and "row 1 (line 2)" in message


def test_it_fills_dose_for_placebo_and_run_in_and_leaves_other_arms_unknown(
        tmp_path: Path) -> None:
    rows = ["P01,1,0,0,run-in,5", "P01,2,1,1,placebo,5", "P01,3,2,1,active,5"]
    table = load(write(tmp_path, rows, header="participant,day,period,pair,arm,fatigue"))
    assert list(table.columns) == ["participant", "day", "period", "pair", "arm", "dose_mg",
                                   "fatigue"]
    assert table["dose_mg"].tolist()[:2] == [0.0, 0.0]
    assert math.isnan(table["dose_mg"][2])


@pytest.mark.parametrize("arm", ["4.5mg", "LDN 4.5 mg", "3 mg", "ldn_1.5mg"])
def test_it_accepts_arms_named_by_dose(tmp_path: Path, arm: str) -> None:
    assert is_dose_label(arm)
    assert load(write(tmp_path, changed(2, f"P01,3,1,1,{arm},4.5,4,")[:3]))["arm"][2] == arm


def test_it_accepts_protocol_arm_names_when_given(tmp_path: Path) -> None:
    rows = [r.replace("active", "LDN") for r in ROWS]
    assert set(load(write(tmp_path, rows), arms=["LDN"])["arm"]) == {"run-in", "LDN", "placebo"}


def test_it_refuses_active_when_the_protocol_arms_do_not_name_it(tmp_path: Path) -> None:
    message = refused(write(tmp_path), arms=["LDN"], row=3, column="arm", says="'active'")
    assert "allowed: 'LDN', 'placebo', 'run-in'" in message


def test_it_refuses_an_unknown_arm(tmp_path: Path) -> None:
    path = write(tmp_path, changed(3, "P01,4,1,1,naltrexone,4.5,,"))
    message = refused(path, row=4, column="arm", says="unknown arm 'naltrexone'")
    assert "'placebo', 'active', 'run-in'" in message and "(line 5)" in message


def test_it_refuses_a_duplicate_participant_day_naming_both_rows(tmp_path: Path) -> None:
    path = write(tmp_path, changed(3, "P01,3,1,1,active,4.5,,"))
    message = refused(path, row=4, column="day", says="has day 3 twice")
    assert "row 3 (line 4)" in message and "row 4 (line 5)" in message


def test_it_refuses_text_in_an_outcome_it_was_asked_for(tmp_path: Path) -> None:
    path = write(tmp_path, changed(4, "P01,5,2,1,placebo,0,tired,"))
    message = refused(path, outcomes=["fatigue"], row=5, column="fatigue", says="'tired'")
    assert "(line 6)" in message


def test_it_keeps_a_column_with_text_as_text_when_not_asked_for_it(tmp_path: Path) -> None:
    table = load(write(tmp_path, changed(4, "P01,5,2,1,placebo,0,tired,")))
    assert table["fatigue"][4] == "tired"
    assert outcome_columns(table) == []


@pytest.mark.parametrize(("index", "column"), [(1, "day"), (2, "period"), (3, "pair"),
                                               (5, "dose_mg")])
def test_it_refuses_text_in_a_design_column(tmp_path: Path, index: int, column: str) -> None:
    fields = ROWS[5].split(",")
    fields[index] = "two"
    refused(write(tmp_path, changed(5, ",".join(fields))), row=6, column=column,
            says="must be a number, got 'two'")


@pytest.mark.parametrize(("index", "column"), [(1, "day"), (2, "period"), (3, "pair")])
def test_it_refuses_a_non_integer_day_period_or_pair(tmp_path: Path, index: int, column: str
                                                     ) -> None:
    fields = ROWS[5].split(",")
    fields[index] = "2.5"
    refused(write(tmp_path, changed(5, ",".join(fields))), row=6, column=column,
            says="must be a whole number, got '2.5'")


def test_it_refuses_a_blank_period(tmp_path: Path) -> None:
    refused(write(tmp_path, changed(5, "P01,6,,1,placebo,,6,")), row=6, column="period",
            says="period is blank")


def test_it_refuses_a_day_below_one(tmp_path: Path) -> None:
    refused(write(tmp_path, changed(0, "P01,0,0,0,run-in,,5,")), row=1, column="day",
            says="day must be 1 or more, got '0'")


def test_it_refuses_days_out_of_order_within_a_participant(tmp_path: Path) -> None:
    path = write(tmp_path, changed(4, "P01,2,2,1,placebo,0,5,")[2:])
    message = refused(path, row=3, column="day", says="days out of order for participant 'P01'")
    assert "row 3 (line 4)" in message and "row 2 (line 3)" in message


def test_it_accepts_participants_whose_rows_interleave(tmp_path: Path) -> None:
    rows = [ROWS[6], ROWS[2], ROWS[7], ROWS[3]]
    assert load(write(tmp_path, rows))["participant"].tolist() == ["P02", "P01", "P02", "P01"]


@pytest.mark.parametrize("value", ["2024-13-01", "2024-02-30", "01/03/2024", "2024-3-1", ""])
def test_it_refuses_a_bad_iso_date(tmp_path: Path, value: str) -> None:
    rows = ["A,2024-03-01,1,1,active,1", f"A,{value},1,1,active,1"]
    path = write(tmp_path, rows, header="participant,date,period,pair,arm,fatigue")
    refused(path, row=2, column="date", says="date")


def test_it_refuses_a_date_with_a_time_of_day() -> None:
    frame = pd.DataFrame({"participant": ["A", "A"], "period": [1, 1], "pair": [1, 1],
                          "arm": ["active"] * 2,
                          "date": pd.to_datetime(["2024-03-01 00:00", "2024-03-02 08:00"])})
    with pytest.raises(DataError, match=r"row 2, column 'date': .*without a time"):
        validate(frame)


def test_it_refuses_a_period_with_two_arms(tmp_path: Path) -> None:
    path = write(tmp_path, changed(3, "P01,4,1,1,placebo,0,,"))
    message = refused(path, row=4, column="arm", says="period 1 of participant 'P01' has arm")
    assert "'active' at row 3 (line 4)" in message and "'placebo' at row 4 (line 5)" in message


def test_it_refuses_a_period_in_two_pairs(tmp_path: Path) -> None:
    path = write(tmp_path, changed(5, "P01,6,2,2,placebo,,6,"))
    message = refused(path, row=6, column="pair", says="period 2 of participant 'P01' has pair")
    assert "pair 1 at row 5 (line 6)" in message and "pair 2 at row 6 (line 7)" in message


def test_it_refuses_a_run_in_outside_period_zero(tmp_path: Path) -> None:
    refused(write(tmp_path, changed(2, "P01,3,1,1,run-in,,4,")), row=3, column="period",
            says="the run-in is period 0")


def test_it_refuses_a_randomised_arm_in_period_zero(tmp_path: Path) -> None:
    refused(write(tmp_path, changed(1, "P01,2,0,0,active,4.5,6,")), row=2, column="arm",
            says="period 0 is the run-in")


def test_it_refuses_a_run_in_inside_a_pair(tmp_path: Path) -> None:
    refused(write(tmp_path, changed(1, "P01,2,0,1,run-in,,6,")), row=2, column="pair",
            says="pair 0 is the run-in and only the run-in")


def test_it_refuses_a_randomised_period_outside_any_pair(tmp_path: Path) -> None:
    refused(write(tmp_path, changed(5, "P01,6,2,0,placebo,,6,")), row=6, column="pair",
            says="got pair 0 in period 2")


def test_it_refuses_a_negative_dose(tmp_path: Path) -> None:
    refused(write(tmp_path, changed(2, "P01,3,1,1,active,-4.5,4,")), row=3, column="dose_mg",
            says="must not be negative, got -4.5")


def test_it_refuses_placebo_with_a_dose(tmp_path: Path) -> None:
    refused(write(tmp_path, changed(4, "P01,5,2,1,placebo,1.5,5,")), row=5, column="dose_mg",
            says="placebo row must have dose_mg 0, got 1.5")


@pytest.mark.parametrize("value", ["inf", "-inf", "1e999"])
def test_it_refuses_an_infinite_value(tmp_path: Path, value: str) -> None:
    refused(write(tmp_path, changed(4, f"P01,5,2,1,placebo,0,{value},")), row=5,
            column="fatigue", says="must be a finite number")


@pytest.mark.parametrize("column", ["participant", "period", "pair", "arm"])
def test_it_refuses_a_table_missing_a_required_column(tmp_path: Path, column: str) -> None:
    names = HEADER.split(",")
    keep = [i for i, name in enumerate(names) if name != column]
    rows = [",".join(r.split(",")[i] for i in keep) for r in ROWS]
    path = write(tmp_path, rows, header=",".join(names[i] for i in keep))
    refused(path, row=None, column=column, says=f"missing required column '{column}'")


def test_it_refuses_a_table_with_neither_day_nor_date(tmp_path: Path) -> None:
    rows = [r.split(",", 2)[0] + "," + r.split(",", 2)[2] for r in ROWS]
    path = write(tmp_path, rows, header=HEADER.replace("day,", ""))
    refused(path, row=None, column="day", says="'day' (or 'date')")


def test_it_refuses_an_outcome_that_is_not_a_column(tmp_path: Path) -> None:
    message = refused(write(tmp_path), outcomes=["pain"], row=None, column="pain",
                      says="'pain' was asked for but is not a column")
    assert "'fatigue'" in message


def test_it_refuses_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("")
    refused(path, row=None, column=None, says="empty")


def test_it_refuses_a_header_without_rows(tmp_path: Path) -> None:
    refused(write(tmp_path, []), row=None, column=None, says="a header but no rows")


def test_it_refuses_a_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(bytes(range(256)) * 8)
    refused(path, row=None, column=None, says="binary file")


def test_it_refuses_text_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(HEADER.encode() + b"\nP\xe9,1,0,0,run-in,,5,\n")
    refused(path, row=None, column=None, says="not UTF-8")


def test_it_refuses_an_unparsable_csv(tmp_path: Path) -> None:
    path = write(tmp_path, changed(2, "P01,3,1,1,active,4.5,4,x,y,z"))
    refused(path, row=None, column=None,
            says="cannot be read as CSV: line 4 has 10 fields but the header names 8 columns")


def test_it_refuses_a_csv_with_an_unclosed_quote(tmp_path: Path) -> None:
    refused(write(tmp_path, changed(7, 'P02,2,2,1,active,3,6,"never closed')), row=None,
            column=None, says="cannot be read as CSV")


def test_it_refuses_rows_with_more_fields_than_the_header_instead_of_shifting_them(
        tmp_path: Path) -> None:
    path = write(tmp_path, [row + ",extra" for row in ROWS])
    refused(path, row=None, column=None, says="line 2 has 9 fields but the header names 8")


def test_it_refuses_a_column_named_twice(tmp_path: Path) -> None:
    path = write(tmp_path, [row + ",1" for row in ROWS], header=HEADER + ",fatigue")
    refused(path, row=None, column="fatigue", says="appears twice in the header")


def test_it_refuses_a_column_without_a_name(tmp_path: Path) -> None:
    path = write(tmp_path, [row + ",1" for row in ROWS], header=HEADER + ",")
    refused(path, row=None, column=None, says="column 9 has no name")


def test_it_refuses_a_corrupt_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    path.write_bytes(b"PAR1 not really parquet")
    refused(path, row=None, column=None, says="cannot be read as Parquet")


def test_it_refuses_an_unknown_suffix_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_text(HEADER)
    refused(path, row=None, column=None, says="'.xlsx'")


def test_it_refuses_a_missing_file(tmp_path: Path) -> None:
    refused(tmp_path / "absent.csv", row=None, column=None, says="no such file")


def test_it_counts_file_lines_past_blank_lines_and_quoted_line_breaks(tmp_path: Path) -> None:
    rows = [ROWS[0], "", ROWS[1].replace(",6,", ',6,"two\nlines"'), ROWS[2], "mystery,3,1,1,x,1,1,"]
    message = refused(write(tmp_path, rows), row=4, column="arm", says="unknown arm 'x'")
    assert message.endswith("(line 7)")


def test_it_names_the_source_and_row_when_validating_a_frame() -> None:
    frame = pd.DataFrame({"participant": ["A", "A"], "day": [1, 2], "period": [1, 1],
                          "pair": [1, 1], "arm": ["active", "sugar"]})
    with pytest.raises(DataError, match=r"^<table>, row 2, column 'arm': unknown arm 'sugar'"):
        validate(frame)


def test_it_never_changes_its_input_and_keeps_the_row_order() -> None:
    frame = pd.DataFrame({"participant": ["B", "A", "B"], "day": [1.0, 1.0, 2.0],
                          "period": ["1", "1", "1"], "pair": [1, 1, 1],
                          "arm": [" placebo", "active", "placebo"], "steps": [1, 2, 3]},
                         index=[10, 20, 30])
    before = frame.copy()
    table = validate(frame)
    assert_frame_equal(frame, before)
    assert table["participant"].tolist() == ["B", "A", "B"]
    assert table["arm"].tolist() == ["placebo", "active", "placebo"]
    assert table["steps"].dtype == np.float64 and list(table.index) == [0, 1, 2]


def test_outcome_columns_lists_numeric_columns_that_are_not_design_columns(
        tmp_path: Path) -> None:
    table = load(write(tmp_path, header=HEADER + ",steps", rows=[r + ",1000" for r in ROWS]))
    assert outcome_columns(table) == ["fatigue", "steps"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".pq"])
def test_saving_and_loading_gives_back_the_same_table(tmp_path: Path, suffix: str) -> None:
    table = load(write(tmp_path), outcomes=["fatigue"])
    save(table, tmp_path / f"copy{suffix}")
    assert_frame_equal(load(tmp_path / f"copy{suffix}"), table, check_exact=True)


def test_it_refuses_to_save_to_an_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="'.txt'"):
        save(load(write(tmp_path)), tmp_path / "data.txt")


finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    start = draw(st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2200, 1, 1))))
    for who in draw(st.lists(st.text("ABCP0123-_ é", min_size=1, max_size=6).filter(str.strip),
                             min_size=1, max_size=3, unique_by=str.strip)):
        day = 0
        periods = [(0, 0, "run-in")] * draw(st.integers(0, 1))
        for pair in range(1, draw(st.integers(1, 3)) + 1):
            first = draw(st.sampled_from(["active", "placebo", "LDN 4.5 mg"]))
            periods += [(2 * pair - 1, pair, first), (2 * pair, pair, "placebo")]
        for period, pair, arm in periods:
            for _ in range(draw(st.integers(1, 3))):
                day += draw(st.integers(1, 3))
                dose = 0.0 if arm in ("placebo", "run-in") else draw(
                    st.one_of(st.just(math.nan), st.floats(0, 1e6)))
                rows.append({"participant": who.strip(), "day": day, "period": period,
                             "pair": pair, "arm": arm, "dose_mg": dose,
                             "fatigue": draw(st.one_of(st.just(math.nan), finite)),
                             "note": draw(st.sampled_from(["", "headache", "new drug, ok"]))})
                if start is not None:
                    rows[-1]["date"] = (start + timedelta(days=day - 1)).isoformat()
    return validate(pd.DataFrame(rows))


@given(table=tables(), suffix=st.sampled_from([".csv", ".parquet"]))
def test_any_valid_table_survives_a_save_and_load_unchanged(
        tmp_path_factory: pytest.TempPathFactory, table: pd.DataFrame, suffix: str) -> None:
    path = tmp_path_factory.mktemp("roundtrip") / f"table{suffix}"
    save(table, path)
    assert_frame_equal(load(path), table, check_exact=True)
