"""nof1's exact AR(1) model against R nlme::gls with corCAR1 (stored output of nlme_reference.R).

Given rho, the model's posterior of the coefficients is the GLS fit: location = GLS estimate,
scale^2 = s^2 (X'R^-1X)^-1 with s^2 = RSS/(n - p), the REML variance. Its log marginal
posterior of rho is the REML log-likelihood profiled over sigma, up to a constant, so the
posterior mode of rho is the REML estimate. corCAR1(form = ~day) has correlation phi^|day
difference|, nof1's rho for phi > 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from make_datasets import TRIALS, simulate
from reference_cases import (
    DATA,
    conditional,
    effect_column,
    fitted,
    names,
    session,
    stored,
    trials,
)
from scipy.optimize import minimize_scalar

from nof1.analysis._ar1 import fit_many

NLME = names(nlme_only=True)


def nlme_rows(dataset: str, name: str) -> pd.DataFrame:
    table = stored(name)
    return table[table["dataset"] == dataset].reset_index(drop=True)


def conditional_effect(dataset: str, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    post = conditional(dataset, phi)
    j = effect_column(dataset)
    assert post.beta is not None and post.xtwx_inv is not None
    scale2 = post.scale2[0] * post.xtwx_inv[0, :, j, j]
    return post.beta[0, :, j], np.sqrt(scale2)


@pytest.mark.parametrize("trial", TRIALS, ids=lambda t: t.name)
def test_stored_trials_are_what_make_datasets_writes(trial):
    """The CSVs R reads are exactly make_datasets.py's output (outcomes to 1e-9)."""
    table = pd.read_csv(DATA / trial.file)
    pd.testing.assert_frame_equal(table, simulate(trial), check_exact=False, atol=1e-9, rtol=0)


@pytest.mark.parametrize("dataset", NLME)
def test_r_fits_the_same_rows_and_columns(dataset):
    """reference_data.R (run-in, washout, missing days dropped; trend column) builds the same
    design as nof1: same days, and active, trend and outcome equal to 1e-12."""
    design = fitted(dataset).design_
    rows = nlme_rows(dataset, "nlme_rows.csv")
    np.testing.assert_array_equal(rows["day"].to_numpy(), design.day)
    cols = design.columns
    np.testing.assert_allclose(rows["active"], design.x[:, cols.index("arm[active]")], atol=1e-12)
    np.testing.assert_allclose(rows["trend"], design.x[:, cols.index("trend")], atol=1e-12)
    np.testing.assert_allclose(rows["fatigue"], design.y, atol=1e-12)
    for name in ("nlme_fixed_phi.csv", "nlme_reml.csv"):
        assert (nlme_rows(dataset, name)["n"] == len(design.y)).all()


@pytest.mark.parametrize("dataset", NLME)
def test_fixed_phi_gls_is_the_conditional_posterior(dataset):
    """R: gls(fatigue ~ active + trend, correlation = corCAR1(value = phi, form = ~day,
    fixed = TRUE), method = "REML") for phi in 0.2, 0.5, 0.8, 0.95. coef(fit)["active"],
    sqrt(vcov(fit)["active", "active"]) and fit$sigma equal the conditional posterior's
    location, scale and sqrt(s^2) at rho = phi, relative tolerance 1e-6."""
    fits = nlme_rows(dataset, "nlme_fixed_phi.csv")
    phi = fits["phi"].to_numpy()
    estimate, se = conditional_effect(dataset, phi)
    np.testing.assert_allclose(estimate, fits["estimate"], rtol=1e-6)
    np.testing.assert_allclose(se, fits["se"], rtol=1e-6)
    np.testing.assert_allclose(
        np.sqrt(conditional(dataset, phi).scale2[0]), fits["sigma"], rtol=1e-6
    )


@pytest.mark.parametrize("dataset", NLME)
def test_batched_fit_of_the_effect_in_the_last_column_matches_fixed_phi_gls(dataset):
    """The batched path (fit_many, effect moved to the last column of X, as the series model
    and the simulations use it) against the same fixed-phi gls fits; relative 1e-6."""
    design = fitted(dataset).design_
    j = effect_column(dataset)
    order = [k for k in range(design.x.shape[1]) if k != j] + [j]
    fits = nlme_rows(dataset, "nlme_fixed_phi.csv")
    series = np.zeros(len(design.y), dtype=np.int64)
    post = fit_many(
        list(design.x[:, order].T), design.y, design.day, series, 1, fits["phi"].to_numpy()
    )
    np.testing.assert_allclose(post.last_loc[0], fits["estimate"], rtol=1e-6)
    np.testing.assert_allclose(np.sqrt(post.scale2[0] * post.last_var[0]), fits["se"], rtol=1e-6)


@pytest.mark.parametrize("dataset", NLME)
def test_reml_loglik_is_the_log_marginal_posterior_of_rho(dataset):
    """R: logLik() of the fixed-phi REML fits above. Differences between phi values equal the
    differences of nof1's log_marginal (log p(rho | y) up to a constant), absolute 1e-6."""
    fits = nlme_rows(dataset, "nlme_fixed_phi.csv")
    log_marginal = conditional(dataset, fits["phi"].to_numpy()).log_marginal[0]
    loglik = fits["loglik"].to_numpy()
    np.testing.assert_allclose(np.diff(log_marginal), np.diff(loglik), rtol=0, atol=1e-6)


@pytest.mark.parametrize("dataset", NLME)
def test_reml_estimate_of_phi_is_the_posterior_mode_of_rho(dataset):
    """R: gls(fatigue ~ active + trend, correlation = corCAR1(form = ~day), method = "REML",
    control = glsControl(tolerance = 1e-10, msTol = 1e-10)); phi from intervals(fit).
    nof1's mode of log p(rho | y), by minimize_scalar on the exact log marginal, is within
    1e-3 of phi (absolute), and lies inside nlme's 95% interval."""
    reml = nlme_rows(dataset, "nlme_reml.csv").iloc[0]
    found = minimize_scalar(
        lambda r: -conditional(dataset, np.array([r])).log_marginal[0, 0],
        bounds=(1e-6, 0.995),
        method="bounded",
        options={"xatol": 1e-9},
    )
    assert found.success
    assert abs(found.x - reml["phi"]) < 1e-3
    assert reml["phi_lower"] < found.x < reml["phi_upper"]


@pytest.mark.parametrize("dataset", NLME)
def test_reml_effect_at_its_phi_is_the_conditional_posterior(dataset):
    """R: coef(fit)["active"] and sqrt(vcov(fit)["active", "active"]) of the REML fit with phi
    estimated equal nof1's conditional location and scale at rho = phi, relative 1e-6."""
    reml = nlme_rows(dataset, "nlme_reml.csv").iloc[[0]]
    estimate, se = conditional_effect(dataset, reml["phi"].to_numpy())
    np.testing.assert_allclose(estimate, reml["estimate"], rtol=1e-6)
    np.testing.assert_allclose(se, reml["se"], rtol=1e-6)


def test_the_trial_with_negative_autocorrelation_is_left_to_jags():
    """corCAR1 needs 0 < phi < 1, so exactly the negative-rho trial has no nlme output."""
    t = trials()
    assert set(NLME) == set(t.index[t["true_rho"] > 0])
    assert set(stored("nlme_reml.csv")["dataset"]) == set(NLME)


def test_nlme_session_records_its_versions():
    """nlme_reference.R writes the R and nlme versions next to its numbers."""
    info = session("nlme_session.csv")
    assert info["R"].startswith("R version")
    assert info["nlme"]
