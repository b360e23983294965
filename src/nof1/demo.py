"""The demo data `make run` analyses and reports: one simulated LDN trial and a simulated series.

Simulated, not real: the assumptions (effect, noise, autocorrelation, how often a capsule is
missed or a side effect noted) are illustrative values, chosen to look like a daily 0-10
fatigue diary, not clinical facts. The demo trial follows the bundled ldn-mecfs-standard
protocol (14-day run-in, 3 pairs of 28-day periods, 7-day analytic washout), so its report
can show the protocol's design, eligibility and outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from nof1 import data as dataio
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table

# The bundled standard design: 14-day run-in, 3 pairs of 28-day periods, 7-day washout.
DEMO_DESIGN = TrialDesign(pairs=3, period_days=28, run_in_days=14, washout_days=7)
PROTOCOL = "ldn-mecfs-standard"
ACTIVE = "ldn-4.5mg"  # the protocol's active arm
MCID, WASHOUT = 1.0, 7  # as in the printed demo analyses

# Illustrative rates for the simulated diary extras (not clinical facts).
MISSED_DOSE = 0.05
SIDE_EFFECT_DAYS = {"vivid_dreams": (0.12, 0.05), "headache": (0.04, 0.04)}  # (active, placebo)


@dataclass(frozen=True)
class DemoFiles:
    trial: Path
    series: Path
    guesses: Path


def write_demo(out_dir: Path, seed: int) -> DemoFiles:
    """Write demo-trial.csv (one participant, with the diary's dose and side-effect columns),
    demo-guesses.csv (the participant's end-of-period guesses) and demo-series.csv (40)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    trial = simulate_table(
        DEMO_DESIGN, Assumptions(effect=-1.2, sigma=1.3, rho=0.5, missing_rate=0.08), 1, rng
    )
    trial["participant"] = "DEMO01"
    trial = _with_diary_extras(trial.drop(columns="true_effect"), rng)
    series = simulate_table(
        DEMO_DESIGN,
        Assumptions(effect=-0.6, tau=0.8, sigma=1.3, rho=0.5, missing_rate=0.1),
        40,
        rng,
    )
    files = DemoFiles(
        out_dir / "demo-trial.csv", out_dir / "demo-series.csv", out_dir / "demo-guesses.csv"
    )
    dataio.save(trial, files.trial)
    dataio.save(series.drop(columns="true_effect"), files.series)
    _guesses(trial, rng).to_csv(files.guesses, index=False)
    return files


def _with_diary_extras(trial: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The protocol's arm id, and the columns a real diary adds: dose taken, side effects."""
    trial = trial.copy()
    active = trial["arm"].eq("active").to_numpy()
    trial["arm"] = trial["arm"].replace({"active": ACTIVE})
    logged = trial["fatigue"].notna().to_numpy()
    in_period = trial["period"].gt(0).to_numpy()
    taken = np.where(rng.random(len(trial)) < MISSED_DOSE, "no", "yes")
    trial["dose_taken"] = np.where(logged & in_period, taken, "")
    noted: list[list[str]] = [[] for _ in range(len(trial))]
    for event, (p_active, p_placebo) in SIDE_EFFECT_DAYS.items():
        chance = np.where(active, p_active, p_placebo)
        for i in np.flatnonzero(logged & in_period & (rng.random(len(trial)) < chance)):
            noted[i].append(event)
    trial["side_effects"] = [";".join(events) for events in noted]
    return trial


def _guesses(trial: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One guess per period: right a little more often than a coin (illustrative)."""
    periods = trial[trial["period"] > 0].groupby("period")["arm"].first()
    rows = []
    for period, arm in periods.items():
        truth = "active" if arm == ACTIVE else "placebo"
        other = "placebo" if truth == "active" else "active"
        draw = rng.random()
        guess = truth if draw < 0.5 else other if draw < 0.8 else "dont_know"
        rows.append({"period": period, "guess": guess})
    return pd.DataFrame(rows)


def write_demo_reports(files: DemoFiles, out_dir: Path) -> list[Path]:
    """The demo trial's and demo series' reports, each as HTML and as PDF."""
    from nof1.protocol import load_template
    from nof1.report import build_series_report, build_trial_report
    from nof1.report.folder import read_guesses
    from nof1.report.render import write_reports

    protocol = load_template(PROTOCOL)
    table = dataio.load(files.trial)
    trial = build_trial_report(
        table,
        protocol=protocol,
        mcid=MCID,
        washout_days=WASHOUT,
        guesses=read_guesses(files.guesses, protocol.period_count),
        title="Demo n-of-1 trial of LDN for ME/CFS (simulated data)",
    )
    series = build_series_report(
        dataio.load(files.series),
        outcome="fatigue",
        mcid=MCID,
        washout_days=WASHOUT,
        protocol=protocol,
        title="Demo series of 40 n-of-1 trials of LDN for ME/CFS (simulated data)",
    )
    written = []
    for name, report in (("demo-trial-report", trial), ("demo-series-report", series)):
        written += write_reports([out_dir / f"{name}{suffix}" for suffix in (".html", ".pdf")],
                                 report)
    return written
