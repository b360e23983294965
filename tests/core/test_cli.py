"""The `nof1` command: the JSON of the CLI contract, readable tables, and refusals that name
the file, row and column in one line on stderr with exit status 2 and never a traceback.

Commands run in-process through `nof1.cli.main`, the console script's entry point, so they
cost milliseconds; one test runs the installed `nof1` script in a subprocess.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_run import nof1

from nof1 import data as dataio
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table

ANALYZE_KEYS = {"participant", "outcome", "n_days", "effect", "prob_benefit",
                "prob_benefit_mcid", "prob_harm_mcid", "rho", "sigma", "randomization_p"}
SERIES_KEYS = {"outcome", "n_participants", "mu", "tau", "coefficients",
               "prob_new_patient_benefit_mcid", "participants"}
SIMULATE_KEYS = {"design", "assumptions", "n_trials", "mcid", "threshold", "better", "seed",
                 "decision_rate", "correct_rate", "coverage95", "bias", "rmse",
                 "mean_posterior_sd"}
PLAN_KEYS = {"pairs", "period_days", "trial_days", "washout_days", "decision_rate",
             "false_positive_rate", "correct_rate", "coverage95", "mean_posterior_sd", "seed"}
# 7-day run-in, then 3 AB/BA pairs of 14-day periods: 91 days, row k of a participant = day k
DESIGN = TrialDesign(pairs=3, period_days=14, run_in_days=7)


def nof1_json(capsys: pytest.CaptureFixture[str], *args: object) -> object:
    code, out, err = nof1(capsys, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def write(table, path: Path) -> Path:
    dataio.save(table, path)
    return path


@pytest.fixture(scope="module")
def trials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two participants with a strong effect (-3 against a residual SD of 1)."""
    table = simulate_table(DESIGN, Assumptions(effect=-3.0, sigma=1.0, rho=0.3,
                                               missing_rate=0.05), 2, np.random.default_rng(1))
    return write(table, tmp_path_factory.mktemp("cli") / "trials.csv")


