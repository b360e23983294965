"""Write the reference trials in data/: small canonical daily tables that R and nof1 both fit.

Run from anywhere: `python tests/reference/make_datasets.py`. Every number comes from a numpy
Generator seeded per trial below, so the files are reproducible; test_nlme_reference.py checks
that the stored files are exactly what this script writes.

data/trials.csv is the manifest both R scripts read: for each trial the file, the analytic
washout, the trend and whether nlme can fit it (corCAR1 needs 0 < phi < 1, so the trial with
negative autocorrelation is for JAGS only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DATA = Path(__file__).resolve().parent / "data"
OUTCOME = "fatigue"
DOSE_MG = 4.5
DIGITS = 4  # outcomes are stored rounded; both sides fit the stored values


@dataclass(frozen=True)
class ReferenceTrial:
    """How one reference trial was simulated and how it is analysed."""

    name: str
    seed: int
    rho: float  # AR(1) correlation per day of the errors
    effect: float  # active minus placebo
    sigma: float = 1.0  # marginal SD of the errors
    drift: float = 0.0  # change in the mean from the first to the last day
    pairs: int = 3
    period_days: int = 28
    run_in_days: int = 0
    missing: float = 0.0  # probability that a day's outcome is missing
    washout_days: int = 0  # analytic washout used by the analysis
    trend: str = "linear"
    nlme: bool = True

    @property
    def file(self) -> str:
        return f"{self.name}.csv"


TRIALS = (
    ReferenceTrial("complete", seed=20240611, rho=0.5, effect=-1.0),
    ReferenceTrial("missing_washout", seed=20240612, rho=0.5, effect=-1.0, missing=0.15,
                   washout_days=7),
    ReferenceTrial("drift_high_rho", seed=20240613, rho=0.85, effect=-1.0, sigma=1.2, drift=2.0,
                   run_in_days=14),
    ReferenceTrial("negative_rho", seed=20240614, rho=-0.3, effect=-1.0, missing=0.10,
                   trend="none", nlme=False),
)


def simulate(trial: ReferenceTrial) -> pd.DataFrame:
    """One participant's canonical daily table; missing outcomes are blank rows."""
    rng = np.random.default_rng(trial.seed)
    n_random = 2 * trial.pairs * trial.period_days
    n = trial.run_in_days + n_random
    day = np.arange(1, n + 1)
    period = np.zeros(n, dtype=np.int64)
    period[trial.run_in_days:] = 1 + np.arange(n_random) // trial.period_days
    pair = (period + 1) // 2
    first_active = rng.random(trial.pairs) < 0.5  # AB or BA within each pair
    in_first = period % 2 == 1
    active = np.where(in_first, first_active[pair - 1], ~first_active[pair - 1]) & (period > 0)
    arm = np.where(period == 0, "run-in", np.where(active, "active", "placebo"))

    # stationary AR(1) with marginal SD sigma, one step per calendar day
    noise = np.empty(n)
    noise[0] = trial.sigma * rng.standard_normal()
    innov = trial.sigma * np.sqrt(1.0 - trial.rho**2) * rng.standard_normal(n - 1)
    for t in range(1, n):
        noise[t] = trial.rho * noise[t - 1] + innov[t - 1]
    mean = 6.0 + trial.effect * active + trial.drift * (day - 1) / (n - 1)
    outcome = np.round(mean + noise, DIGITS)
    outcome[rng.random(n) < trial.missing] = np.nan
    return pd.DataFrame({
        "participant": f"ref-{trial.name}",
        "day": day,
        "period": period,
        "pair": pair,
        "arm": arm,
        "dose_mg": np.where(active, DOSE_MG, 0.0),
        OUTCOME: outcome,
    })


def manifest() -> pd.DataFrame:
    return pd.DataFrame({
        "dataset": [t.name for t in TRIALS],
        "file": [t.file for t in TRIALS],
        "washout_days": [t.washout_days for t in TRIALS],
        "trend": [t.trend for t in TRIALS],
        "nlme": ["TRUE" if t.nlme else "FALSE" for t in TRIALS],  # R and pandas read these
        "seed": [t.seed for t in TRIALS],
        "true_rho": [t.rho for t in TRIALS],
        "true_effect": [t.effect for t in TRIALS],
    })


def main() -> None:
    DATA.mkdir(exist_ok=True)
    for trial in TRIALS:
        simulate(trial).to_csv(DATA / trial.file, index=False, na_rep="NA")
    manifest().to_csv(DATA / "trials.csv", index=False)


if __name__ == "__main__":
    main()
