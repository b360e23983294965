"""Simulated n-of-1 trials and the operating characteristics of a design.

A clinician choosing how many pairs and how long each period should be asks: with this
patient's likely day-to-day noise and autocorrelation, how often would the trial reach the
right decision? `evaluate` answers by simulating many trials from stated assumptions and
analysing every one with the exact single-patient model (batched, so tens of thousands of
trials take seconds). The generator is passed in and its seed is recorded in the result.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import signal

from nof1.analysis._ar1 import GridPosterior, effect_cdf, effect_moments, fit_many, rho_grid
from nof1.results import Better

Array = NDArray[np.float64]


def fresh_seed() -> int:
    """A seed drawn from the operating system's entropy, small enough to print and retype."""
    return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class TrialDesign:
    """AB/BA pairs of equal periods after an optional run-in; analytic washout in days."""

    pairs: int = 3
    period_days: int = 28
    run_in_days: int = 0
    washout_days: int = 0

    def __post_init__(self) -> None:
        if self.pairs < 1 or self.period_days < 2:
            raise ValueError("a design needs at least 1 pair of periods of at least 2 days")
        if not 0 <= self.washout_days < self.period_days - 1:
            raise ValueError("the analytic washout must leave at least 2 days of each period")
        if self.run_in_days < 0:
            raise ValueError("run-in days cannot be negative")

    @property
    def trial_days(self) -> int:
        return self.run_in_days + 2 * self.pairs * self.period_days


@dataclass(frozen=True)
class Assumptions:
    """What we believe about the outcome: true effect (active - placebo), its spread between
    patients (tau), residual SD, lag-1 autocorrelation, linear drift per day, and the chance a
    day is missing."""

    effect: float = -1.0
    tau: float = 0.0
    sigma: float = 1.0
    rho: float = 0.5
    trend_per_day: float = 0.0
    missing_rate: float = 0.1
    baseline: float = 5.0

    def __post_init__(self) -> None:
        if not -1 < self.rho < 1:
            raise ValueError("rho must lie strictly between -1 and 1")
        if self.sigma <= 0 or self.tau < 0:
            raise ValueError("sigma must be positive and tau non-negative")
        if not 0 <= self.missing_rate < 0.9:
            raise ValueError("the missing rate must lie in [0, 0.9)")


@dataclass(frozen=True)
class _Simulated:
    y: Array  # (m, n) with NaN for missing days
    active: NDArray[np.bool_]  # (m, n)
    period: NDArray[np.int64]  # (m, n): 0 = run-in
    day: NDArray[np.int64]  # (n,)
    true_effect: Array  # (m,)


def _simulate(
    design: TrialDesign, assume: Assumptions, m: int, rng: np.random.Generator
) -> _Simulated:
    n = design.trial_days
    day = np.arange(1, n + 1)
    period = np.maximum(day - design.run_in_days - 1, -1) // design.period_days + 1
    pair = (period + 1) // 2
    # each pair is AB or BA with probability 1/2, independently
    first_active = rng.random((m, design.pairs)) < 0.5
    in_first = (period % 2) == 1
    pair_idx = np.clip(pair - 1, 0, design.pairs - 1)
    active = np.where(in_first, first_active[:, pair_idx], ~first_active[:, pair_idx])
    active &= period[None, :] > 0
    true_effect = assume.effect + assume.tau * rng.standard_normal(m)
    innov = rng.standard_normal((m, n)) * assume.sigma * np.sqrt(1 - assume.rho**2)
    innov[:, 0] = rng.standard_normal(m) * assume.sigma  # stationary start
    noise = signal.lfilter([1.0], [1.0, -assume.rho], innov, axis=1)
    y = assume.baseline + assume.trend_per_day * day + true_effect[:, None] * active + noise
    y[rng.random((m, n)) < assume.missing_rate] = np.nan
    return _Simulated(y, active, np.broadcast_to(period, (m, n)), day, true_effect)


def simulate_table(
    design: TrialDesign,
    assume: Assumptions,
    n_participants: int,
    rng: np.random.Generator,
    *,
    outcome: str = "fatigue",
    dose_mg: float = 4.5,
) -> pd.DataFrame:
    """Canonical daily table of simulated trials (participants S00001, ...), with each
    participant's true effect kept in the extra column `true_effect`."""
    sim = _simulate(design, assume, n_participants, rng)
    m, n = sim.y.shape
    period = sim.period.ravel()
    arm = np.where(sim.active.ravel(), "active", "placebo").astype(object)
    arm[period == 0] = "run-in"
    width = max(5, len(str(m)))
    ids = np.array([f"S{i:0{width}d}" for i in range(1, m + 1)], dtype=object)
    return pd.DataFrame(
        {
            "participant": np.repeat(ids, n),
            "day": np.tile(sim.day, m),
            "period": period,
            "pair": (period + 1) // 2,
            "arm": arm,
            "dose_mg": np.where(arm == "active", dose_mg, 0.0),
            outcome: sim.y.ravel(),
            "true_effect": np.repeat(sim.true_effect, n),
        }
    )


@dataclass(frozen=True)
class OperatingCharacteristics:
    """How a design performs under assumptions, from n_trials simulated trials."""

    design: TrialDesign
    assumptions: Assumptions
    n_trials: int
    mcid: float
    threshold: float
    better: Better
    seed: int | None
    decision_rate: float  # P(P(benefit >= MCID) > threshold): how often the rule says "works"
    correct_rate: float  # the rule agrees with whether the true effect reaches the MCID
    coverage95: float  # 95% intervals that contain the true effect
    bias: float
    rmse: float
    mean_posterior_sd: float
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(out.pop("extra"))
        return out