@pytest.fixture(scope="module")
def unclear(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One participant whose effect is small against the noise, so probabilities are not 0 or 1."""
    table = simulate_table(DESIGN, Assumptions(effect=-0.3, sigma=1.5, rho=0.3), 1,
                           np.random.default_rng(5))
    return write(table.drop(columns="true_effect"), tmp_path_factory.mktemp("cli") / "one.csv")


@pytest.fixture(scope="module")
def series_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Six participants and a covariates CSV with a number and a text column."""
    folder = tmp_path_factory.mktemp("series")
    table = simulate_table(TrialDesign(pairs=2, period_days=10),
                           Assumptions(effect=-1.0, tau=0.5, sigma=1.0, rho=0.3), 6,
                           np.random.default_rng(2))
    covariates = folder / "covariates.csv"
    covariates.write_text("participant,age,sex\nS00001,40,f\nS00002,50,m\nS00003,31,f\n"
                          "S00004,45,m\nS00005,60,x\nS00006,22,f\n")
    return write(table, folder / "series.csv"), covariates


def edited(good: Path, folder: Path, name: str, edit) -> Path:
    """A copy of a one-participant CSV with its data rows (row k = lines[k]) edited."""
    lines = good.read_text().splitlines()
    edit(lines, lines[0].split(","))
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def set_cell(row: int, column: str, value: str):
    def edit(lines: list[str], header: list[str]) -> None:
        cells = lines[row].split(",")
        cells[header.index(column)] = value
        lines[row] = ",".join(cells)
    return edit


def numbers(*values: object) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


# analyze --json


def test_analyze_json_gives_a_list_of_contract_objects_when_data_holds_several(capsys, trials):
    out = nof1_json(capsys, "analyze", trials, "--outcome", "fatigue")
    assert isinstance(out, list)
    assert [o["participant"] for o in out] == ["S00001", "S00002"]
    for obj in out:
        assert set(obj) == ANALYZE_KEYS
        assert set(obj["effect"]) == {"mean", "sd", "median", "ci95"}
        assert set(obj["rho"]) == set(obj["sigma"]) == {"mean", "ci95"}
        assert obj["outcome"] == "fatigue"


def test_analyze_json_gives_one_object_for_the_participant_asked_for(capsys, trials):
    out = nof1_json(capsys, "analyze", trials, "--outcome", "fatigue", "--participant", "S00002")
    assert isinstance(out, dict)
    assert set(out) == ANALYZE_KEYS
    assert out["participant"] == "S00002"


def test_analyze_json_values_are_numbers_and_intervals_run_low_to_high(capsys, trials):
    out = nof1_json(capsys, "analyze", trials, "--outcome", "fatigue", "--participant", "S00001")
    rows = dataio.load(trials)
    mine = rows[(rows["participant"] == "S00001") & (rows["period"] > 0)]
    assert out["n_days"] == int(mine["fatigue"].notna().sum())
    effect, rho, sigma = out["effect"], out["rho"], out["sigma"]
    assert numbers(effect["mean"], effect["sd"], effect["median"], rho["mean"], sigma["mean"],
                   out["prob_benefit"], out["randomization_p"])
    for part in (effect, rho, sigma):
        assert len(part["ci95"]) == 2 and numbers(*part["ci95"])
        assert part["ci95"][0] < part["mean"] < part["ci95"][1]
    assert -1 < rho["ci95"][0] and rho["ci95"][1] < 1 and sigma["ci95"][0] > 0
    assert effect["ci95"][1] < 0  # an effect of -3 against noise of SD 1
    assert 0 <= out["prob_benefit"] <= 1


def test_analyze_json_gives_mcid_probabilities_only_when_an_mcid_is_given(capsys, unclear):
    plain = nof1_json(capsys, "analyze", unclear, "--outcome", "fatigue")
    assert plain["prob_benefit_mcid"] is None and plain["prob_harm_mcid"] is None
    with_mcid = nof1_json(capsys, "analyze", unclear, "--outcome", "fatigue", "--mcid", "0.5")
    assert numbers(with_mcid["prob_benefit_mcid"], with_mcid["prob_harm_mcid"])
    assert 0 < with_mcid["prob_benefit_mcid"] < with_mcid["prob_benefit"]
    assert with_mcid["effect"] == plain["effect"]


def test_three_pairs_with_a_strong_effect_give_a_randomisation_p_of_one_eighth(capsys, trials):
    """3 pairs can be ordered 2^3 = 8 ways; the observed order is the most favourable one."""
    out = nof1_json(capsys, "analyze", trials, "--outcome", "fatigue")
    assert [o["randomization_p"] for o in out] == [0.125, 0.125]


def test_better_higher_turns_the_probabilities_around(capsys, unclear):
    args = ("analyze", unclear, "--outcome", "fatigue", "--mcid", "0.5")
    lower = nof1_json(capsys, *args)
    higher = nof1_json(capsys, *args, "--better", "higher")
    assert 0.01 < lower["prob_benefit"] < 0.99
    assert higher["prob_benefit"] == pytest.approx(1 - lower["prob_benefit"], abs=1e-9)
    assert higher["prob_benefit_mcid"] == pytest.approx(lower["prob_harm_mcid"], abs=1e-12)
    assert higher["prob_harm_mcid"] == pytest.approx(lower["prob_benefit_mcid"], abs=1e-12)
    assert higher["effect"] == lower["effect"]


def with_exertion(path: Path, out: Path) -> Path:
    """The trials with the diary's exertion rating and a wearable's steps added."""
    table = dataio.load(path)
    rng = np.random.default_rng(2)
    table["exertion_yesterday"] = np.round(rng.uniform(0, 10, len(table)))
    table["steps"] = np.round(rng.lognormal(8.3, 0.4, len(table)))
    return write(table, out)


def test_analyze_adjust_exertion_keeps_the_contract_and_adds_the_exertion_key(capsys, trials,
                                                                               tmp_path):
    data = with_exertion(trials, tmp_path / "exertion.csv")
    plain = nof1_json(capsys, "analyze", data, "--outcome", "fatigue", "--mcid", "1")
    out = nof1_json(capsys, "analyze", data, "--outcome", "fatigue", "--mcid", "1",
                    "--adjust-exertion")
    for before, after in zip(plain, out, strict=True):
        assert set(after) == ANALYZE_KEYS | {"exertion"}
        assert {k: after[k] for k in ANALYZE_KEYS} == before  # the main analysis is unchanged
        ex = after["exertion"]
        assert ex["source"] == "exertion_yesterday" and ex["lags"] == [1, 2, 3]
        assert set(ex["coefficients"]) == {"exertion_lag1", "exertion_lag2", "exertion_lag3"}
        assert ex["shift"] == pytest.approx(ex["effect"]["mean"] - before["effect"]["mean"])
        assert set(ex["conclusion"]) == {"unadjusted", "adjusted", "changed"}
        assert ex["n_days"] <= before["n_days"]
    steps = nof1_json(capsys, "analyze", data, "--outcome", "fatigue", "--participant", "S00001",
                      "--adjust-exertion", "steps", "--exertion-lags", "2")
    assert steps["exertion"]["source"] == "steps" and steps["exertion"]["lags"] == [1, 2]


def test_analyze_adjust_exertion_says_whether_the_conclusion_changed(capsys, trials, tmp_path):
    data = with_exertion(trials, tmp_path / "exertion.csv")
    code, out, err = nof1(capsys, "analyze", data, "--outcome", "fatigue", "--adjust-exertion")
    assert code == 0, err
    assert out.count("adjusted for exertion (exertion_yesterday) on days 1, 2, 3 before") == 2
    assert "(unchanged)" in out or "(changed)" in out


def test_analyze_refuses_to_adjust_an_outcome_for_itself_or_for_a_missing_column(
    capsys, trials, tmp_path
):
    data = with_exertion(trials, tmp_path / "exertion.csv")
    code, _, err = nof1(capsys, "analyze", data, "--outcome", "steps", "--log-offset", "1",
                        "--adjust-exertion", "steps")
    assert code == 2 and err.startswith("error: ") and "own earlier days" in err
    code, _, err = nof1(capsys, "analyze", trials, "--outcome", "fatigue", "--adjust-exertion")
    assert code == 2 and "exertion_yesterday" in err and len(err.strip().splitlines()) == 1


# analyze, people's output


def test_analyze_prints_a_table_naming_each_participant_and_placebo(capsys, trials):
    code, out, err = nof1(capsys, "analyze", trials, "--outcome", "fatigue", "--mcid", "1")
    assert code == 0, err
    for words in ("S00001", "S00002", "active minus placebo", "lower is better", "P(benefit)",
                  "P(benefit >= 1)", "rand. p", "0.125"):
        assert words in out


def test_analyze_table_without_an_mcid_heads_each_column_differently(capsys, unclear):
    """Without --mcid there is no P(benefit >= MCID) column (it was a second "P(benefit)")."""
    code, out, _ = nof1(capsys, "analyze", unclear, "--outcome", "fatigue")
    assert code == 0
    header = next(line for line in out.splitlines() if "participant" in line)
    assert header.count("P(benefit") == 1


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "table"])
def test_an_arm_the_table_does_not_hold_is_refused(capsys, trials, as_json):
    """Was a KeyError traceback with --json and an empty table with exit 0 without it."""
    args = ["analyze", trials, "--outcome", "fatigue", "--arm", "LDN 9mg"]
    code, _, err = nof1(capsys, *args, *(["--json"] if as_json else []))
    assert code == 2
    assert "LDN 9mg" in err and err.startswith("error: ")


