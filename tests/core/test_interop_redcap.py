"""REDCap export: a data dictionary REDCap accepts, records in its import format, and a
reader that gives back the same table and the same outcome ids and ranges."""

import csv
import io

import numpy as np
import pandas as pd
import pytest

from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.exceptions import DataError
from nof1.interop import read_redcap, redcap_dictionary, redcap_records, write_redcap
from nof1.interop._table import prepare
from nof1.interop.redcap import DICTIONARY_COLUMNS
from nof1.protocol import load_template

PROTOCOL = load_template("ldn-mecfs-standard")
STANDARD_COLUMNS = [
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note",
    "Text Validation Type OR Show Slider Number", "Text Validation Min", "Text Validation Max",
    "Identifier?", "Branching Logic (Show field only if...)", "Required Field?",
    "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
]


def trial_table(participants=2, seed=5, *, dates=False, blinded=False):
    design = TrialDesign(pairs=1, period_days=7, run_in_days=3)
    rng = np.random.default_rng(seed)
    table = simulate_table(design, Assumptions(), participants, rng)
    table["arm"] = table["arm"].replace({"active": "ldn-4.5mg"})
    table["pain"] = simulate_table(design, Assumptions(), participants, rng, outcome="pain")["pain"]
    table["promis_fatigue"] = np.where(table["day"] % 7 == 0, 48.25, np.nan)
    table["side_effects"] = np.where(table["day"] % 5 == 0, "nausea;headache", "")
    table["steps"] = np.where(table["day"] % 4 == 0, np.nan, 3000.0 + table["day"])
    table.loc[1, "pain"] = 1e-7  # a value a careless writer would put in exponent notation
    if dates:
        table.insert(2, "date", [f"2024-03-{d:02d}" for d in table["day"]])
    if blinded:
        table = table.drop(columns=["arm", "dose_mg"])
    return table


def dictionary_rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def round_trip(table, **options):
    dictionary = redcap_dictionary(PROTOCOL, table, **options)
    records = redcap_records(PROTOCOL, table, **options)
    return read_redcap(io.StringIO(dictionary), io.StringIO(records))


def test_the_dictionary_has_the_18_standard_columns_and_record_id_first():
    text = redcap_dictionary(PROTOCOL, trial_table())
    header = next(csv.reader(io.StringIO(text)))
    assert header == STANDARD_COLUMNS == list(DICTIONARY_COLUMNS)
    rows = dictionary_rows(text)
    assert rows[0]["Variable / Field Name"] == "record_id"
    assert {r["Form Name"] for r in rows[1:]} == {"daily"}


def test_field_names_follow_redcaps_rules():
    for row in dictionary_rows(redcap_dictionary(PROTOCOL, trial_table(dates=True))):
        name = row["Variable / Field Name"]
        assert name[0].isalpha() and name == name.lower() and len(name) <= 26
        assert all(c.isalnum() or c == "_" for c in name)
        assert row["Field Type"] == "text"


def test_outcomes_are_number_fields_with_the_scales_range():
    rows = {r["Variable / Field Name"]: r for r in
            dictionary_rows(redcap_dictionary(PROTOCOL, trial_table()))}
    for outcome in PROTOCOL.outcomes:
        if outcome.id not in ("fatigue", "pain", "promis_fatigue"):
            continue
        row = rows[outcome.id]
        assert row["Text Validation Type OR Show Slider Number"] == "number"
        assert float(row["Text Validation Min"]) == outcome.scale.min
        assert float(row["Text Validation Max"]) == outcome.scale.max
        assert row["Field Label"] == outcome.label
    assert rows["fatigue"]["Field Note"].endswith("0 = no fatigue, 10 = worst imaginable")
    assert rows["day"]["Text Validation Type OR Show Slider Number"] == "integer"
    assert rows["side_effects"]["Text Validation Type OR Show Slider Number"] == ""


