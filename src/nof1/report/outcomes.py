"""Each outcome of one trial, analysed once: the exact model, the randomisation test, plots.

`analyse_outcome` runs `SingleTrial` and `RandomizationTest` (and, when the table records
exertion, `ExertionAdjustment`) and keeps what they return; the report's templates show these
objects and never compute a statistic of their own. Outcomes with a `log_offset` (steps) are
analysed on the log scale, so their effect is a ratio active/placebo.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from nof1.analysis.exertion import (
    DEFAULT_LAGS,
    AdjustedComparison,
    ArmShift,
    ExertionAdjustment,
)
from nof1.analysis.permutation import RandomizationResult, RandomizationTest
from nof1.analysis.single import SingleTrial
from nof1.exceptions import ApproximationWarning, Nof1Error
from nof1.results import ArmEffect, Better, SingleResult


@dataclass(frozen=True)
class Estimate:
    """A posterior summarised for display: mean and equal-tailed 95% credible interval."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, dist: Any) -> Estimate:
        low, high = dist.interval(0.95)
        return cls(float(dist.mean), float(low), float(high))


@dataclass(frozen=True)
class OutcomeSpec:
    """What an outcome is and how it is judged: from the protocol, or from options."""

    id: str
    label: str
    unit: str = "points"
    better: Better = "lower"
    mcid: float | None = None
    primary: bool = False
    frequency: str = "daily"
    scale: tuple[float, float] | None = None  # lowest and highest possible value
    sources: tuple[str, ...] = ()  # the protocol's source ids for the MCID
    log_offset: float | None = None  # analysed as log(value + offset): a ratio, no MCID

    @property
    def log_scale(self) -> bool:
        return self.log_offset is not None


@dataclass(frozen=True)
class AdjustedArm:
    """One active arm's effect once lagged exertion is allowed for."""

    effect: ArmEffect
    low: float  # 95% credible interval of the adjusted effect
    high: float
    moved: ArmShift  # the conclusion without and with the adjustment


@dataclass(frozen=True)
class ArmResult:
    """One active arm against placebo for one outcome."""

    arm: str
    label: str
    effect: ArmEffect
    low: float  # 95% credible interval of the effect
    high: float
    randomization: RandomizationResult | None
    randomization_problem: str  # why there is no randomisation test; empty when there is one
    posterior_plot: object | None = None  # nof1.report.plots.Plot
    adjusted: AdjustedArm | None = None  # with exertion allowed for, when it could be


@dataclass(frozen=True)
class OutcomeReport:
    spec: OutcomeSpec
    result: SingleResult | None
    arms: tuple[ArmResult, ...]
    problem: str  # why the outcome could not be analysed; empty when it was
    notes: tuple[str, ...]  # the model's warnings
    daily_plot: object | None = None  # nof1.report.plots.Plot
    recorded_days: int = 0  # randomised days with a value
    rho: Estimate | None = None  # day-to-day autocorrelation
    sigma: Estimate | None = None  # residual SD
    exertion: AdjustedComparison | None = None  # the effect without and with exertion
    exertion_source: str | None = None  # the column exertion was read from, when recorded
    exertion_problem: str = ""  # why the adjustment could not be made; empty when it was

    @property
    def analysed(self) -> bool:
        return self.result is not None


