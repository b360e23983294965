"""`nof1 import` adds wearable days to a daily table by date (twice is harmless); `nof1 export`
writes FHIR, ODM and REDCap files that our own readers and validators accept, and the canonical
table as CSV or Parquet."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_run import nof1

from nof1 import data as dataio
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.interop import read_redcap

DESIGN = TrialDesign(pairs=3, period_days=28, run_in_days=14, washout_days=7)
START = pd.Timestamp("2026-03-02")


@pytest.fixture
def table_path(tmp_path: Path) -> Path:
    """Two participants' 182-day tables with calendar dates from 2 March 2026."""
    table = simulate_table(DESIGN, Assumptions(effect=-1.0), 2, np.random.default_rng(4))
    table = table.drop(columns="true_effect")
    table.insert(2, "date", (START + pd.to_timedelta(table["day"] - 1, unit="D")).dt.date)
    table["arm"] = table["arm"].replace({"active": "ldn-4.5mg"})
    path = tmp_path / "data.csv"
    dataio.save(table, path)
    return path


def steps_csv(tmp_path: Path, rows: dict[str, int], name: str = "steps.csv") -> Path:
    path = tmp_path / name
    path.write_text("date,steps\n" + "".join(f"{d},{n}\n" for d, n in rows.items()))
    return path


def test_import_adds_the_days_of_the_trial_and_leaves_out_the_others(capsys, tmp_path, table_path):
    days = {"2026-03-01": 100, "2026-03-02": 5566, "2026-03-03": 4991, "2026-09-01": 1998}
    code, out, err = nof1(
        capsys, "import", "csv", steps_csv(tmp_path, days), "--participant", "S00001",
        "--into", table_path, "--json",
    )
    assert code == 0, err
    found = json.loads(out)
    assert found["days"] == 4 and found["days_matched"] == 2
    assert found["days_outside_the_trial"] == 2 and found["values_added"] == 2
    table = dataio.load(table_path)
    mine = table[table["participant"] == "S00001"].set_index("day")
    assert mine.loc[1, "steps"] == 5566 and mine.loc[2, "steps"] == 4991
    assert mine["steps"].notna().sum() == 2
    assert table.loc[table["participant"] == "S00002", "steps"].isna().all()
    log = table_path.with_name("data.csv.provenance.jsonl").read_text().splitlines()
    assert len(log) == 1 and json.loads(log[0])["participant"] == "S00001"


def test_importing_the_same_file_again_changes_nothing(capsys, tmp_path, table_path):
    source = steps_csv(tmp_path, {"2026-03-02": 5566})
    args = ("import", "csv", source, "--participant", "S00001", "--into", table_path)
    assert nof1(capsys, *args)[0] == 0
    before = table_path.read_bytes()
    code, out, _ = nof1(capsys, *args)
    assert code == 0 and "nothing changed" in out
    assert table_path.read_bytes() == before
    assert len(table_path.with_name("data.csv.provenance.jsonl").read_text().splitlines()) == 1


def test_a_different_value_for_a_stored_day_is_refused_unless_replacing(
    capsys, tmp_path, table_path
):
    first = steps_csv(tmp_path, {"2026-03-02": 5566})
    second = steps_csv(tmp_path, {"2026-03-02": 6000}, "other.csv")
    nof1(capsys, "import", "csv", first, "--participant", "S00001", "--into", table_path)
    before = table_path.read_bytes()
    code, _, err = nof1(
        capsys, "import", "csv", second, "--participant", "S00001", "--into", table_path
    )
    assert code == 2 and "2026-03-02 already has steps" in err and "Traceback" not in err
    assert table_path.read_bytes() == before
    code, out, _ = nof1(
        capsys, "import", "csv", second, "--participant", "S00001", "--into", table_path,
        "--replace",
    )
    assert code == 0 and "1 replaced" in out
    table = dataio.load(table_path)
    assert table[table["participant"] == "S00001"].set_index("day").loc[1, "steps"] == 6000


def test_without_into_nothing_is_written(capsys, tmp_path, table_path):
    before = table_path.read_bytes()
    code, out, _ = nof1(
        capsys, "import", "csv", steps_csv(tmp_path, {"2026-03-02": 10}), "--participant", "S1"
    )
    assert code == 0 and "Nothing written" in out
    assert table_path.read_bytes() == before


