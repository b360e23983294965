"""`nof1 report` end to end through nof1.cli.main: a trial from a data file or a trial folder,
a series, and one-line refusals (exit 2) for bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_run import nof1

from nof1 import data as dataio
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table
from nof1.protocol import load_template, template_text
from nof1.trial_folder import randomize


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("data")
    rng = np.random.default_rng(21)
    design = TrialDesign(3, 28, 14, 7)
    trial = simulate_table(design, Assumptions(effect=-1.0), 1, rng).drop(columns="true_effect")
    series = simulate_table(design, Assumptions(effect=-0.5, tau=0.5), 8, rng)
    paths = {"trial": folder / "trial.csv", "series": folder / "series.csv",
             "covariates": folder / "covariates.csv"}
    dataio.save(trial, paths["trial"])
    dataio.save(series.drop(columns="true_effect"), paths["series"])
    ids = sorted(series["participant"].unique())
    pd.DataFrame({"participant": ids, "age": np.arange(30, 30 + len(ids))}).to_csv(
        paths["covariates"], index=False)
    return paths


def test_report_writes_a_trial_report_from_a_data_file(capsys, files, tmp_path):
    out = tmp_path / "trial.html"
    code, stdout, err = nof1(capsys, "report", files["trial"], "--out", out, "--mcid", "1",
                             "--washout-days", "7", "--outcome", "fatigue")
    assert code == 0, err
    assert stdout.strip() == f"wrote {out}"
    page = out.read_text(encoding="utf-8")
    assert "n-of-1" in page and "Statistical methods" in page and "MCID of 1.0 points" in page


def test_report_uses_a_protocol_for_labels_and_mcids(capsys, files, tmp_path):
    table = dataio.load(files["trial"])
    table["arm"] = table["arm"].replace({"active": "ldn-4.5mg"})
    dataio.save(table, tmp_path / "ldn.csv")
    out = tmp_path / "ldn.html"
    code, _, err = nof1(capsys, "report", tmp_path / "ldn.csv", "--out", out,
                        "--protocol", "ldn-mecfs-standard")
    assert code == 0, err
    page = out.read_text(encoding="utf-8")
    assert "LDN 4.5 mg" in page and "MCID of 2.0 points" in page


def test_report_writes_a_series_report_with_covariates(capsys, files, tmp_path):
    out = tmp_path / "series.html"
    code, stdout, err = nof1(capsys, "report", "--series", files["series"], "--outcome",
                             "fatigue", "--covariates", files["covariates"], "--mcid", "1",
                             "--out", out)
    assert code == 0, err
    assert stdout.strip() == f"wrote {out}"
    page = out.read_text(encoding="utf-8")
    assert "Series of n-of-1 trials" in page and "<td>age</td>" in page


def test_report_refuses_a_blinded_trial_folder_in_one_line(capsys, tmp_path):
    protocol = load_template("ldn-mecfs-standard")
    done = randomize(protocol, template_text("ldn-mecfs-standard"), participant="P01",
                     start=dt.date(2026, 3, 2), folder=tmp_path / "trial")
    pd.DataFrame({"day": [1, 2, 3], "fatigue": [5, 6, 5]}).to_csv(done.folder / "data.csv",
                                                                  index=False)
    code, _, err = nof1(capsys, "report", done.folder, "--out", tmp_path / "r.html")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "unblind the trial first: nof1 unblind" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["{trial}", "--out", "{tmp}/r.docx"], ".html or .pdf"),
        (["{tmp}/missing.csv", "--out", "{tmp}/r.html"], "no such file"),
        (["{trial}", "--out", "{tmp}/r.html", "--outcome", "mood"], "mood"),
        (["--out", "{tmp}/r.html"], "name the trial's DATA"),
        (["--series", "{series}", "--out", "{tmp}/r.html"], "exactly one --outcome"),
        (["{trial}", "--series", "{series}", "--outcome", "fatigue", "--out", "{tmp}/r.html"],
         "not both"),
        (["{trial}", "--out", "{tmp}/r.html", "--protocol", "no-such-protocol"], "no-such"),
        (["{series}", "--out", "{tmp}/r.html"], "holds 8 participants (S00001, S00002, S00003, "
         "S00004, S00005, ...): name one with --participant ID, or pool them with --series"),
        (["{series}", "--participant", "P9", "--out", "{tmp}/r.html"],
         "no rows for participant 'P9'; it holds S00001,"),
    ],
)
def test_report_refuses_bad_input_in_one_line(capsys, files, tmp_path, args, message):
    filled = [a.format(trial=files["trial"], series=files["series"], tmp=tmp_path) for a in args]
    code, _, err = nof1(capsys, "report", *filled)
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert message in err
