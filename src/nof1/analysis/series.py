"""Series (population) analysis: many n-of-1 trials pooled into one hierarchical model.

    stage 1: each participant's exact single-patient posterior of b_i (batched), summarised by
             its mean bhat_i and SD s_i: with flat priors that posterior is the likelihood of
             b_i, and over 100+ days it is normal to well within reporting precision;
    stage 2: bhat_i ~ N(b_i, s_i^2),  b_i ~ N(mu + x_i' theta, tau^2),
             flat priors on mu and theta, tau ~ half-normal(tau_scale).

Given tau, (mu, theta) is conjugate (weighted least squares); tau is integrated on a grid.
Outputs mu (the average effect at the covariates' means), tau (the between-patient SD of
effects), theta, each participant's shrunken effect, the predictive probability that a new
patient benefits by at least the MCID, and the expected fraction of responders.

Reference: the same two-stage model in JAGS (tests/reference/test_series_reference.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special

from nof1.analysis._ar1 import effect_moments, fit_many, rho_grid
from nof1.analysis._mixture import GridDistribution, NormalMixture
from nof1.analysis.design import Trend, build_long_design, check_options
from nof1.exceptions import DataError, InsufficientDataError
from nof1.results import Better, SeriesResult

Array = NDArray[np.float64]


def covariate_matrix(
    covariates: pd.DataFrame, participants: tuple[str, ...]
) -> tuple[Array, list[str]]:
    """Centred covariates per participant; text columns become indicator columns (first level
    is the reference). Centring makes mu the average effect at the covariates' means."""
    source = covariates.attrs.get("source", "covariates")
    if "participant" not in covariates.columns:
        raise DataError(
            "the covariates table needs a 'participant' column", source=source, column="participant"
        )
    cov = covariates.copy()
    cov["participant"] = cov["participant"].astype(str)
    if cov["participant"].duplicated().any():
        dup = cov.loc[cov["participant"].duplicated(), "participant"].iloc[0]
        raise DataError(f"participant '{dup}' appears twice", source=source, column="participant")
    cov = cov.set_index("participant")
    missing = [p for p in participants if p not in cov.index]
    if missing:
        raise DataError(
            f"no covariates for participants {missing[:5]}", source=source, column="participant"
        )
    cov = cov.loc[list(participants)]
    blocks, names = [], []
    for col in cov.columns:
        if cov[col].isna().any():
            raise DataError("has blank cells", source=source, column=str(col))
        values = pd.to_numeric(cov[col], errors="coerce")
        if values.notna().all():
            blocks.append(values.to_numpy(np.float64)[:, None])
            names.append(str(col))
        elif values.notna().any():
            raise DataError("mixes numbers and text", source=source, column=str(col))
        else:
            levels = sorted(cov[col].astype(str).unique())
            for level in levels[1:]:
                blocks.append((cov[col].astype(str) == level).to_numpy(np.float64)[:, None])
                names.append(f"{col}[{level}]")
    if not blocks:
        return np.empty((len(participants), 0)), []
    x = np.hstack(blocks)
    return x - x.mean(axis=0), names