def test_a_hostile_apple_export_is_refused_and_the_table_is_untouched(capsys, tmp_path, table_path):
    bomb = tmp_path / "export.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE HealthData [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><HealthData>&b;</HealthData>'
    )
    before = table_path.read_bytes()
    code, _, err = nof1(
        capsys, "import", "apple-health", bomb, "--participant", "S00001", "--into", table_path
    )
    assert code == 2 and "Traceback" not in err and err.strip()
    assert table_path.read_bytes() == before


def test_a_table_without_dates_is_refused_clearly(capsys, tmp_path, table_path):
    table = dataio.load(table_path).drop(columns="date")
    no_dates = tmp_path / "days.csv"
    dataio.save(table, no_dates)
    code, _, err = nof1(
        capsys, "import", "csv", steps_csv(tmp_path, {"2026-03-02": 1}), "--participant",
        "S00001", "--into", no_dates,
    )
    assert code == 2 and "no 'date' column" in err


def test_export_writes_a_fhir_bundle_that_validates(capsys, tmp_path, table_path):
    from fhir.resources.bundle import Bundle

    out = tmp_path / "bundle.json"
    code, _, err = nof1(
        capsys, "export", "fhir", table_path, "--protocol", "ldn-mecfs-standard", "--out", out
    )
    assert code == 0, err
    bundle = Bundle.model_validate_json(out.read_text())
    kinds = {entry.resource.get_resource_type() for entry in bundle.entry}
    assert {"ResearchStudy", "ResearchSubject", "QuestionnaireResponse"} <= kinds


def test_export_writes_odm_xml(capsys, tmp_path, table_path):
    out = tmp_path / "study.xml"
    assert nof1(capsys, "export", "odm", table_path, "--protocol", "ldn-mecfs-standard",
                "--out", out)[0] == 0
    assert b"http://www.cdisc.org/ns/odm/v1.3" in out.read_bytes()


def test_export_writes_redcap_files_that_read_back(capsys, tmp_path, table_path):
    out = tmp_path / "records.csv"
    code, stdout, err = nof1(
        capsys, "export", "redcap", table_path, "--protocol", "ldn-mecfs-standard", "--out", out
    )
    assert code == 0, err
    dictionary = tmp_path / "records-dictionary.csv"
    assert str(dictionary) in stdout
    outcomes, table = read_redcap(dictionary, out)
    assert [o.id for o in outcomes] == ["fatigue"]
    original = dataio.load(table_path)
    assert table["fatigue"].tolist() == pytest.approx(original["fatigue"].tolist(), nan_ok=True)


@pytest.mark.parametrize("name", ["copy.csv", "copy.parquet"])
def test_export_writes_the_canonical_table_that_loads_back_exactly(
    capsys, tmp_path, table_path, name
):
    out = tmp_path / name
    code, stdout, err = nof1(capsys, "export", name.split(".")[1], table_path, "--out", out)
    assert code == 0, err
    assert str(out) in stdout
    pd.testing.assert_frame_equal(dataio.load(out), dataio.load(table_path), check_dtype=False)


def test_export_refuses_a_mismatched_suffix_or_a_missing_protocol(capsys, tmp_path, table_path):
    code, _, err = nof1(capsys, "export", "parquet", table_path, "--out", tmp_path / "x.csv")
    assert code != 0 and ".parquet or .pq" in err
    code, _, err = nof1(capsys, "export", "fhir", table_path, "--out", tmp_path / "x.json")
    assert code != 0 and "--protocol" in err
    assert not list(tmp_path.glob("x.*"))


def test_apple_zip_imports_through_the_command(capsys, tmp_path, table_path):
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_GB">\n'
        ' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Watch" unit="count" '
        'startDate="2026-03-03 10:00:00 +0000" endDate="2026-03-03 10:10:00 +0000" '
        'value="1234"/>\n</HealthData>\n'
    )
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("apple_health_export/export.xml", xml)
    code, _, err = nof1(
        capsys, "import", "apple-health", archive, "--participant", "S00002", "--into", table_path
    )
    assert code == 0, err
    table = dataio.load(table_path)
    mine = table[table["participant"] == "S00002"].set_index("day")
    assert mine.loc[2, "steps"] == 1234
