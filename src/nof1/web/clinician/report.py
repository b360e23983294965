"""The results page's numbers: the core's estimators on the unblinded daily table.

`SingleTrial` gives each outcome's effect (active minus placebo), its 95% credible interval,
P(benefit), P(benefit >= MCID) and the autocorrelation rho; `RandomizationTest` gives the
randomisation p. This module only runs them and formats what they return; it never
computes a statistic of its own.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import pandas as pd

from nof1.analysis.permutation import RandomizationResult, RandomizationTest
from nof1.analysis.single import SingleTrial
from nof1.evidence.wording import number, percent
from nof1.exceptions import ApproximationWarning, Nof1Error
from nof1.protocol import Outcome, Protocol
from nof1.results import ArmEffect, SingleResult

__all__ = ["ArmEffectRow", "OutcomeResult", "analyse", "analyse_outcome", "number", "percent"]

ANALYSED = ("daily", "weekly")  # per-period outcomes have too few values for these models


@dataclass(frozen=True)
class ArmEffectRow:
    """One active arm against placebo for one outcome, ready to show."""

    arm: str
    label: str
    mean: float
    low: float
    high: float
    prob_benefit: float
    prob_benefit_mcid: float | None
    prob_harm_mcid: float | None
    randomization_p: float | None
    orders: int | None  # how many allocations the randomisation test compared

    @property
    def effect(self) -> str:
        return f"{number(self.mean)} ({number(self.low)} to {number(self.high)})"

    @property
    def p_benefit(self) -> str:
        return percent(self.prob_benefit)

    @property
    def p_benefit_mcid(self) -> str:
        return percent(self.prob_benefit_mcid)

    @property
    def p_harm_mcid(self) -> str:
        return percent(self.prob_harm_mcid)

    @property
    def p_randomization(self) -> str:
        return "-" if self.randomization_p is None else f"{self.randomization_p:.3g}"

    @property
    def smallest_p(self) -> str:
        """The smallest p this design can give: one allocation out of all it could draw."""
        return "-" if not self.orders else f"1/{self.orders}"


@dataclass(frozen=True)
class OutcomeResult:
    outcome: Outcome
    rows: tuple[ArmEffectRow, ...]
    rho: str
    n_days: int
    problem: str  # why it could not be analysed; empty when it was
    notes: tuple[str, ...]
    result: SingleResult | None

    @property
    def label(self) -> str:
        return self.outcome.label

    def sentences(self) -> list[str]:
        """Plain words for each arm: how big, how sure, and against the MCID."""
        o = self.outcome
        unit = o.scale.unit
        out = []
        for row in self.rows:
            direction = "lower" if row.mean < 0 else "higher"
            text = (
                f"With {row.label}, {o.label.lower()} was on average {number(abs(row.mean))} "
                f"{unit} {direction} than with placebo (95% credible interval: "
                f"{_span(row.low, row.high, unit)}; {o.better} is better). "
                f"Probability of any benefit: {row.p_benefit}."
            )
            if o.mcid is not None:
                text += (
                    f" Probability of a benefit of at least {o.mcid:g} {unit} (the smallest "
                    f"change that matters to patients): {row.p_benefit_mcid}."
                )
                if row.prob_harm_mcid is not None and row.prob_harm_mcid >= 0.05:
                    text += (
                        f" Probability of harm of at least {o.mcid:g} {unit}: {row.p_harm_mcid}."
                    )
            out.append(text)
        return out


def _span(low: float, high: float, unit: str) -> str:
    """An interval of differences in words: '2.0 to 2.7 points lower'."""
    if high < 0:
        return f"{number(-high)} to {number(-low)} {unit} lower"
    if low > 0:
        return f"{number(low)} to {number(high)} {unit} higher"
    return f"from {number(-low)} {unit} lower to {number(high)} {unit} higher"


def analyse(protocol: Protocol, table: pd.DataFrame, report: Any = None) -> list[OutcomeResult]:
    """Every daily and weekly outcome, primary first. `report` is the trial report
    (`nof1.report.TrialReport`) of the same table, when there is one: an outcome it fitted
    with the protocol's own settings is taken from it rather than fitted again (a refused
    fit is tried again here, which is quick, so that the page words the refusal itself)."""
    fitted = {o.spec.id: o for o in report.outcomes} if report is not None else {}
    outcomes = sorted(
        (o for o in protocol.outcomes if o.frequency in ANALYSED and o.id in table.columns),
        key=lambda o: not o.primary,
    )
    out = []
    for outcome in outcomes:
        done = fitted.get(outcome.id)
        if done is not None and done.result is not None and _same_model(outcome, done.spec):
            out.append(_from_report(protocol, outcome, done))
        else:
            out.append(analyse_outcome(protocol, table, outcome))
    return out


def _same_model(outcome: Outcome, spec: Any) -> bool:
    return (spec.log_offset is None and spec.better == outcome.better
            and spec.mcid == outcome.mcid)


def _from_report(protocol: Protocol, outcome: Outcome, done: Any) -> OutcomeResult:
    """The page's rows from the report's fit (`nof1.report.outcomes.OutcomeReport`)."""
    notes = list(done.notes)
    rows = []
    for arm in done.arms:
        test = arm.randomization
        if test is None:
            notes.append(f"randomisation test not possible: {arm.randomization_problem}")
        rows.append(_row(protocol, arm.arm, arm.effect, arm.low, arm.high, test))
    return OutcomeResult(outcome, tuple(rows), _rho(done.result), done.result.n_days, "",
                         tuple(notes), done.result)


def analyse_outcome(protocol: Protocol, table: pd.DataFrame, outcome: Outcome) -> OutcomeResult:
    washout = protocol.design.washout_days
    if not table[outcome.id].notna().any():
        return OutcomeResult(outcome, (), "-", 0, "no values were recorded", (), None)
    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ApproximationWarning)
            fit = SingleTrial(
                outcome.id, better=outcome.better, mcid=outcome.mcid, washout_days=washout
            ).fit(table)
        notes += [str(w.message) for w in caught if issubclass(w.category, ApproximationWarning)]
    except (Nof1Error, ValueError) as error:
        return OutcomeResult(outcome, (), "-", 0, str(error), (), None)
    result = fit.result_
    rows = []
    for arm_id, effect in result.effects.items():
        low, high = effect.posterior.interval(0.95)
        try:
            test: RandomizationResult | None = RandomizationTest(
                outcome.id, better=outcome.better, washout_days=washout, arm=arm_id
            ).fit(table).result_
        except (Nof1Error, ValueError) as error:
            test = None
            notes.append(f"randomisation test not possible: {error}")
        rows.append(_row(protocol, arm_id, effect, low, high, test))
    return OutcomeResult(outcome, tuple(rows), _rho(result), result.n_days, "", tuple(notes),
                         result)


def _row(protocol: Protocol, arm_id: str, effect: ArmEffect, low: float, high: float,
         test: RandomizationResult | None) -> ArmEffectRow:
    return ArmEffectRow(
        arm=arm_id,
        label=_arm_label(protocol, arm_id),
        mean=effect.posterior.mean,
        low=low,
        high=high,
        prob_benefit=effect.prob_benefit,
        prob_benefit_mcid=effect.prob_benefit_mcid,
        prob_harm_mcid=effect.prob_harm_mcid,
        randomization_p=None if test is None else test.p_value,
        orders=test.n_orders if test is not None and test.exact else None,
    )


def _rho(result: SingleResult) -> str:
    rho_low, rho_high = result.rho.interval(0.95)
    return f"{result.rho.mean:.2f} ({rho_low:.2f} to {rho_high:.2f})"


def _arm_label(protocol: Protocol, arm_id: str) -> str:
    try:
        return protocol.arm(arm_id).label
    except KeyError:
        return arm_id