class SeriesAnalysis:
    """Pool many participants' trials of one outcome."""

    def __init__(
        self,
        outcome: str,
        *,
        better: Better = "lower",
        mcid: float | None = None,
        washout_days: int = 0,
        trend: Trend = "linear",
        arm: str | None = None,
        tau_scale: float = 1.0,
        tau_grid_size: int = 200,
        rho_grid_size: int = 80,
    ) -> None:
        check_options(better, mcid, washout_days)
        if not (np.isfinite(tau_scale) and tau_scale > 0):
            raise ValueError("the half-normal scale of tau must be positive")
        self.outcome = outcome
        self.better: Better = better
        self.mcid = mcid
        self.washout_days = int(washout_days)
        self.trend: Trend = trend
        self.arm = arm
        self.tau_scale = float(tau_scale)
        self.tau_grid_size = int(tau_grid_size)
        self.rho_grid_size = int(rho_grid_size)

    def fit(
        self,
        table: pd.DataFrame,
        covariates: pd.DataFrame | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SeriesAnalysis:
        """Stage 1 for every participant, then stage 2; returns self. `progress(done, total)`
        is called as stage 1 works through the participants."""
        long = build_long_design(
            table, self.outcome, arm=self.arm, washout_days=self.washout_days, trend=self.trend
        )
        m = len(long.participants)
        post = fit_many(
            long.columns,
            long.y,
            long.day,
            long.series,
            m,
            rho_grid(self.rho_grid_size),
            progress=None if progress is None else (lambda done: progress(done, m)),
        )
        self.stage1_mean_, self.stage1_sd_ = effect_moments(post)
        if covariates is not None:
            xcov, names = covariate_matrix(covariates, long.participants)
        else:
            xcov, names = np.empty((m, 0)), []
        if m < 2 + len(names):
            raise InsufficientDataError(
                f"{m} analysable participants: a series needs at least {2 + len(names)}"
            )
        self.result_ = self._stage2(long.participants, xcov, names, long.excluded)
        return self

    def _tau_nodes(self, bhat: Array, s2: Array, design: Array) -> Array:
        """Midpoint nodes for tau that resolve its posterior, found by zooming in.

        The first grid reaches where prior or data could put mass; each further pass spreads
        the same number of nodes over the bins that hold mass, until the posterior spans at
        least a quarter of the nodes (with 100,000 participants tau is known to a few
        thousandths, far finer than any fixed grid).
        """
        lo, hi = 0.0, max(6.0 * self.tau_scale, 2.0 * float(np.std(bhat)))
        for _ in range(6):
            edges = np.linspace(lo, hi, self.tau_grid_size + 1)
            tau = 0.5 * (edges[:-1] + edges[1:])
            log_post = self._log_posterior(tau, bhat, s2, design)
            mass = np.nonzero(log_post > log_post.max() + np.log(1e-14))[0]
            if len(mass) >= self.tau_grid_size // 4:
                break
            lo, hi = edges[max(mass[0] - 1, 0)], edges[min(mass[-1] + 2, self.tau_grid_size)]
        return tau

    def _log_posterior(self, tau: Array, bhat: Array, s2: Array, design: Array) -> Array:
        """log p(tau | bhat) + const, with mu and theta integrated out (flat priors)."""
        inv_v = 1.0 / (s2[None, :] + tau[:, None] ** 2)  # (G, m)
        info = np.einsum("gi,ia,ib->gab", inv_v, design, design)  # X' V^-1 X
        score = (inv_v * bhat) @ design
        chol = np.linalg.cholesky(info)
        theta = np.linalg.solve(info, score[..., None])[..., 0]
        resid = bhat[None, :] - theta @ design.T
        log_lik = (
            0.5 * np.log(inv_v).sum(axis=1)
            - np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)
            - 0.5 * (inv_v * resid**2).sum(axis=1)
        )
        return np.asarray(log_lik - 0.5 * (tau / self.tau_scale) ** 2)

    def _stage2(
        self, ids: tuple[str, ...], xcov: Array, names: list[str], excluded: dict[str, str]
    ) -> SeriesResult:
        bhat, s2 = self.stage1_mean_, self.stage1_sd_**2
        m = len(bhat)
        design = np.column_stack([np.ones(m), xcov])  # (m, r): intercept is mu
        tau = self._tau_nodes(bhat, s2, design)
        log_post = self._log_posterior(tau, bhat, s2, design)
        w = np.exp(log_post - log_post.max())
        keep = w > 1e-14
        tau, w = tau[keep], w[keep] / w[keep].sum()
        inv_v = 1.0 / (s2[None, :] + tau[:, None] ** 2)
        cov = np.linalg.inv(np.einsum("gi,ia,ib->gab", inv_v, design, design))
        theta = np.einsum("gab,gb->ga", cov, (inv_v * bhat) @ design)

        coef = {
            name: NormalMixture.build(w, theta[:, j + 1], np.sqrt(cov[:, j + 1, j + 1]))
            for j, name in enumerate(names)
        }
        mu = NormalMixture.build(w, theta[:, 0], np.sqrt(cov[:, 0, 0]))
        # a new patient at the covariates' means: N(mu | tau, V_mu + tau^2)
        predictive = NormalMixture.build(w, theta[:, 0], np.sqrt(cov[:, 0, 0] + tau**2))
        # shrunken effects: b_i | tau, data is normal once theta | tau is integrated out
        pred_mean = theta @ design.T  # (G, m)
        pred_var = np.einsum("ia,gab,ib->gi", design, cov, design)
        shrink = s2[None, :] * inv_v  # B_i = s_i^2 / (s_i^2 + tau^2)
        loc = shrink * pred_mean + (1 - shrink) * bhat[None, :]
        scale = np.sqrt((1 - shrink) * s2[None, :] + shrink**2 * pred_var)
        return SeriesResult.build(
            outcome=self.outcome,
            better=self.better,
            mcid=self.mcid,
            participants=ids,
            weight=w,
            loc=loc,
            scale=scale,
            mu=mu,
            tau=GridDistribution(tau, w),
            coefficients=coef,
            predictive=predictive,
            stage1_mean=bhat,
            stage1_sd=np.sqrt(s2),
            excluded=excluded,
        )


def normal_mixture_cdf(weight: Array, loc: Array, scale: Array, at: Array) -> Array:
    """Column-wise mixture cdf: loc, scale (G, m); returns (m,) P(X_i <= at_i)."""
    return np.asarray(weight @ special.ndtr((at[None, :] - loc) / scale))
