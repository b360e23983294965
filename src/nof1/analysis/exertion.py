"""Exertion as a lagged confounder: lagged exertion columns, and the effect with and without them.

Post-exertional malaise follows activity by 12-48 hours and can last days, so a crash on a
treatment day may be yesterday's walk, not the capsule. Randomisation spreads such crashes
between the arms on average, which is why the unadjusted analysis stays the main one; in one
person's trial the arms can still differ in activity by chance (a holiday in one period). The
adjusted analysis adds exertion on each of the `lags` days before as covariates of the
single-patient model:

    y_t = alpha + beta [active_t] + trend(t) + sum_k gamma_k exertion(t - k) + e_t

Sources of exertion, and how they are lagged:
- `exertion_yesterday` (diary, 0-10): recorded on day t about day t-1, so it is already one day
  behind: exertion(t - k) is the `exertion_yesterday` recorded on day t - k + 1.
- `steps` (wearable, same-day activity): exertion(t - k) is the steps of day t - k, in
  thousands of steps so that a coefficient reads per 1,000 steps.

Lags are taken in calendar days per participant: the value for day t - k is looked up by its
day, so a missing day gives a missing lag (and the single-patient model drops that day), never
the value of a neighbouring row.

"Conclusion" means the verdict class of the evidence card (`nof1.evidence.card_trial.verdict`
on the 95% credible interval and P(benefit >= MCID)): a benefit that matters, a benefit, a
benefit maybe too small to matter, a harm, or unclear. The adjustment "changed the conclusion"
when the adjusted verdict differs from the unadjusted one.

Reference: at fixed rho the adjusted coefficients are generalised least squares with the
lagged columns in X; tests/core/test_exertion.py checks them against numpy's lstsq on data
prewhitened with the dense AR(1) correlation matrix at the posterior mode of rho (1e-8 relative).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nof1.analysis.single import SingleTrial, select_participant
from nof1.evidence.card_trial import Verdict, result_verdict
from nof1.exceptions import DataError
from nof1.results import SingleResult, describe


@dataclass(frozen=True)
class ExertionSource:
    """How a column measures exertion: how many days behind it is recorded, and its unit."""

    column: str
    recorded_lag: int  # 1: the value recorded on day t is about day t-1
    per: float  # the covariate is the column divided by this
    unit: str  # the covariate's unit, for its coefficient


SOURCES: Mapping[str, ExertionSource] = {
    "exertion_yesterday": ExertionSource("exertion_yesterday", 1, 1.0, "points"),
    "steps": ExertionSource("steps", 0, 1000.0, "thousand steps"),
}
DEFAULT_LAGS = (1, 2, 3)  # post-exertional malaise: 12-48 h after activity, lasting days
MAX_LAG = 14


def lag_columns(lags: Sequence[int]) -> tuple[str, ...]:
    """The covariate names: `exertion_lag1`, ... (the evidence appraisal looks for 'exertion')."""
    return tuple(f"exertion_lag{k}" for k in lags)


def check_lags(lags: Sequence[int]) -> tuple[int, ...]:
    """Whole days from 1 to MAX_LAG, each once, in increasing order."""
    try:
        whole = [float(k).is_integer() for k in lags]
    except (TypeError, ValueError):
        whole = [False]
    if not whole or not all(whole):
        raise ValueError(f"lags must be whole numbers of days, got {lags!r}")
    out = tuple(sorted(int(k) for k in lags))
    if out[0] < 1 or out[-1] > MAX_LAG or len(set(out)) != len(out):
        raise ValueError(f"lags must be distinct days from 1 to {MAX_LAG}, got {list(lags)}")
    return out


def source_of(source: str | ExertionSource) -> ExertionSource:
    if isinstance(source, ExertionSource):
        return source
    if source not in SOURCES:
        raise ValueError(
            f"unknown exertion source {source!r}; known sources are {', '.join(SOURCES)} "
            "(or pass an ExertionSource saying how the column is lagged)"
        )
    return SOURCES[source]


def default_source(table: pd.DataFrame, outcome: str | None = None) -> str | None:
    """The diary's exertion rating when it has values, else the wearable's steps; never the
    outcome itself (lags of the outcome would be an autoregression, not an adjustment)."""
    for name in SOURCES:
        if name != outcome and name in table.columns and table[name].notna().any():
            return name
    return None


def exertion_lags(
    table: pd.DataFrame,
    source: str | ExertionSource = "exertion_yesterday",
    lags: Sequence[int] = DEFAULT_LAGS,
) -> pd.DataFrame:
    """A copy of `table` with columns `exertion_lag{k}`: exertion k calendar days before each
    row's day, per participant (blank when that day has no row or no value)."""
    src = source_of(source)
    lags = check_lags(lags)
    names = lag_columns(lags)
    if src.column not in table.columns:
        raise DataError(f"no exertion column named '{src.column}'", column=src.column)
    clash = [n for n in names if n in table.columns]
    if clash:
        raise DataError(
            f"the table already has a column '{clash[0]}'; rename it or adjust with it directly",
            column=clash[0],
        )
    try:
        values = table[src.column].to_numpy(np.float64) / src.per
    except (TypeError, ValueError):
        message = "exertion must be numbers (blank when missing)"
        raise DataError(message, column=src.column) from None
    participant = table["participant"].astype(str).to_numpy()
    day = table["day"].to_numpy(np.int64)
    lookup = pd.Series(values, index=pd.MultiIndex.from_arrays([participant, day]))
    if not lookup.index.is_unique:
        raise DataError("a participant has two rows for the same day", column="day")
    out = table.copy()
    for k, name in zip(lags, names, strict=True):
        back = k - src.recorded_lag  # how many rows' days back the value was recorded
        wanted = pd.MultiIndex.from_arrays([participant, day - back])
        out[name] = lookup.reindex(wanted).to_numpy(np.float64)
    return out


