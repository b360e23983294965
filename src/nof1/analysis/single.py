"""The default single-patient model: exact Bayesian regression with AR(1) errors in calendar time.

    y_t = alpha + sum_k beta_k [arm_t = k] + trend(t) + covariates_t' gamma + e_t,
    Cov(e_s, e_t) = sigma^2 rho^|s - t|  (days s, t; gaps from missing days handled exactly)

Flat priors on alpha, beta, trend and gamma; p(sigma^2) ~ 1/sigma^2; rho uniform on
(-0.995, 0.995): the architecture's Uniform(-1, 1), truncated where a stationary AR(1) can no
longer be told from a random walk (with an intercept the likelihood levels off rather than
vanishing as rho -> 1, so the cut is a modelling choice; we warn when the posterior presses
against it).
Given rho the posterior is conjugate; rho is integrated on a grid, so each arm's effect
posterior is a finite mixture of Student-t distributions: no MCMC, no seed, milliseconds.

Reference: R `nlme::gls(y ~ arm + day, correlation = corCAR1(form = ~day), method = "REML")`
has the same conditional estimates at fixed rho, and its REML log-likelihood, as a function of
rho, equals this model's log marginal posterior of rho up to a constant
(tests/reference/test_nlme_reference.py, tolerance 1e-6 relative).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from nof1.analysis._ar1 import GridPosterior, gap_statistics, grid_posterior, rho_grid
from nof1.analysis._mixture import GridDistribution, ScaleMixture, StudentTMixture
from nof1.analysis.design import Design, Trend, build_design, check_options
from nof1.exceptions import ApproximationWarning, InsufficientDataError
from nof1.results import ArmEffect, Better, SingleResult, benefit_probabilities


def fit_design(design: Design, grid: np.ndarray) -> GridPosterior:
    """The exact grid posterior for one design (one series)."""
    z = np.column_stack([design.x, design.y])
    stats = gap_statistics(z, design.day, np.zeros(len(design.y), dtype=np.int64), 1)
    return grid_posterior(stats, grid)


def select_participant(table: pd.DataFrame, participant: str | None) -> tuple[str, pd.DataFrame]:
    """One participant's rows; `participant` may be omitted when the table holds only one."""
    ids = table["participant"].astype(str)
    present = list(ids.unique())
    if participant is None:
        if len(present) != 1:
            raise InsufficientDataError(
                f"the table holds {len(present)} participants; name one with participant="
            )
        participant = present[0]
    rows = table[(ids == str(participant)).to_numpy(bool)]
    if rows.empty:
        raise InsufficientDataError(f"no rows for participant '{participant}'")
    return str(participant), rows


NEAR_UNIT_ROOT = 0.98


class SingleTrial:
    """Exact posterior of one participant's n-of-1 trial for one outcome.

    Options are checked here so that a bad option fails before any data are read.
    """

    def __init__(
        self,
        outcome: str,
        *,
        better: Better = "lower",
        mcid: float | None = None,
        washout_days: int = 0,
        trend: Trend = "linear",
        spline_df: int = 3,
        arms: Sequence[str] | None = None,
        covariates: Sequence[str] = (),
        log_offset: float | None = None,
        rho_grid_size: int = 200,
    ) -> None:
        check_options(better, mcid, washout_days)
        if trend not in ("none", "linear", "spline"):
            raise ValueError(f"trend must be 'none', 'linear' or 'spline', got {trend!r}")
        if int(spline_df) != spline_df or spline_df < 1:
            raise ValueError(f"spline df must be a whole number >= 1, got {spline_df!r}")
        if log_offset is not None and not (np.isfinite(log_offset) and log_offset >= 0):
            raise ValueError(f"log offset must be a number >= 0, got {log_offset!r}")
        if rho_grid_size < 20:
            raise ValueError("the rho grid needs at least 20 nodes")
        self.outcome = outcome
        self.better: Better = better
        self.mcid = mcid
        self.washout_days = int(washout_days)
        self.trend: Trend = trend
        self.spline_df = int(spline_df)
        self.arms = tuple(arms) if arms is not None else None
        self.covariates = tuple(covariates)
        self.log_offset = log_offset
        self.rho_grid_size = rho_grid_size

    def fit(self, table: pd.DataFrame, participant: str | None = None) -> SingleTrial:
        """Fit one participant's rows of a canonical daily table; returns self."""
        self.participant_, rows = select_participant(table, participant)
        self.design_ = build_design(
            rows,
            self.outcome,
            arms=self.arms,
            washout_days=self.washout_days,
            trend=self.trend,
            spline_df=self.spline_df,
            covariates=self.covariates,
            log_offset=self.log_offset,
        )
        self.posterior_ = fit_design(self.design_, rho_grid(self.rho_grid_size))
        self.result_ = self._result(self.design_, self.posterior_)
        return self

    def _result(self, design: Design, post: GridPosterior) -> SingleResult:
        w = post.weight[0]
        # A fixed region, not the end nodes: the warning must not depend on the grid size.
        edge = float(w[np.abs(post.rho) > NEAR_UNIT_ROOT].sum())
        if edge > 0.05:
            import warnings

            warnings.warn(
                f"the posterior puts {edge:.0%} of rho beyond +/-{NEAR_UNIT_ROOT}: the series "
                "drifts like a random walk, which the prior truncates at +/-0.995; "
                "consider trend='spline'",
                ApproximationWarning,
                stacklevel=3,
            )
        dof = float(post.dof[0])
        assert post.beta is not None and post.xtwx_inv is not None  # fit_design asks for both
        effects = {}
        for j, arm in enumerate(design.arms, start=1):
            scale = np.sqrt(post.scale2[0] * post.xtwx_inv[0, :, j, j])
            dist = StudentTMixture.build(w, post.beta[0, :, j], scale, dof)
            p_b, p_bm, p_hm = benefit_probabilities(dist.cdf, self.better, self.mcid)
            effects[arm] = ArmEffect(arm, dist, p_b, p_bm, p_hm)
        beta_mean = w @ post.beta[0]
        fitted = design.x @ beta_mean
        return SingleResult(
            participant=self.participant_,
            outcome=self.outcome,
            better=self.better,
            mcid=self.mcid,
            n_days=len(design.y),
            effects=effects,
            rho=GridDistribution(post.rho, w),
            sigma=ScaleMixture.build(w, post.rss[0], dof),
            coefficients=dict(zip(design.columns, map(float, beta_mean), strict=True)),
            day=design.day,
            fitted=fitted,
            residuals=design.y - fitted,
            log_scale=self.log_offset is not None,
            washout_days=self.washout_days,
            trend=self.trend,
        )
