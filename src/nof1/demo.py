"""The demo data `make run` analyses: one simulated LDN trial and a simulated series.

Simulated, not real: the assumptions (effect, noise, autocorrelation) are illustrative
values, chosen to look like a daily 0-10 fatigue diary, not clinical facts.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nof1 import data as dataio
from nof1.analysis.simulate import Assumptions, TrialDesign, simulate_table

# The bundled standard design: 14-day run-in, 3 pairs of 28-day periods, 7-day washout.
DEMO_DESIGN = TrialDesign(pairs=3, period_days=28, run_in_days=14, washout_days=7)


def write_demo(out_dir: Path, seed: int) -> tuple[Path, Path]:
    """Write demo-trial.csv (one participant) and demo-series.csv (40 participants)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    trial = simulate_table(
        DEMO_DESIGN, Assumptions(effect=-1.2, sigma=1.3, rho=0.5, missing_rate=0.08), 1, rng
    )
    trial["participant"] = "DEMO01"
    series = simulate_table(
        DEMO_DESIGN,
        Assumptions(effect=-0.6, tau=0.8, sigma=1.3, rho=0.5, missing_rate=0.1),
        40,
        rng,
    )
    trial_path, series_path = out_dir / "demo-trial.csv", out_dir / "demo-series.csv"
    dataio.save(trial.drop(columns="true_effect"), trial_path)
    dataio.save(series.drop(columns="true_effect"), series_path)
    return trial_path, series_path