# series


def test_series_json_has_exactly_the_contract_keys(capsys, series_data):
    data, _ = series_data
    out = nof1_json(capsys, "series", data, "--outcome", "fatigue", "--mcid", "0.5")
    assert set(out) == SERIES_KEYS
    assert out["outcome"] == "fatigue" and out["n_participants"] == 6
    assert set(out["mu"]) == set(out["tau"]) == {"mean", "sd", "ci95"}
    assert out["mu"]["ci95"][0] < out["mu"]["mean"] < out["mu"]["ci95"][1]
    assert 0 <= out["tau"]["ci95"][0] < out["tau"]["ci95"][1]
    assert out["coefficients"] == {}
    assert numbers(out["prob_new_patient_benefit_mcid"])
    assert [p["participant"] for p in out["participants"]] == [f"S0000{i}" for i in range(1, 7)]
    for p in out["participants"]:
        assert set(p) == {"participant", "effect", "prob_benefit_mcid"}
        assert set(p["effect"]) == {"mean", "sd", "median", "ci95"}
        assert numbers(p["prob_benefit_mcid"], *p["effect"]["ci95"])


def test_series_without_an_mcid_gives_null_mcid_probabilities(capsys, series_data):
    out = nof1_json(capsys, "series", series_data[0], "--outcome", "fatigue")
    assert out["prob_new_patient_benefit_mcid"] is None
    assert all(p["prob_benefit_mcid"] is None for p in out["participants"])


