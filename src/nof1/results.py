"""Result objects. Reports, the CLI and the web app display these and never recompute.

Each has `summary()` (text a person reads), `to_dict()` (plain JSON types; the CLI contract)
and `to_html()` (a fragment for reports).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray

Better = Literal["lower", "higher"]


class Distribution(Protocol):
    @property
    def mean(self) -> float: ...
    @property
    def sd(self) -> float: ...
    @property
    def median(self) -> float: ...
    def interval(self, level: float = 0.95) -> tuple[float, float]: ...


def describe(
    dist: Distribution, level: float = 0.95, *, keys: tuple[str, ...] = ()
) -> dict[str, Any]:
    """{mean, sd, median, ci95} (or only `keys`), rounded for display at full precision."""
    lo, hi = dist.interval(level)
    full = {"mean": dist.mean, "sd": dist.sd, "median": dist.median, "ci95": [lo, hi]}
    if level != 0.95:
        full[f"ci{round(level * 100):d}"] = full.pop("ci95")
    chosen = keys or tuple(full)
    return {k: full[k] for k in chosen if k in full}


def _fmt(x: float | None, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def benefit_probabilities(
    cdf: Any, better: Better, mcid: float | None
) -> tuple[float, float | None, float | None]:
    """P(benefit), P(benefit >= MCID), P(harm >= MCID) from a cdf of (active - placebo)."""
    sign = -1.0 if better == "lower" else 1.0
    below_zero = float(cdf(0.0))
    p_benefit = below_zero if sign < 0 else 1.0 - below_zero
    if mcid is None:
        return p_benefit, None, None
    lo, hi = float(cdf(-mcid)), 1.0 - float(cdf(mcid))
    return (p_benefit, lo, hi) if sign < 0 else (p_benefit, hi, lo)


@dataclass(frozen=True)
class ArmEffect:
    """One active arm against placebo: active minus placebo, in outcome (or log) units."""

    arm: str
    posterior: Distribution
    prob_benefit: float
    prob_benefit_mcid: float | None
    prob_harm_mcid: float | None


@dataclass(frozen=True)
class SingleResult:
    """The exact posterior of one participant's n-of-1 trial for one outcome."""

    participant: str
    outcome: str
    better: Better
    mcid: float | None
    n_days: int
    effects: dict[str, ArmEffect]
    rho: Distribution
    sigma: Distribution
    coefficients: dict[str, float]
    day: NDArray[np.int64] = field(repr=False)
    fitted: NDArray[np.float64] = field(repr=False)
    residuals: NDArray[np.float64] = field(repr=False)
    log_scale: bool = False
    washout_days: int = 0
    trend: str = "linear"
    randomization_p: float | None = None

    def effect(self, arm: str | None = None) -> ArmEffect:
        """The effect of `arm`, or of the only active arm."""
        if arm is None:
            if len(self.effects) != 1:
                raise ValueError(f"several active arms {list(self.effects)}: name one")
            return next(iter(self.effects.values()))
        if arm not in self.effects:
            raise KeyError(f"no arm '{arm}'; arms are {list(self.effects)}")
        return self.effects[arm]

    def to_dict(self, arm: str | None = None, level: float = 0.95) -> dict[str, Any]:
        """The CLI contract's object. With several active arms and no `arm`, adds "arm" and
        gives one object per arm under "arms"."""
        if arm is None and len(self.effects) > 1:
            base = self._contract(next(iter(self.effects)), level)
            base.pop("effect")
            for key in ("prob_benefit", "prob_benefit_mcid", "prob_harm_mcid"):
                base.pop(key)
            base["arms"] = [
                {"arm": a, **{k: v for k, v in self._contract(a, level).items() if k in _ARM_KEYS}}
                for a in self.effects
            ]
            return base
        return self._contract(arm, level)

    def _contract(self, arm: str | None, level: float) -> dict[str, Any]:
        eff = self.effect(arm)
        return {
            "participant": self.participant,
            "outcome": self.outcome,
            "n_days": self.n_days,
            "effect": describe(eff.posterior, level),
            "prob_benefit": eff.prob_benefit,
            "prob_benefit_mcid": eff.prob_benefit_mcid,
            "prob_harm_mcid": eff.prob_harm_mcid,
            "rho": describe(self.rho, level, keys=("mean", "ci95")),
            "sigma": describe(self.sigma, level, keys=("mean", "ci95")),
            "randomization_p": self.randomization_p,
        }

    def summary(self) -> str:
        scale = " (log scale: exp(effect) is the ratio active/placebo)" if self.log_scale else ""
        lines = [
            f"n-of-1 trial, participant {self.participant}, outcome '{self.outcome}'{scale}",
            f"{self.n_days} days analysed; {self.better} is better; trend {self.trend}; "
            f"analytic washout {self.washout_days} days",
        ]
        for eff in self.effects.values():
            lo, hi = eff.posterior.interval(0.95)
            lines.append(
                f"  {eff.arm} - placebo: {_fmt(eff.posterior.mean)} "
                f"(95% CrI {_fmt(lo)} to {_fmt(hi)}); P(benefit) {_fmt(eff.prob_benefit, 3)}"
                + (
                    f"; P(benefit >= MCID {self.mcid:g}) {_fmt(eff.prob_benefit_mcid, 3)}; "
                    f"P(harm >= MCID) {_fmt(eff.prob_harm_mcid, 3)}"
                    if self.mcid is not None
                    else ""
                )
            )
        rlo, rhi = self.rho.interval(0.95)
        slo, shi = self.sigma.interval(0.95)
        lines.append(
            f"  autocorrelation rho {_fmt(self.rho.mean)} ({_fmt(rlo)} to {_fmt(rhi)}); "
            f"residual SD {_fmt(self.sigma.mean)} ({_fmt(slo)} to {_fmt(shi)})"
        )
        if self.randomization_p is not None:
            lines.append(f"  randomisation test p = {self.randomization_p:.3g} (one-sided)")
        return "\n".join(lines)

    def to_html(self) -> str:
        return f"<pre class='nof1-result'>{html.escape(self.summary())}</pre>"


