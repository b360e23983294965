"""A report from a real trial folder: `nof1 randomize`'s folder, the diary as data.csv, and
the arms laid on only after the unblinding log records the whole allocation revealed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nof1.exceptions import DataError, Nof1Error
from nof1.protocol import build_schedule, load_template, template_text
from nof1.randomization import Allocation
from nof1.report import from_trial_folder
from nof1.trial_folder import randomize, unblind

START = dt.date(2026, 1, 5)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    protocol = load_template("ldn-mecfs-standard")
    done = randomize(protocol, template_text("ldn-mecfs-standard"), participant="P07",
                     start=START, folder=tmp_path / "trial")
    # the diary as the web app exports it, before anyone knows the arms: no arm column
    allocation = Allocation.from_csv(done.folder / "pharmacist" / "allocation.csv",
                                     protocol.arm_ids).arm_by_period
    rng = np.random.default_rng(11)
    schedule = build_schedule(protocol, START, done.kits)
    rows = []
    for day in schedule:
        active = day.period is not None and allocation[day.period - 1] != "placebo"
        rows.append({
            "date": day.date.isoformat(),
            "fatigue": round(float(6 - 1.5 * active + rng.normal(0, 1)), 1),
            "pain": round(float(4 + rng.normal(0, 1)), 1),
            "dose_taken": "" if day.period is None else "yes",
            "side_effects": "vivid_dreams" if active and rng.random() < 0.3 else "",
        })
    pd.DataFrame(rows).to_csv(done.folder / "data.csv", index=False)
    pd.DataFrame({"period": [1, 2, 3], "guess": ["active", "placebo", "dont_know"]}).to_csv(
        done.folder / "guesses.csv", index=False)
    return done.folder


def test_a_blinded_trial_folder_is_refused_until_it_is_unblinded(folder):
    with pytest.raises(Nof1Error, match="unblind the trial first: nof1 unblind"):
        from_trial_folder(folder, plots=False)
    # an emergency reveal of one period is not the whole allocation
    unblind(folder, str(folder / "pharmacist" / "key.txt"), who="dr", reason="emergency",
            period=2)
    with pytest.raises(Nof1Error, match="unblind the trial first"):
        from_trial_folder(folder, plots=False)


def test_after_unblinding_the_arms_come_from_the_allocation_and_schedule(folder):
    revealed = unblind(folder, str(folder / "pharmacist" / "key.txt"), who="dr",
                       reason="end of trial")
    report = from_trial_folder(folder, plots=False)
    assert report.participant == "P07"
    assert report.protocol is not None and report.protocol.id == "ldn-mecfs-standard"
    assert [p.arm for p in report.randomised_periods] == [p.arm for p in revealed.periods]
    assert report.unblinded_on == dt.datetime.now(dt.UTC).date().isoformat()
    assert report.shape.run_in_days == 14 and report.shape.washout_days == 7
    # titration: the active periods reach the target dose, placebo periods stay at 0
    doses = {p.arm: p.dose_mg for p in report.randomised_periods}
    assert doses == {"ldn-4.5mg": 4.5, "placebo": 0.0}
    assert report.guesses[:3] == ("active", "placebo", "dont_know")
    assert report.guesses[3:] == (None, None, None)
    fatigue = report.outcomes[0]
    assert fatigue.spec.id == "fatigue" and fatigue.result.effect().posterior.mean < 0
    assert report.has_harms and report.has_adherence


def test_a_diary_that_already_names_the_arms_needs_no_unblinding_log(folder):
    data = pd.read_csv(folder / "data.csv")
    data.insert(0, "participant", "P07")
    data["period"], data["pair"], data["arm"] = 0, 0, "run-in"
    days = np.arange(len(data))
    period = np.where(days < 14, 0, (days - 14) // 28 + 1)
    data["period"], data["pair"] = period, (period + 1) // 2
    data["arm"] = np.where(period == 0, "run-in",
                           np.where(period % 2 == 1, "ldn-4.5mg", "placebo"))
    data.to_csv(folder / "data.csv", index=False)
    report = from_trial_folder(folder, plots=False)
    assert report.shape.periods == 6 and report.unblinded_on is None


def test_a_folder_without_diary_data_or_with_days_outside_the_trial_is_refused(folder):
    (folder / "data.csv").rename(folder / "diary.csv")
    unblind(folder, str(folder / "pharmacist" / "key.txt"), who="dr", reason="end")
    with pytest.raises(Nof1Error, match="data.csv or data.parquet"):
        from_trial_folder(folder, plots=False)
    late = pd.read_csv(folder / "diary.csv")
    late.loc[0, "date"] = "2030-01-01"
    late.to_csv(folder / "data.csv", index=False)
    with pytest.raises(DataError, match="outside the trial"):
        from_trial_folder(folder, plots=False)