def test_series_covariates_are_named_by_column_and_by_level_after_the_first(capsys, series_data):
    data, covariates = series_data
    out = nof1_json(capsys, "series", data, "--outcome", "fatigue", "--covariates", covariates)
    assert set(out["coefficients"]) == {"age", "sex[m]", "sex[x]"}
    for coefficient in out["coefficients"].values():
        assert set(coefficient) == {"mean", "sd", "ci95"}
        assert coefficient["ci95"][0] < coefficient["ci95"][1]


def test_series_prints_a_summary_of_the_average_effect_and_the_spread(capsys, series_data):
    code, out, err = nof1(capsys, "series", series_data[0], "--outcome", "fatigue",
                          "--mcid", "0.5")
    assert code == 0, err
    for words in ("Series of 6", "fatigue", "lower is better", "average effect mu",
                  "between-patient SD tau", "new patient", "MCID 0.5"):
        assert words in out
    # every participant gets a row with its own and its shrunken estimate
    assert "shrunken" in out and "own estimate" in out
    for pid in ("S00001", "S00006"):
        assert pid in out


def test_a_blank_in_a_text_covariate_is_refused_in_one_line(capsys, series_data, tmp_path):
    """Was a TypeError traceback from sorting the levels of a column holding NaN."""
    data, _ = series_data
    covariates = tmp_path / "blank.csv"
    covariates.write_text("participant,sex\nS00001,f\nS00002,\nS00003,f\nS00004,m\n"
                          "S00005,m\nS00006,f\n")
    code, _, err = nof1(capsys, "series", data, "--outcome", "fatigue", "--covariates",
                        covariates)
    assert code == 2 and "sex" in err


# simulate, plan, demo


def test_simulate_json_gives_the_operating_characteristics_and_the_same_seed_repeats(capsys):
    args = ("simulate", "--n-trials", "300", "--seed", "1", "--json")
    first = nof1(capsys, *args)
    assert first[0] == 0, first[2]
    out = json.loads(first[1])
    assert set(out) == SIMULATE_KEYS
    assert out["design"] == {"pairs": 3, "period_days": 28, "run_in_days": 14, "washout_days": 7}
    assert out["n_trials"] == 300 and out["seed"] == 1
    assert all(0 <= out[k] <= 1 for k in ("decision_rate", "correct_rate", "coverage95"))
    assert nof1(capsys, *args)[1] == first[1]


def test_plan_json_gives_one_row_per_design_and_the_same_seed_repeats(capsys):
    args = ("plan", "--n-trials", "100", "--pairs", "2,3", "--period-days", "14", "--seed", "1",
            "--json")
    first = nof1(capsys, *args)
    assert first[0] == 0, first[2]
    rows = json.loads(first[1])
    assert [(r["pairs"], r["period_days"]) for r in rows] == [(2, 14), (3, 14)]
    assert all(set(r) == PLAN_KEYS and r["seed"] == 1 for r in rows)
    assert [r["trial_days"] for r in rows] == [14 + 2 * 2 * 14, 14 + 2 * 3 * 14]
    assert nof1(capsys, *args)[1] == first[1]


def test_simulate_out_writes_a_table_the_loader_accepts(capsys, tmp_path):
    path = tmp_path / "simulated.csv"
    code, out, err = nof1(capsys, "simulate", "--n-trials", "20", "--seed", "3", "--out", path,
                          "--participants", "3")
    assert code == 0, err
    assert "seed 3" in out and f"wrote 3 simulated trial(s) to {path}" in out
    table = dataio.load(path, outcomes=["fatigue"])
    assert table["participant"].nunique() == 3
    assert set(table["arm"]) == {"run-in", "active", "placebo"}


