"""Write data/series_stage1.csv: the fixed stage-1 summaries the series reference runs on.

Run from anywhere: `python tests/reference/make_series_dataset.py`. 30 simulated trials (3 pairs
of 28-day periods, rho 0.5, sigma 1.2, 10% of days missing) whose true effects depend on age:
b_i = -0.8 + 0.03 (age_i - 45) + 0.6 z_i. nof1's stage 1 (the exact single-patient posterior)
summarises each trial by the mean `bhat` and SD `s` of its effect; series_jags_reference.R and
test_series_reference.py both start from these stored numbers, so the test compares stage 2
alone. Everything comes from one numpy Generator seeded below; test_series_reference.py checks
that the stored file is what this script writes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nof1.analysis.series import SeriesAnalysis
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table

DATA = Path(__file__).resolve().parent / "data"
FILE = DATA / "series_stage1.csv"
SEED = 20240621
PARTICIPANTS = 30
EFFECT = -0.8  # at age 45
AGE_SLOPE = 0.03  # change in the effect per year of age
AGE_CENTRE = 45.0
TAU = 0.6
DIGITS = 10  # significant digits stored; both sides read the stored values


def simulate(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily table and ages; the age term is added to the outcome on active days."""
    table = simulate_table(
        TrialDesign(pairs=3, period_days=28),
        Assumptions(effect=EFFECT, tau=TAU, sigma=1.2, rho=0.5, missing_rate=0.1),
        PARTICIPANTS,
        rng,
    )
    ids = table["participant"].unique()
    age = pd.Series(rng.integers(25, 71, size=len(ids)).astype(float), index=ids)
    shift = AGE_SLOPE * (table["participant"].map(age) - AGE_CENTRE)
    active = (table["arm"] == "active").to_numpy()
    table["fatigue"] = table["fatigue"] + np.where(active, shift, 0.0)
    table["true_effect"] = table["true_effect"] + shift
    return table, pd.DataFrame({"participant": ids, "age": age.to_numpy()})


def stage1() -> pd.DataFrame:
    """participant, bhat, s (nof1's stage 1), age and the simulated true effect."""
    table, ages = simulate(np.random.default_rng(SEED))
    model = SeriesAnalysis("fatigue", mcid=1.0, tau_scale=1.0).fit(table, ages)
    ids = list(model.result_.participants)
    truth = table.groupby("participant")["true_effect"].first()
    return pd.DataFrame(
        {
            "participant": ids,
            "bhat": model.stage1_mean_,
            "s": model.stage1_sd_,
            "age": ages.set_index("participant").loc[ids, "age"].to_numpy(),
            "true_effect": truth.loc[ids].to_numpy(),
        }
    )


def main() -> None:
    DATA.mkdir(exist_ok=True)
    stage1().to_csv(FILE, index=False, float_format=f"%.{DIGITS}g")


if __name__ == "__main__":
    main()