_ARM_KEYS = ("effect", "prob_benefit", "prob_benefit_mcid", "prob_harm_mcid")


@dataclass(frozen=True)
class SeriesResult:
    """A pooled analysis of many n-of-1 trials (see nof1.analysis.series)."""

    outcome: str
    better: Better
    mcid: float | None
    participants: tuple[str, ...]
    mu: Distribution
    tau: Distribution
    coefficients: Mapping[str, Distribution]
    predictive: Distribution  # a new patient's effect at the covariates' means
    prob_new_patient_benefit: float
    prob_new_patient_benefit_mcid: float | None
    responder_fraction: float | None  # expected share of these participants beyond the MCID
    effect_mean: NDArray[np.float64] = field(repr=False)  # shrunken b_i
    effect_sd: NDArray[np.float64] = field(repr=False)
    effect_median: NDArray[np.float64] = field(repr=False)
    effect_ci95: NDArray[np.float64] = field(repr=False)  # (m, 2)
    prob_benefit_mcid: NDArray[np.float64] | None = field(repr=False)
    stage1_mean: NDArray[np.float64] = field(repr=False)
    stage1_sd: NDArray[np.float64] = field(repr=False)
    excluded: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        outcome: str,
        better: Better,
        mcid: float | None,
        participants: tuple[str, ...],
        weight: NDArray[np.float64],
        loc: NDArray[np.float64],
        scale: NDArray[np.float64],
        mu: Distribution,
        tau: Distribution,
        coefficients: Mapping[str, Distribution],
        predictive: Any,
        stage1_mean: NDArray[np.float64],
        stage1_sd: NDArray[np.float64],
        excluded: dict[str, str],
    ) -> SeriesResult:
        """Summarise each participant's shrunken effect: a normal mixture over tau nodes."""
        from scipy import special

        from nof1.analysis._mixture import normal_mixture_ppf

        mean = weight @ loc
        sd = np.sqrt(np.maximum(weight @ (scale**2 + loc**2) - mean**2, 0.0))
        ci = np.column_stack(
            [
                normal_mixture_ppf(weight, loc, scale, 0.025),
                normal_mixture_ppf(weight, loc, scale, 0.975),
            ]
        )
        median = normal_mixture_ppf(weight, loc, scale, 0.5)
        p_new, p_new_mcid, _ = benefit_probabilities(predictive.cdf, better, mcid)
        p_mcid = None
        responders = None
        if mcid is not None:
            threshold = -mcid if better == "lower" else mcid
            below = weight @ special.ndtr((threshold - loc) / scale)
            p_mcid = below if better == "lower" else 1.0 - below
            responders = float(p_mcid.mean())
        return cls(
            outcome=outcome,
            better=better,
            mcid=mcid,
            participants=participants,
            mu=mu,
            tau=tau,
            coefficients=coefficients,
            predictive=predictive,
            prob_new_patient_benefit=p_new,
            prob_new_patient_benefit_mcid=p_new_mcid,
            responder_fraction=responders,
            effect_mean=mean,
            effect_sd=sd,
            effect_median=median,
            effect_ci95=ci,
            prob_benefit_mcid=p_mcid,
            stage1_mean=stage1_mean,
            stage1_sd=stage1_sd,
            excluded=excluded,
        )

    def to_dict(self, level: float = 0.95) -> dict[str, Any]:
        """The CLI contract's object."""
        keys = ("mean", "sd", "ci95")
        p_mcid = self.prob_benefit_mcid
        return {
            "outcome": self.outcome,
            "n_participants": len(self.participants),
            "mu": describe(self.mu, level, keys=keys),
            "tau": describe(self.tau, level, keys=keys),
            "coefficients": {
                k: describe(v, level, keys=keys) for k, v in self.coefficients.items()
            },
            "prob_new_patient_benefit_mcid": self.prob_new_patient_benefit_mcid,
            "participants": [
                {
                    "participant": pid,
                    "effect": {
                        "mean": float(self.effect_mean[i]),
                        "sd": float(self.effect_sd[i]),
                        "median": float(self.effect_median[i]),
                        "ci95": [float(self.effect_ci95[i, 0]), float(self.effect_ci95[i, 1])],
                    },
                    "prob_benefit_mcid": None if p_mcid is None else float(p_mcid[i]),
                }
                for i, pid in enumerate(self.participants)
            ],
        }

    def summary(self) -> str:
        mlo, mhi = self.mu.interval(0.95)
        tlo, thi = self.tau.interval(0.95)
        lines = [
            f"Series of {len(self.participants)} n-of-1 trials, outcome '{self.outcome}' "
            f"({self.better} is better)",
            f"  average effect mu {_fmt(self.mu.mean)} (95% CrI {_fmt(mlo)} to {_fmt(mhi)})",
            f"  between-patient SD tau {_fmt(self.tau.mean)} ({_fmt(tlo)} to {_fmt(thi)})",
            f"  P(a new patient benefits) {_fmt(self.prob_new_patient_benefit, 3)}",
        ]
        if self.mcid is not None:
            lines.append(
                f"  P(a new patient benefits by >= MCID {self.mcid:g}) "
                f"{_fmt(self.prob_new_patient_benefit_mcid, 3)}; expected share of these "
                f"participants who respond {_fmt(self.responder_fraction, 3)}"
            )
        for name, dist in self.coefficients.items():
            lo, hi = dist.interval(0.95)
            lines.append(
                f"  covariate {name}: {_fmt(dist.mean)} per unit ({_fmt(lo)} to {_fmt(hi)})"
            )
        if self.excluded:
            lines.append(
                f"  {len(self.excluded)} participant(s) excluded: "
                + ", ".join(f"{k} ({v})" for k, v in list(self.excluded.items())[:5])
            )
        return "\n".join(lines)

    def to_html(self) -> str:
        return f"<pre class='nof1-result'>{html.escape(self.summary())}</pre>"
