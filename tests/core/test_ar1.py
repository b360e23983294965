"""The gap formula against a dense GLS with an explicit correlation matrix, and the batched
shortcut against the full solve."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nof1.analysis._ar1 import (
    effect_cdf,
    effect_moments,
    fit_many,
    gap_statistics,
    grid_posterior,
    rho_grid,
)


def dense_gls(x, y, day, rho):
    """Textbook GLS with R_ij = rho^|d_i - d_j|: estimate, (X'R^-1X)^-1, RSS, log marginal."""
    lag = np.abs(day[:, None] - day[None, :])
    r = np.power(rho, lag.astype(float))
    r_inv = np.linalg.inv(r)
    xtx = x.T @ r_inv @ x
    cov = np.linalg.inv(xtx)
    beta = cov @ x.T @ r_inv @ y
    resid = y - x @ beta
    rss = resid @ r_inv @ resid
    n, p = x.shape
    log_marg = (
        -0.5 * np.linalg.slogdet(r)[1]
        - 0.5 * np.linalg.slogdet(xtx)[1]
        - 0.5 * (n - p) * np.log(rss)
    )
    return beta, cov, rss, log_marg


def random_series(seed, n=40, missing=0.3):
    rng = np.random.default_rng(seed)
    day = np.sort(rng.choice(np.arange(1, 3 * n), size=n, replace=False))
    x = np.column_stack([np.ones(n), day / day.max(), rng.random(n) < 0.5]).astype(float)
    y = x @ np.array([3.0, 0.5, -1.0]) + rng.standard_normal(n)
    return x, y, day


@given(seed=st.integers(0, 10_000), rho=st.floats(-0.95, 0.95))
def test_the_gap_formula_equals_a_dense_gls_for_any_missing_days(seed, rho):
    x, y, day = random_series(seed)
    stats = gap_statistics(np.column_stack([x, y]), day, np.zeros(len(y), dtype=np.int64), 1)
    post = grid_posterior(stats, np.array([rho, 0.3]))
    beta, cov, rss, log_marg = dense_gls(x, y, day, rho)
    _, _, _, log_marg_ref = dense_gls(x, y, day, 0.3)
    np.testing.assert_allclose(post.beta[0, 0], beta, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(post.xtwx_inv[0, 0], cov, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(post.rss[0, 0], rss, rtol=1e-8)
    # the log marginal is defined up to a constant: compare differences between two nodes
    np.testing.assert_allclose(
        post.log_marginal[0, 0] - post.log_marginal[0, 1], log_marg - log_marg_ref, atol=1e-7
    )
    # the last coefficient read off the Cholesky factor equals the full solve
    np.testing.assert_allclose(post.last_loc[0, 0], beta[-1], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(post.last_var[0, 0], cov[-1, -1], rtol=1e-8)


@given(seed=st.integers(0, 10_000), drop=st.integers(1, 38))
def test_dropping_a_day_gives_the_gls_of_the_remaining_days(seed, drop):
    x, y, day = random_series(seed)
    keep = np.arange(len(y)) != drop
    stats = gap_statistics(
        np.column_stack([x[keep], y[keep]]), day[keep], np.zeros(keep.sum(), dtype=np.int64), 1
    )
    post = grid_posterior(stats, np.array([0.6]))
    beta, _, rss, _ = dense_gls(x[keep], y[keep], day[keep], 0.6)
    np.testing.assert_allclose(post.beta[0, 0], beta, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(post.rss[0, 0], rss, rtol=1e-8)


def test_many_series_at_once_equal_each_series_alone():
    parts = [random_series(s, n=30 + s) for s in range(7)]
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    day = np.concatenate([p[2] for p in parts])
    series = np.concatenate([np.full(len(p[1]), i) for i, p in enumerate(parts)])
    grid = rho_grid(60)
    together = fit_many(list(x.T), y, day, series, len(parts), grid, chunk=3)
    for i, (xi, yi, di) in enumerate(parts):
        alone = grid_posterior(
            gap_statistics(np.column_stack([xi, yi]), di, np.zeros(len(yi), dtype=np.int64), 1),
            grid,
        )
        np.testing.assert_allclose(together.weight[i], alone.weight[0], rtol=1e-8, atol=1e-14)
        np.testing.assert_allclose(together.last_loc[i], alone.beta[0, :, -1], rtol=1e-8)


def test_effect_cdf_and_moments_agree_with_the_mixture_of_students_t():
    from nof1.analysis._mixture import StudentTMixture

    parts = [random_series(s) for s in range(3)]
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    day = np.concatenate([p[2] for p in parts])
    series = np.repeat(np.arange(3), 40)
    post = fit_many(list(x.T), y, day, series, 3, rho_grid(80))
    mean, sd = effect_moments(post)
    at = np.array([-1.2, -0.8, 0.0])
    cdf = effect_cdf(post, at)
    for i in range(3):
        scale = np.sqrt(post.scale2[i] * post.last_var[i])
        mix = StudentTMixture.build(post.weight[i], post.last_loc[i], scale, float(post.dof[i]))
        assert mean[i] == pytest.approx(mix.mean, rel=1e-10)
        assert sd[i] == pytest.approx(mix.sd, rel=1e-10)
        assert cdf[i] == pytest.approx(float(mix.cdf(at[i])), abs=1e-10)


def test_it_refuses_days_that_do_not_increase():
    x, y, day = random_series(1)
    day[5] = day[4]
    with pytest.raises(ValueError, match="increase"):
        gap_statistics(np.column_stack([x, y]), day, np.zeros(len(y), dtype=np.int64), 1)
