"""Stage 2 of nof1's series model against MCMC of the same model in JAGS (series_jags_reference.R).

Both sides start from the same stored stage-1 summaries, data/series_stage1.csv (30 simulated
trials, make_series_dataset.py): participant, bhat, s, age. The JAGS model is

    bhat[i] ~ dnorm(b[i], 1 / s[i]^2)
    b[i] ~ dnorm(mu + theta * agec[i], 1 / tau^2)     agec = age - mean(age)
    mu ~ dnorm(0, 1.0E-6), theta ~ dnorm(0, 1.0E-6)   (flat for these data)
    tau ~ dnorm(0, 1) T(0,)                           (half-normal, scale 1)
    b_new ~ dnorm(mu, 1 / tau^2),  p_new_mcid <- phi((-1 - mu) / tau)

fitted twice: "intercept" (theta = 0) and "age"; nof1 runs SeriesAnalysis(tau_scale=1, mcid=1)
stage 2 on the same numbers. 4 chains of 50,000 draws after burn-in; seeds and versions are in
out/series_jags_session.csv.

Tolerances are Monte Carlo errors: MCSE = sd / sqrt(ESS) with coda's effectiveSize. A mean
agrees when |nof1 - JAGS| <= max(4 MCSE, 0.02 posterior SD); an SD within 3% (relative), tau's
within 5%; P(new patient's effect <= -MCID) within 0.01; a 2.5% or 97.5% point x_q within
max(4 sqrt(q (1 - q) / ESS_q) / f(x_q), 0.02 SD), ESS_q the effective size of [draw <= x_q]
and f nof1's density.

Independently of JAGS, the no-covariate posterior of (mu, tau) is integrated by brute force on a
2000 x 2000 grid; nof1's moments must agree to 1e-3 (relative).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import special

from nof1.analysis.series import SeriesAnalysis
from nof1.results import SeriesResult

HERE = Path(__file__).resolve().parent
STAGE1 = HERE / "data" / "series_stage1.csv"
OUT = HERE / "out"
MCID = 1.0
TAU_SCALE = 1.0
MODELS = ("intercept", "age")
# (model, parameter) pairs that both sides report as posterior distributions
PARAMETERS = [
    ("intercept", "mu"),
    ("intercept", "tau"),
    ("age", "mu"),
    ("age", "tau"),
    ("age", "theta"),
]


@cache
def stage1() -> pd.DataFrame:
    return pd.read_csv(STAGE1, dtype={"participant": str})


@cache
def fitted(model: str) -> SeriesResult:
    """nof1's stage 2 on the stored stage-1 summaries, as SeriesAnalysis.fit runs it."""
    data = stage1()
    series = SeriesAnalysis("fatigue", better="lower", mcid=MCID, tau_scale=TAU_SCALE)
    series.stage1_mean_ = data["bhat"].to_numpy(np.float64)
    series.stage1_sd_ = data["s"].to_numpy(np.float64)
    if model == "age":
        age = data[["age"]].to_numpy(np.float64)
        xcov, names = age - age.mean(axis=0), ["age"]
    else:
        xcov, names = np.empty((len(data), 0)), []
    return series._stage2(tuple(data["participant"]), xcov, names, {})


def ours(model: str, parameter: str) -> Any:
    result = fitted(model)
    return result.coefficients["age"] if parameter == "theta" else getattr(result, parameter)


@cache
def summary() -> pd.DataFrame:
    return pd.read_csv(OUT / "series_jags_summary.csv", dtype={"participant": str})


def jags(model: str) -> pd.DataFrame:
    table = summary()
    return table[table["model"] == model].set_index("parameter")


def session() -> dict[str, str]:
    table = pd.read_csv(OUT / "series_jags_session.csv", dtype=str)
    return dict(zip(table["key"], table["value"], strict=True))


def mean_gap(ours_mean: float, row: pd.Series) -> tuple[float, float]:
    """|nof1 - JAGS| and the allowed max(4 MCSE, 0.02 SD) for a posterior mean."""
    return abs(ours_mean - row["mean"]), max(4.0 * row["mcse"], 0.02 * row["sd"])