def analyse_outcome(
    rows: pd.DataFrame,
    spec: OutcomeSpec,
    *,
    washout_days: int,
    arm_labels: dict[str, str],
    exertion: str | None = None,
    exertion_lags: Sequence[int] = DEFAULT_LAGS,
) -> OutcomeReport:
    """Fit one participant's rows for one outcome; a refusal becomes `problem`, not an error.
    With `exertion` (a source of `nof1.analysis.exertion`), the outcome is fitted again with
    exertion on each of `exertion_lags` days before as covariates."""
    randomised = rows["period"].to_numpy(np.int64) > 0
    recorded = int(rows[spec.id].notna().to_numpy(bool)[randomised].sum())
    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ApproximationWarning)
            model = SingleTrial(
                spec.id,
                better=spec.better,
                mcid=spec.mcid,
                washout_days=washout_days,
                log_offset=spec.log_offset,
            ).fit(rows)
        notes += [str(w.message) for w in caught if issubclass(w.category, ApproximationWarning)]
    except (Nof1Error, ValueError) as error:
        return OutcomeReport(spec, None, (), str(error), (), recorded_days=recorded)
    result = model.result_
    arms = []
    for arm_id, eff in result.effects.items():
        low, high = eff.posterior.interval(0.95)
        test, problem = _randomization(rows, spec, washout_days, arm_id)
        arms.append(
            ArmResult(arm_id, arm_labels.get(arm_id, arm_id), eff, low, high, test, problem)
        )
    if len(arms) == 1 and arms[0].randomization is not None:
        result = replace(result, randomization_p=arms[0].randomization.p_value)
    comparison, problem = None, ""
    if exertion is not None:
        comparison, problem = _adjust(model, rows, result, exertion, exertion_lags)
    if comparison is not None:
        arms = [replace(a, adjusted=_adjusted_arm(comparison, a.arm)) for a in arms]
    return OutcomeReport(
        spec,
        result,
        tuple(arms),
        "",
        tuple(notes),
        recorded_days=recorded,
        rho=Estimate.of(result.rho),
        sigma=Estimate.of(result.sigma),
        exertion=comparison,
        exertion_source=exertion,
        exertion_problem=problem,
    )


def _adjust(
    model: SingleTrial,
    rows: pd.DataFrame,
    result: SingleResult,
    source: str,
    lags: Sequence[int],
) -> tuple[AdjustedComparison | None, str]:
    try:
        with warnings.catch_warnings():
            # the main fit has already warned about this outcome's rho, if it needed to
            warnings.simplefilter("ignore", ApproximationWarning)
            adjustment = ExertionAdjustment(model, source=source, lags=lags)
            return adjustment.fit(rows, unadjusted=result).result_, ""
    except (Nof1Error, ValueError) as error:
        return None, str(error)


def _adjusted_arm(comparison: AdjustedComparison, arm: str) -> AdjustedArm:
    effect = comparison.adjusted.effects[arm]
    low, high = effect.posterior.interval(0.95)
    return AdjustedArm(effect, float(low), float(high), comparison.arms[arm])


def _randomization(
    rows: pd.DataFrame, spec: OutcomeSpec, washout_days: int, arm: str
) -> tuple[RandomizationResult | None, str]:
    try:
        test = RandomizationTest(spec.id, better=spec.better, washout_days=washout_days, arm=arm)
        return test.fit(rows).result_, ""
    except (Nof1Error, ValueError) as error:
        return None, str(error)


def with_plots(report: OutcomeReport, rows: pd.DataFrame, spans: Sequence[object]) -> OutcomeReport:
    """The outcome's daily values shaded by period, and each arm's posterior with the MCID."""
    from nof1.report import plots

    spec = report.spec
    ordered = rows.sort_values("day", kind="stable")
    days = ordered["day"].to_numpy(np.int64).tolist()
    values = ordered[spec.id].to_numpy(np.float64).tolist()
    daily = plots.daily_values(
        days,
        values,
        list(spans),  # type: ignore[arg-type]
        label=spec.label,
        better=spec.better,
        y_range=spec.scale,
        unit=spec.unit,
    )
    arms = tuple(
        replace(
            arm,
            posterior_plot=plots.posterior(
                arm.effect.posterior,
                label=f"{spec.label}: {arm.label} minus placebo"
                + (" (log scale)" if spec.log_scale else ""),
                mcid=spec.mcid,
                better=spec.better,
                unit=f"log {spec.unit}" if spec.log_scale else spec.unit,
            ),
        )
        for arm in report.arms
    )
    return replace(report, daily_plot=daily, arms=arms)
