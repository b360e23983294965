"""nof1's exact AR(1) posterior against MCMC of the same model in JAGS (jags_reference.R).

The JAGS model has the same likelihood (AR(1) across calendar gaps, first day from the
stationary distribution) and the same priors: coefficients N(0, 1e8) (flat for these data),
log(sigma) uniform, i.e. p(sigma^2) ~ 1/sigma^2, rho uniform on (-0.995, 0.995), the range of
nof1's rho grid. 4 chains of 25,000 draws after burn-in; the seeds are in out/jags_session.csv.

Tolerances are Monte Carlo errors: MCSE = sd / sqrt(ESS) with coda's effectiveSize. A mean
agrees when |nof1 - JAGS| <= max(4 MCSE, 0.02 posterior SD); an effect quantile x_q when
|nof1 - JAGS| <= max(4 sqrt(q (1 - q) / ESS_q) / f(x_q), 0.02 SD), ESS_q the effective size of
[draw <= x_q] and f nof1's exact density; the effect SD within 3% (relative).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from reference_cases import fitted, names, session, stored

DATASETS = names()


def jags(dataset: str) -> pd.DataFrame:
    table = stored("jags_summary.csv")
    return table[table["dataset"] == dataset].set_index("parameter")


def agree(ours: float, row: pd.Series) -> tuple[float, float]:
    """|nof1 - JAGS| and the allowed max(4 MCSE, 0.02 SD) for a posterior mean."""
    return abs(ours - row["mean"]), max(4.0 * row["mcse"], 0.02 * row["sd"])


@pytest.mark.parametrize("dataset", DATASETS)
def test_jags_sampled_the_same_days(dataset):
    """reference_data.R keeps as many days as nof1 (nlme test checks them day by day)."""
    assert (jags(dataset)["n"] == fitted(dataset).result_.n_days).all()


@pytest.mark.parametrize("dataset", DATASETS)
def test_jags_chains_converged(dataset):
    """The reference itself: gelman.diag PSRF < 1.01 and ESS > 1000 for every parameter."""
    summary = jags(dataset)
    assert (summary["rhat"] < 1.01).all()
    assert (summary["ess"] > 1000).all()


@pytest.mark.parametrize("dataset", DATASETS)
def test_effect_mean_matches_jags(dataset):
    """JAGS mean(effect); tolerance max(4 MCSE, 0.02 posterior SD)."""
    ours = fitted(dataset).result_.effect().posterior.mean
    gap, allowed = agree(ours, jags(dataset).loc["effect"])
    assert gap <= allowed


@pytest.mark.parametrize("dataset", DATASETS)
def test_effect_sd_matches_jags(dataset):
    """JAGS sd(effect); relative tolerance 3%."""
    ours = fitted(dataset).result_.effect().posterior.sd
    assert ours == pytest.approx(jags(dataset).loc["effect", "sd"], rel=0.03)


@pytest.mark.parametrize("dataset", DATASETS)
def test_effect_quantiles_match_jags(dataset):
    """JAGS quantile(effect, c(0.025, 0.5, 0.975)); tolerance max(4 sqrt(q(1-q)/ESS_q) /
    f(x_q), 0.02 SD), f the exact posterior density (central difference of nof1's cdf)."""
    posterior = fitted(dataset).result_.effect().posterior
    row = jags(dataset).loc["effect"]
    for q, key in ((0.025, "q025"), (0.5, "q50"), (0.975, "q975")):
        x = posterior.ppf(q)
        h = 1e-4 * posterior.sd
        density = float(posterior.cdf(x + h) - posterior.cdf(x - h)) / (2 * h)
        mcse = np.sqrt(q * (1 - q) / row[f"ess_{key}"]) / density
        assert abs(x - row[key]) <= max(4 * mcse, 0.02 * row["sd"]), key


@pytest.mark.parametrize("dataset", DATASETS)
def test_rho_mean_matches_jags(dataset):
    """JAGS mean(rho); tolerance max(4 MCSE, 0.02 posterior SD)."""
    gap, allowed = agree(fitted(dataset).result_.rho.mean, jags(dataset).loc["rho"])
    assert gap <= allowed


@pytest.mark.parametrize("dataset", DATASETS)
def test_sigma_mean_matches_jags(dataset):
    """JAGS mean(sigma); tolerance max(4 MCSE, 0.02 posterior SD)."""
    gap, allowed = agree(fitted(dataset).result_.sigma.mean, jags(dataset).loc["sigma"])
    assert gap <= allowed


def test_jags_session_records_versions_and_seeds():
    """jags_reference.R writes the R, JAGS, rjags and coda versions and its seeds."""
    info = session("jags_session.csv")
    assert info["R"].startswith("R version")
    assert info["JAGS"] and info["rjags"] and info["coda"]
    assert info["seed"].split()[0].isdigit()
    assert int(info["chains"]) == 4 and int(info["iterations_per_chain"]) >= 25_000