def evaluate(
    design: TrialDesign,
    assume: Assumptions,
    n_trials: int,
    rng: np.random.Generator,
    *,
    mcid: float = 1.0,
    threshold: float = 0.8,
    better: Better = "lower",
    rho_grid_size: int = 60,
    batch: int = 1000,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> OperatingCharacteristics:
    """Simulate `n_trials` trials and analyse each with the exact model (linear trend).

    `seed` is only recorded: pass the seed the generator was made from, so the table can be
    reproduced. `progress` is called with the number of trials finished after each batch.
    """
    if n_trials < 1:
        raise ValueError("n_trials must be at least 1")
    grid = rho_grid(rho_grid_size)
    sizes = [min(batch, n_trials - start) for start in range(0, n_trials, batch)]
    # one child generator per batch, drawn up front: the answer does not depend on which
    # thread finishes first
    children = rng.spawn(len(sizes))
    totals = np.zeros(6)
    done = 0
    workers = min(len(sizes), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [
            pool.submit(_batch, design, assume, size, child, grid, mcid, threshold, better)
            for size, child in zip(sizes, children, strict=True)
        ]
        for size, job in zip(sizes, jobs, strict=True):
            totals += job.result()
            done += size
            if progress is not None:
                progress(done)
    fired, correct, covered, err_sum, err2_sum, sd_sum = totals
    return OperatingCharacteristics(
        design=design,
        assumptions=assume,
        n_trials=n_trials,
        mcid=mcid,
        threshold=threshold,
        better=better,
        seed=seed,
        decision_rate=float(fired / n_trials),
        correct_rate=float(correct / n_trials),
        coverage95=float(covered / n_trials),
        bias=float(err_sum / n_trials),
        rmse=float(np.sqrt(err2_sum / n_trials)),
        mean_posterior_sd=float(sd_sum / n_trials),
    )


def _batch(
    design: TrialDesign,
    assume: Assumptions,
    m: int,
    rng: np.random.Generator,
    grid: Array,
    mcid: float,
    threshold: float,
    better: Better,
) -> Array:
    """Simulate and analyse m trials; return the sums that operating characteristics need."""
    sim = _simulate(design, assume, m, rng)
    post = _analyse(sim, design, grid)
    sign = -1.0 if better == "lower" else 1.0
    cdf_mcid, cdf_truth = effect_cdf(post, np.stack([np.full(m, sign * mcid), sim.true_effect]))
    p_mcid = cdf_mcid if better == "lower" else 1.0 - cdf_mcid
    truth_reaches = sign * sim.true_effect >= mcid
    rule = p_mcid > threshold
    mean, sd = effect_moments(post)
    err = mean - sim.true_effect
    return np.array(
        [
            rule.sum(),
            (rule == truth_reaches).sum(),
            ((cdf_truth > 0.025) & (cdf_truth < 0.975)).sum(),
            err.sum(),
            (err**2).sum(),
            sd.sum(),
        ],
        dtype=np.float64,
    )


def _analyse(sim: _Simulated, design: TrialDesign, grid: Array) -> GridPosterior:
    """Batched exact fits: intercept, linear trend, active; run-in and washout days dropped."""
    m, n = sim.y.shape
    period0 = sim.period[0]
    start = design.run_in_days + 1 + (period0 - 1) * design.period_days
    usable = (period0 > 0) & ((sim.day - start) >= design.washout_days)
    observed = ~np.isnan(sim.y) & usable[None, :]
    series, col = np.nonzero(observed)
    day = sim.day[col]
    span = max(n - design.run_in_days, 1)
    # the effect goes last: fit_many summarises the last column
    columns = [1.0, (day - n / 2) / span, sim.active[series, col]]
    return fit_many(columns, sim.y[series, col], day.astype(np.int64), series, m, grid)


def plan(
    assume: Assumptions,
    *,
    pairs: Sequence[int] = (2, 3, 4),
    period_days: Sequence[int] = (14, 21, 28),
    run_in_days: int = 14,
    washout_days: int = 7,
    n_trials: int = 1000,
    mcid: float = 1.0,
    threshold: float = 0.8,
    better: Better = "lower",
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """Operating characteristics of each candidate design, under the assumed effect and under
    no effect (the false-positive rate), from one recorded seed."""
    seed = fresh_seed() if seed is None else seed
    rng = np.random.default_rng(seed)
    null = Assumptions(**{**asdict(assume), "effect": 0.0})
    rows: list[dict[str, Any]] = []
    finished = 0
    for n_pairs in pairs:
        for days in period_days:
            design = TrialDesign(n_pairs, days, run_in_days, min(washout_days, days - 3))
            kw: dict[str, Any] = {"mcid": mcid, "threshold": threshold, "better": better}
            alt = evaluate(design, assume, n_trials, rng, **kw)
            zero = evaluate(design, null, n_trials, rng, **kw)
            finished += 2 * n_trials
            if progress is not None:
                progress(finished)
            rows.append(
                {
                    "pairs": n_pairs,
                    "period_days": days,
                    "trial_days": design.trial_days,
                    "washout_days": design.washout_days,
                    "decision_rate": alt.decision_rate,
                    "false_positive_rate": zero.decision_rate,
                    "correct_rate": alt.correct_rate,
                    "coverage95": alt.coverage95,
                    "mean_posterior_sd": alt.mean_posterior_sd,
                    "seed": seed,
                }
            )
    return rows