def test_stored_stage1_is_what_make_series_dataset_writes():
    """Stage 1 of the regenerated trials reproduces the stored bhat and s (10 digits)."""
    from make_series_dataset import stage1 as regenerate

    fresh, stored = regenerate(), stage1()
    assert list(fresh["participant"]) == list(stored["participant"])
    for column in ("bhat", "s", "age", "true_effect"):
        np.testing.assert_allclose(fresh[column], stored[column], rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("model", MODELS)
def test_jags_fitted_the_stored_participants_in_order(model):
    b = jags(model).filter(like="b[", axis=0)
    assert list(b["participant"]) == list(stage1()["participant"])


def test_jags_ran_the_same_prior_and_mcid_with_recorded_versions():
    info = session()
    assert info["tau_prior"] == "half-normal, scale 1: dnorm(0, 1) T(0,)"
    assert float(info["mcid"]) == MCID and TAU_SCALE == 1.0
    assert {"R", "JAGS", "rjags", "coda", "seed"} <= set(info)
    assert int(info["chains"]) == 4 and int(info["iterations_per_chain"]) == 50_000


@pytest.mark.parametrize("model", MODELS)
def test_jags_chains_converged(model):
    """The reference itself: gelman.diag PSRF < 1.01 and ESS > 10,000 for every quantity."""
    table = jags(model)
    assert (table["rhat"] < 1.01).all()
    assert (table["ess"] > 10_000).all()


@pytest.mark.parametrize(("model", "parameter"), PARAMETERS)
def test_posterior_mean_matches_jags(model, parameter):
    """JAGS mean(mu), mean(tau), mean(theta); tolerance max(4 MCSE, 0.02 posterior SD)."""
    gap, allowed = mean_gap(ours(model, parameter).mean, jags(model).loc[parameter])
    assert gap <= allowed


@pytest.mark.parametrize(("model", "parameter"), PARAMETERS)
def test_posterior_sd_matches_jags(model, parameter):
    """JAGS sd(mu), sd(theta) within 3% and sd(tau) within 5% (relative)."""
    rel = 0.05 if parameter == "tau" else 0.03
    assert ours(model, parameter).sd == pytest.approx(jags(model).loc[parameter, "sd"], rel=rel)


@pytest.mark.parametrize(("model", "parameter"), PARAMETERS)
@pytest.mark.parametrize("q", [0.025, 0.975])
def test_credible_interval_matches_jags(model, parameter, q):
    """JAGS 2.5% and 97.5% points; tolerance max(4 sqrt(q(1-q)/ESS_q)/f(x_q), 0.02 SD)."""
    dist, row = ours(model, parameter), jags(model).loc[parameter]
    level = "q025" if q < 0.5 else "q975"
    x = dist.ppf(q)
    density = 0.01 / (dist.ppf(q + 0.005) - dist.ppf(q - 0.005))
    allowed = max(4.0 * np.sqrt(q * (1 - q) / row[f"ess_{level}"]) / density, 0.02 * row["sd"])
    assert abs(x - row[level]) <= allowed


@pytest.mark.parametrize("model", MODELS)
def test_new_patient_benefit_probability_matches_jags(model):
    """P(b_new <= -MCID): JAGS mean of phi((-1 - mu) / tau) and of step(-1 - b_new), within 0.01."""
    table, ours_p = jags(model), fitted(model).prob_new_patient_benefit_mcid
    assert ours_p is not None
    assert abs(ours_p - table.loc["p_new_mcid", "mean"]) <= 0.01
    assert abs(ours_p - table.loc["b_new_le_-mcid", "mean"]) <= 0.01


@pytest.mark.parametrize("model", MODELS)
def test_new_patient_effect_matches_jags(model):
    """JAGS b_new ~ N(mu, tau^2): mean within max(4 MCSE, 0.02 SD), SD within 3%."""
    predictive, row = fitted(model).predictive, jags(model).loc["b_new"]
    gap, allowed = mean_gap(predictive.mean, row)
    assert gap <= allowed
    assert predictive.sd == pytest.approx(row["sd"], rel=0.03)


@pytest.mark.parametrize("model", MODELS)
def test_shrunken_effects_match_jags(model):
    """Every participant's b_i: mean within max(4 MCSE, 0.02 SD), SD within 3%."""
    result, b = fitted(model), jags(model).filter(like="b[", axis=0)
    allowed = np.maximum(4.0 * b["mcse"], 0.02 * b["sd"]).to_numpy()
    assert np.all(np.abs(result.effect_mean - b["mean"].to_numpy()) <= allowed)
    np.testing.assert_allclose(result.effect_sd, b["sd"].to_numpy(), rtol=0.03)


@cache
def brute_force() -> dict[str, Any]:
    """p(mu, tau | bhat) ∝ HN(tau; 1) prod_i N(bhat_i; mu, s_i^2 + tau^2) on a 2000 x 2000 grid
    (midpoints in tau over (0, 3], mu over [-2.2, 0.6]: the posterior is 0.11 and 0.13 wide)."""
    data = stage1()
    bhat, s2 = data["bhat"].to_numpy(), data["s"].to_numpy() ** 2
    n, tau_max = 2000, 3.0
    tau = (np.arange(n) + 0.5) * tau_max / n
    mu = np.linspace(-2.2, 0.6, n)
    var = s2[None, :] + tau[:, None] ** 2  # (tau, i)
    # sum_i (bhat_i - mu)^2 / v_i, expanded in powers of mu
    a, b, c = (bhat**2 / var).sum(1), (bhat / var).sum(1), (1.0 / var).sum(1)
    log_post = (
        -0.5 * np.log(var).sum(1)[:, None]
        - 0.5 * (a[:, None] - 2.0 * b[:, None] * mu + c[:, None] * mu**2)
        - 0.5 * (tau[:, None] / TAU_SCALE) ** 2
    )
    post = np.exp(log_post - log_post.max())
    post /= post.sum()
    p_tau, p_mu = post.sum(1), post.sum(0)
    mu_mean, tau_mean = p_mu @ mu, p_tau @ tau
    cdf_tau = np.concatenate(([0.0], np.cumsum(p_tau)))
    edges = np.arange(n + 1) * tau_max / n
    return {
        "mu": (mu_mean, np.sqrt(p_mu @ (mu - mu_mean) ** 2)),
        "tau": (tau_mean, np.sqrt(p_tau @ (tau - tau_mean) ** 2)),
        "tau_interval": tuple(np.interp([0.025, 0.975], cdf_tau, edges)),
        "p_new_mcid": float(np.sum(post * special.ndtr((-MCID - mu) / tau[:, None]))),
        "edge_mass": (p_tau[-1], p_mu[0], p_mu[-1]),
    }


def test_brute_force_grid_holds_the_whole_posterior():
    assert max(brute_force()["edge_mass"]) < 1e-12


@pytest.mark.parametrize("parameter", ["mu", "tau"])
def test_moments_match_brute_force_integration(parameter):
    """No covariate: mean and SD of mu and tau within 1e-3 (relative) of the 2-D grid."""
    mean, sd = brute_force()[parameter]
    dist = ours("intercept", parameter)
    assert dist.mean == pytest.approx(mean, rel=1e-3)
    assert dist.sd == pytest.approx(sd, rel=1e-3)


def test_new_patient_benefit_probability_matches_brute_force_integration():
    """No covariate: P(b_new <= -MCID) = E[Phi((-MCID - mu) / tau)] within 1e-4."""
    ours_p = fitted("intercept").prob_new_patient_benefit_mcid
    assert ours_p == pytest.approx(brute_force()["p_new_mcid"], abs=1e-4)


def test_tau_interval_matches_brute_force_integration():
    """No covariate: tau's 95% interval within 1e-3 (relative) of the 2-D grid."""
    assert fitted("intercept").tau.interval(0.95) == pytest.approx(
        brute_force()["tau_interval"], rel=1e-3
    )