@dataclass(frozen=True)
class ArmShift:
    """One active arm: the conclusion without and with the adjustment, and how far it moved."""

    arm: str
    unadjusted: Verdict
    adjusted: Verdict
    shift: float  # adjusted minus unadjusted posterior mean, in outcome (or log) units
    shift_sd: float  # the same, in posterior SDs of the unadjusted effect

    @property
    def changed(self) -> bool:
        return self.unadjusted != self.adjusted


def conclusion(result: SingleResult, arm: str) -> Verdict:
    """The evidence card's verdict for one arm of a result (see the module docstring)."""
    return result_verdict(result, arm)


@dataclass(frozen=True)
class AdjustedComparison:
    """One outcome's effect without and with adjustment for lagged exertion."""

    source: str
    lags: tuple[int, ...]
    unadjusted: SingleResult
    adjusted: SingleResult
    arms: Mapping[str, ArmShift]

    @classmethod
    def of(
        cls, unadjusted: SingleResult, adjusted: SingleResult, source: str, lags: Sequence[int]
    ) -> AdjustedComparison:
        if (unadjusted.outcome, unadjusted.participant) != (adjusted.outcome, adjusted.participant):
            raise ValueError("the two results must be of the same outcome and participant")
        arms = {}
        for arm, before in unadjusted.effects.items():
            after = adjusted.effects[arm]
            shift = after.posterior.mean - before.posterior.mean
            arms[arm] = ArmShift(
                arm,
                conclusion(unadjusted, arm),
                conclusion(adjusted, arm),
                float(shift),
                float(shift / before.posterior.sd),
            )
        return cls(source, tuple(lags), unadjusted, adjusted, arms)

    @property
    def outcome(self) -> str:
        return self.adjusted.outcome

    @property
    def changed(self) -> bool:
        """Whether the adjustment changed the conclusion for any active arm."""
        return any(a.changed for a in self.arms.values())

    @property
    def days_left_out(self) -> int:
        """Analysed days the adjusted fit lost because exertion was missing on a lagged day."""
        return self.unadjusted.n_days - self.adjusted.n_days

    @property
    def coefficients(self) -> dict[str, float]:
        """Posterior means of the exertion coefficients (outcome units per exertion unit)."""
        return {k: v for k, v in self.adjusted.coefficients.items() if k.startswith("exertion")}

    def arm(self, arm: str | None = None) -> ArmShift:
        if arm is None:
            if len(self.arms) != 1:
                raise ValueError(f"several active arms {list(self.arms)}: name one")
            return next(iter(self.arms.values()))
        return self.arms[arm]

    def to_dict(self, arm: str | None = None, level: float = 0.95) -> dict[str, Any]:
        """The `exertion` key of `nof1 analyze --adjust-exertion --json` (docs/cli.md)."""
        out: dict[str, Any] = {
            "source": self.source,
            "lags": list(self.lags),
            "n_days": self.adjusted.n_days,
            "coefficients": self.coefficients,
        }
        chosen = [arm] if arm is not None else list(self.arms)
        per_arm = [self._arm_dict(a, level) for a in chosen]
        if len(per_arm) == 1:
            out.update({k: v for k, v in per_arm[0].items() if k != "arm"})
        else:
            out["arms"] = per_arm
        return out

    def _arm_dict(self, arm: str, level: float) -> dict[str, Any]:
        eff, moved = self.adjusted.effects[arm], self.arms[arm]
        return {
            "arm": arm,
            "effect": describe(eff.posterior, level),
            "prob_benefit": eff.prob_benefit,
            "prob_benefit_mcid": eff.prob_benefit_mcid,
            "prob_harm_mcid": eff.prob_harm_mcid,
            "shift": moved.shift,
            "conclusion": {
                "unadjusted": moved.unadjusted,
                "adjusted": moved.adjusted,
                "changed": moved.changed,
            },
        }

    def summary(self) -> str:
        lags = ", ".join(str(k) for k in self.lags)
        lines = [
            f"adjusted for exertion ({self.source}) on days {lags} before: "
            f"{self.adjusted.n_days} days analysed ({self.days_left_out} fewer)"
        ]
        for name, moved in self.arms.items():
            post = self.adjusted.effects[name].posterior
            lo, hi = post.interval(0.95)
            lines.append(
                f"  {name} - placebo: {post.mean:.2f} (95% CrI {lo:.2f} to {hi:.2f}); moved "
                f"{moved.shift:+.2f} ({moved.shift_sd:+.2f} SD); conclusion {moved.unadjusted} "
                + (f"-> {moved.adjusted} (changed)" if moved.changed else "(unchanged)")
            )
        return "\n".join(lines)

    def to_html(self) -> str:
        return f"<pre class='nof1-result'>{html.escape(self.summary())}</pre>"