def test_demo_writes_its_data_and_prints_both_analyses(capsys, tmp_path):
    code, out, err = nof1(capsys, "demo", "--out", tmp_path / "d")
    assert code == 0, err
    assert (tmp_path / "d" / "demo-trial.csv").is_file()
    assert (tmp_path / "d" / "demo-series.csv").is_file()
    for words in ("DEMO01", "minus placebo", "Series of 40", "average effect mu"):
        assert words in out
    for name in ("demo-trial-report", "demo-series-report"):
        html = (tmp_path / "d" / f"{name}.html").read_text(encoding="utf-8")
        assert "n-of-1" in html and "evidence-card" in html
        assert (tmp_path / "d" / f"{name}.pdf").read_bytes().startswith(b"%PDF-")
        assert str(tmp_path / "d" / f"{name}.pdf") in out.replace("\n", "")


# refusals


BAD_ROWS = {
    # name: (edit, row, column, words in the message)
    "unknown arm": (set_cell(30, "arm", "LDN"), 30, "arm", "unknown arm 'LDN'"),
    "duplicate participant-day": (
        lambda lines, _: lines.__setitem__(31, lines[30]), 31, "day", "has day 30 twice"),
    "text in the outcome": (set_cell(30, "fatigue", "high"), 30, "fatigue", "'high'"),
    "days out of order": (
        lambda lines, _: lines.__setitem__(slice(30, 32), [lines[31], lines[30]]), 31, "day",
        "days out of order"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_a_bad_row_is_refused_naming_the_file_row_and_column(capsys, unclear, tmp_path, case):
    edit, row, column, words = BAD_ROWS[case]
    path = edited(unclear, tmp_path, "bad.csv", edit)
    code, out, err = nof1(capsys, "analyze", path, "--outcome", "fatigue", "--json")
    assert code == 2 and out == ""
    assert err.startswith(f"error: {path}, row {row}, column '{column}': ")
    assert words in err and err.count("\n") == 1


def test_an_empty_file_is_refused(capsys, tmp_path):
    (path := tmp_path / "empty.csv").write_text("")
    code, _, err = nof1(capsys, "analyze", path, "--outcome", "fatigue")
    assert code == 2 and err.startswith(f"error: {path}: ") and "empty" in err


def test_a_missing_required_column_is_refused_naming_it(capsys, unclear, tmp_path):
    def drop_arm(lines: list[str], header: list[str]) -> None:
        j = header.index("arm")
        lines[:] = [",".join(c for i, c in enumerate(line.split(",")) if i != j)
                    for line in lines]
    path = edited(unclear, tmp_path, "no-arm.csv", drop_arm)
    code, _, err = nof1(capsys, "analyze", path, "--outcome", "fatigue")
    assert code == 2 and err.startswith(f"error: {path}, column 'arm': ")
    assert "missing required column 'arm'" in err


def test_a_missing_file_is_refused(capsys, tmp_path):
    code, _, err = nof1(capsys, "analyze", tmp_path / "nowhere.csv", "--outcome", "fatigue")
    assert code == 2 and err == f"error: {tmp_path / 'nowhere.csv'}: no such file\n"


@pytest.mark.parametrize("command", ["analyze", "series"])
def test_an_outcome_that_is_not_a_column_is_refused(capsys, unclear, command):
    code, _, err = nof1(capsys, command, unclear, "--outcome", "pain")
    assert code == 2 and err.startswith(f"error: {unclear}, column 'pain': ")
    assert "'fatigue'" in err  # the columns there are


def test_an_unknown_participant_is_refused_naming_those_found(capsys, trials):
    code, out, err = nof1(capsys, "analyze", trials, "--outcome", "fatigue",
                          "--participant", "P99", "--json")
    assert code == 2 and out == ""
    assert err.startswith(f"error: {trials}: ") and "'P99'" in err and "S00001, S00002" in err


@pytest.mark.parametrize("args, option", [
    (("analyze", "--better", "sideways"), "--better"),
    (("analyze", "--mcid", "-1"), "--mcid"),
    (("analyze", "--washout-days", "-1"), "--washout-days"),
    (("series", "--tau-scale", "0"), "--tau-scale"),
], ids=["better sideways", "negative mcid", "negative washout", "zero tau scale"])
def test_a_bad_option_value_is_a_usage_error(capsys, unclear, args, option):
    command, *rest = args
    code, out, err = nof1(capsys, command, unclear, "--outcome", "fatigue", *rest)
    assert code == 2 and out == ""
    assert f"Invalid value for '{option}'" in err and f"{command} --help" in err


@pytest.mark.parametrize("args", [("--pairs", "two"), ("--pairs", "0"), ("--period-days", "")])
def test_plan_refuses_a_list_that_is_not_whole_numbers(capsys, args):
    code, _, err = nof1(capsys, "plan", "--n-trials", "1", *args)
    assert code == 2 and "Invalid value" in err


def test_simulate_refuses_a_washout_as_long_as_the_period(capsys):
    code, _, err = nof1(capsys, "simulate", "--period-days", "7", "--washout-days", "7",
                        "--n-trials", "1", "--seed", "1")
    assert code == 2 and err.startswith("error: ") and "washout" in err


def test_the_missing_rate_range_in_the_help_is_the_one_simulate_accepts(capsys):
    """0.9 is either accepted, or refused as a usage error by the option's own range (it was
    allowed by the help, then refused by the simulation with another message)."""
    code, _, err = nof1(capsys, "simulate", "--missing-rate", "0.9", "--n-trials", "5",
                        "--seed", "1", "--json")
    assert code == 0 or "Invalid value for '--missing-rate'" in err, err


def test_covariates_missing_a_participant_are_refused(capsys, series_data, tmp_path):
    data, _ = series_data
    covariates = tmp_path / "some.csv"
    covariates.write_text("participant,age\nS00001,40\nS00002,50\n")
    code, out, err = nof1(capsys, "series", data, "--outcome", "fatigue", "--covariates",
                          covariates, "--json")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "no covariates" in err and "S00003" in err


def test_the_covariates_refusal_names_the_covariates_file(capsys, series_data, tmp_path):
    """The series model's refusals of the covariates table name the file the CLI read."""
    data, _ = series_data
    covariates = tmp_path / "some.csv"
    covariates.write_text("participant,age\nS00001,40\nS00002,50\n")
    _, _, err = nof1(capsys, "series", data, "--outcome", "fatigue", "--covariates", covariates)
    assert str(covariates) in err


def test_a_missing_covariates_file_is_refused_naming_it(capsys, series_data, tmp_path):
    code, _, err = nof1(capsys, "series", series_data[0], "--outcome", "fatigue",
                        "--covariates", tmp_path / "none.csv")
    assert code == 2 and err == f"error: {tmp_path / 'none.csv'}: no such file\n"


@pytest.fixture(scope="module")
def too_short(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run-in, then only the first 2 days of periods 1 and 2: 4 days for 3 coefficients."""
    table = simulate_table(DESIGN, Assumptions(missing_rate=0.0), 2, np.random.default_rng(4))
    start = DESIGN.run_in_days + 1 + (table["period"] - 1) * DESIGN.period_days
    keep = (table["period"] == 0) | ((table["period"] <= 2) & (table["day"] - start < 2))
    return write(table[keep], tmp_path_factory.mktemp("short") / "short.csv")


def test_a_trial_with_too_few_days_is_refused_as_insufficient_data(capsys, too_short):
    code, out, err = nof1(capsys, "analyze", too_short, "--outcome", "fatigue", "--json")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "too few" in err and err.count("\n") == 1


def test_the_too_few_days_refusal_names_the_file_and_the_participant(capsys, too_short):
    """With several participants the user must learn whose trial is too short."""
    _, _, err = nof1(capsys, "analyze", too_short, "--outcome", "fatigue")
    assert str(too_short) in err and "S00001" in err


def test_a_series_with_too_few_participants_is_refused(capsys, unclear):
    code, _, err = nof1(capsys, "series", unclear, "--outcome", "fatigue")
    assert code == 2 and err.startswith("error: ") and "at least 2" in err


def test_the_installed_script_prints_json_and_one_line_errors_without_a_traceback(
        trials, tmp_path):
    script = shutil.which("nof1", path=str(Path(sys.executable).parent)) or shutil.which("nof1")
    assert script, "the nof1 console script is not installed: pip install -e ."
    good = subprocess.run([script, "analyze", str(trials), "--outcome", "fatigue", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stderr
    assert len(json.loads(good.stdout)) == 2
    missing = tmp_path / "nowhere.csv"
    bad = subprocess.run([script, "analyze", str(missing), "--outcome", "fatigue"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == f"error: {missing}: no such file\n"
    assert "Traceback" not in good.stderr + bad.stderr