def test_records_use_a_repeating_daily_instrument():
    table = trial_table()
    records = list(csv.DictReader(io.StringIO(redcap_records(PROTOCOL, table))))
    assert list(records[0])[:3] == ["record_id", "redcap_repeat_instrument",
                                    "redcap_repeat_instance"]
    first = [r for r in records if r["record_id"] == "S00001"]
    assert first[0]["redcap_repeat_instrument"] == "" and first[0]["day"] == ""
    daily = first[1:]
    assert {r["redcap_repeat_instrument"] for r in daily} == {"daily"}
    assert [int(r["redcap_repeat_instance"]) for r in daily] == list(range(1, len(daily) + 1))
    assert [int(r["day"]) for r in daily] == list(table.loc[table["participant"] == "S00001",
                                                             "day"])
    assert records[2]["pain"] == "0.0000001"  # REDCap's number validation has no exponents


@pytest.mark.parametrize("options", [{}, {"dates": True}, {"blinded": True}])
def test_export_then_import_gives_the_same_table_and_outcomes(options):
    table = trial_table(**options)
    specs, back = round_trip(table)
    expected = prepare(PROTOCOL, table).table
    pd.testing.assert_frame_equal(back[list(expected.columns)], expected, check_dtype=False)
    assert set(back.columns) == set(expected.columns)
    by_id = {o.id: o for o in PROTOCOL.outcomes}
    assert [s.id for s in specs] == ["fatigue", "pain", "promis_fatigue"]
    for spec in specs:
        scale = by_id[spec.id].scale
        assert (spec.min, spec.max, spec.unit) == (scale.min, scale.max, scale.unit)
        assert spec.label == by_id[spec.id].label
        assert spec.better == by_id[spec.id].better
    assert back["fatigue"].dtype == np.float64 and back["day"].dtype == np.int64


def test_it_writes_and_reads_files(tmp_path):
    table = trial_table()
    write_redcap(PROTOCOL, table, tmp_path / "dictionary.csv", tmp_path / "records.csv",
                 outcomes=["fatigue"])
    specs, back = read_redcap(tmp_path / "dictionary.csv", tmp_path / "records.csv")
    assert [s.id for s in specs] == ["fatigue"]
    np.testing.assert_array_equal(back["fatigue"].to_numpy(), table["fatigue"].to_numpy())


def test_it_reads_a_dictionary_without_nof1_annotations():
    table = trial_table()
    dictionary = redcap_dictionary(PROTOCOL, table).replace("nof1 outcome;", "note;")
    specs, _ = read_redcap(io.StringIO(dictionary),
                           io.StringIO(redcap_records(PROTOCOL, table)))
    assert [(s.id, s.min, s.max) for s in specs] == [
        ("fatigue", 0, 10), ("pain", 0, 10), ("promis_fatigue", 0, 100)]


@pytest.mark.parametrize(("column", "message"), [
    ("Side Effects", "cannot be a REDCap field name"),
    ("9lives", "cannot be a REDCap field name"),
    ("daily_complete", "reserved by REDCap"),
    ("redcap_event_name", "reserved by REDCap"),
])
def test_it_refuses_columns_redcap_cannot_name(column, message):
    table = trial_table()
    table[column] = 1.0
    with pytest.raises(DataError, match=message):
        redcap_dictionary(PROTOCOL, table)


def test_it_refuses_an_unknown_outcome_and_an_empty_table():
    with pytest.raises(DataError, match="unknown outcome 'energy'"):
        redcap_records(PROTOCOL, trial_table(), outcomes=["energy"])
    with pytest.raises(DataError, match="empty"):
        redcap_dictionary(PROTOCOL, trial_table().iloc[0:0])


def test_the_reader_refuses_what_is_not_a_redcap_export():
    table = trial_table()
    records = io.StringIO(redcap_records(PROTOCOL, table))
    with pytest.raises(DataError, match="not a REDCap data dictionary"):
        read_redcap(io.StringIO("a,b\n1,2\n"), records)
    dictionary = redcap_dictionary(PROTOCOL, table)
    with pytest.raises(DataError, match="records have no column 'pain'"):
        read_redcap(io.StringIO(dictionary),
                    io.StringIO(redcap_records(PROTOCOL, table.drop(columns="pain"))))
    rows = list(csv.reader(io.StringIO(redcap_records(PROTOCOL, table))))
    rows[3][rows[0].index("fatigue")] = "much"
    edited = io.StringIO()
    csv.writer(edited).writerows(rows)
    with pytest.raises(DataError, match="row 2, column 'fatigue': fatigue must be a number"):
        read_redcap(io.StringIO(dictionary), io.StringIO(edited.getvalue()))