class ExertionAdjustment:
    """The single-patient model of `model` (its outcome and options), fitted without and with
    lagged exertion covariates; `result_` is an `AdjustedComparison`."""

    def __init__(
        self,
        model: SingleTrial,
        *,
        source: str | ExertionSource = "exertion_yesterday",
        lags: Sequence[int] = DEFAULT_LAGS,
    ) -> None:
        self.source = source_of(source)
        self.lags = check_lags(lags)
        if self.source.column == model.outcome:
            raise ValueError(
                f"'{model.outcome}' cannot be adjusted for its own earlier days; choose "
                "another exertion source"
            )
        clash = set(lag_columns(self.lags)) & set(model.covariates)
        if clash:
            raise ValueError(f"the model already has the covariate {sorted(clash)[0]}")
        self.model = model

    def fit(
        self,
        table: pd.DataFrame,
        participant: str | None = None,
        *,
        unadjusted: SingleResult | None = None,
    ) -> ExertionAdjustment:
        """Fit one participant's rows; `unadjusted`, when given, is `model`'s result on the
        same rows (so a caller that has it does not fit it twice). Returns self."""
        pid, rows = select_participant(table, participant)
        if unadjusted is None:
            unadjusted = self.model.fit(rows, participant=pid).result_
        lagged = exertion_lags(rows, self.source, self.lags)
        m = self.model
        self.adjusted_model_ = SingleTrial(
            m.outcome,
            better=m.better,
            mcid=m.mcid,
            washout_days=m.washout_days,
            trend=m.trend,
            spline_df=m.spline_df,
            arms=m.arms,
            covariates=(*m.covariates, *lag_columns(self.lags)),
            log_offset=m.log_offset,
            rho_grid_size=m.rho_grid_size,
        ).fit(lagged, participant=pid)
        self.result_ = AdjustedComparison.of(
            unadjusted, self.adjusted_model_.result_, self.source.column, self.lags
        )
        return self
