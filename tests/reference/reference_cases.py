"""The reference trials as nof1 fits them, shared by the nlme and JAGS reference tests.

R's side is stored under out/ (see README.md); nothing here needs R.
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from nof1.analysis._ar1 import GridPosterior, gap_statistics, grid_posterior
from nof1.analysis.design import Trend
from nof1.analysis.single import SingleTrial
from nof1.exceptions import ApproximationWarning

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
OUT = HERE / "out"
EFFECT = "arm[active]"


def trials() -> pd.DataFrame:
    return pd.read_csv(DATA / "trials.csv").set_index("dataset", drop=False)


def names(nlme_only: bool = False) -> list[str]:
    t = trials()
    return [str(n) for n in (t.index[t["nlme"]] if nlme_only else t.index)]


def stored(name: str) -> pd.DataFrame:
    return pd.read_csv(OUT / name)


def session(name: str) -> dict[str, str]:
    table = pd.read_csv(OUT / name, dtype=str)
    return dict(zip(table["key"], table["value"], strict=True))


@cache
def fitted(dataset: str) -> SingleTrial:
    """The default model as a user runs it: 200-node rho grid, the trial's washout and trend."""
    spec = trials().loc[dataset].to_dict()
    table = pd.read_csv(DATA / str(spec["file"]))
    trend: Trend = spec["trend"]
    trial = SingleTrial(
        "fatigue", better="lower", mcid=1.0, washout_days=int(spec["washout_days"]), trend=trend
    )
    # drift_high_rho puts ~0.2% of the rho grid's weight on its last node; that warning is
    # about whether the model suits the data, which is not what these tests check.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ApproximationWarning)
        return trial.fit(table)


def conditional(dataset: str, rho: np.ndarray) -> GridPosterior:
    """Conditional posteriors of the fitted rows at chosen values of rho."""
    design = fitted(dataset).design_
    z = np.column_stack([design.x, design.y])
    stats = gap_statistics(z, design.day, np.zeros(len(z), dtype=np.int64), 1)
    return grid_posterior(stats, np.asarray(rho, dtype=np.float64))


def effect_column(dataset: str) -> int:
    return fitted(dataset).design_.columns.index(EFFECT)
