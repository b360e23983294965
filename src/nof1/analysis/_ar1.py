"""Exact linear regression with AR(1) errors in calendar time, for many series at once.

Model, per series: z_t = [x_t, y_t] observed on integer days d_1 < d_2 < ... (gaps allowed),
y = X beta + e, Cov(e_s, e_t) = sigma^2 rho^|d_s - d_t|. Priors: flat on beta,
p(sigma^2) ~ 1/sigma^2, rho uniform on (-1, 1).

Given rho, prewhitening turns the model into an ordinary conjugate regression, so
beta | rho, y is multivariate Student-t and sigma^2 | rho, y is scaled inverse chi-square. The
marginal posterior of rho is known up to a constant and is integrated on a grid.

Why sufficient statistics grouped by gap length: the prewhitened cross-product matrix is
    M(rho) = z_1 z_1' + sum_t [z_t z_t' - phi_t (z_t z_{t-1}' + z_{t-1} z_t') + phi_t^2 z_{t-1} z_{t-1}']
                         / (1 - phi_t^2),   phi_t = rho^(d_t - d_{t-1}),
so collecting the three outer-product sums per distinct gap k makes each grid point cost
O(K q^2) instead of O(n q^2). That is what lets one machine fit 10,000 trials a second and
100,000 participants in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass(frozen=True)
class GapStatistics:
    """Cross-products of [X, y] per series, grouped by the gap to the previous observed day."""

    first: Array  # (m, q, q): z_1 z_1' of each series
    gaps: NDArray[np.int64]  # (K,): distinct gap lengths, in days
    current: Array  # (m, K, q, q): sum of z_t z_t' over t with that gap
    cross: Array  # (m, K, q, q): sum of z_t z_{t-1}'
    previous: Array  # (m, K, q, q): sum of z_{t-1} z_{t-1}'
    count: NDArray[np.int64]  # (m, K): how many steps have that gap
    n: NDArray[np.int64]  # (m,): observed days per series


def gap_statistics(z: Array, day: NDArray[np.int64], series: NDArray[np.int64], m: int) -> GapStatistics:
    """Sufficient statistics for rows sorted by (series, day); `series` holds ids 0..m-1."""
    z = np.asarray(z, dtype=np.float64)
    n_rows, q = z.shape
    if n_rows == 0:
        raise ValueError("no observed rows")
    starts = np.ones(n_rows, dtype=bool)
    starts[1:] = series[1:] != series[:-1]
    step = ~starts
    gap = np.zeros(n_rows, dtype=np.int64)
    gap[1:] = day[1:] - day[:-1]
    if np.any(gap[step] <= 0):
        raise ValueError("days must increase strictly within each series")
    gaps = np.unique(gap[step]) if step.any() else np.array([1], dtype=np.int64)
    k_of_row = np.searchsorted(gaps, gap)

    outer_cur = (z[:, :, None] * z[:, None, :]).reshape(n_rows, q * q)
    first = np.zeros((m, q * q))
    first[series[starts]] = outer_cur[starts]

    idx = np.nonzero(step)[0]
    prev = idx - 1
    groups = series[idx] * len(gaps) + k_of_row[idx]
    shape = (m * len(gaps), len(idx))
    indicator = sp.csr_matrix((np.ones(len(idx)), (groups, np.arange(len(idx)))), shape=shape)
    current = indicator @ outer_cur[idx]
    cross = indicator @ (z[idx, :, None] * z[prev, None, :]).reshape(len(idx), q * q)
    previous = indicator @ outer_cur[prev]
    count = np.bincount(groups, minlength=m * len(gaps)).reshape(m, len(gaps))
    n = np.bincount(series, minlength=m)
    k = len(gaps)
    return GapStatistics(
        first=first.reshape(m, q, q),
        gaps=gaps,
        current=np.asarray(current).reshape(m, k, q, q),
        cross=np.asarray(cross).reshape(m, k, q, q),
        previous=np.asarray(previous).reshape(m, k, q, q),
        count=count.astype(np.int64),
        n=n.astype(np.int64),
    )


def rho_grid(size: int, limit: float = 0.995) -> Array:
    """Midpoints of `size` equal bins on (-limit, limit): the quadrature nodes for rho.

    A uniform prior and equal spacing make every node's prior weight equal. The posterior of
    rho is smooth, and the midpoint rule on a smooth integrand converges very fast, so a
    spacing of 0.01-0.025 is accurate to far more digits than anything reported.
    """
    edges = np.linspace(-limit, limit, size + 1)
    return 0.5 * (edges[:-1] + edges[1:])


@dataclass(frozen=True)
class GridPosterior:
    """Conditional posteriors at each rho node, and the nodes' posterior weights."""

    rho: Array  # (G,)
    weight: Array  # (m, G), rows sum to 1
    log_marginal: Array  # (m, G), unnormalised log p(rho | y)
    beta: Array  # (m, G, p): GLS estimate = posterior mean of beta given rho
    xtwx_inv: Array  # (m, G, p, p): (X' R^-1 X)^-1
    rss: Array  # (m, G): prewhitened residual sum of squares
    dof: NDArray[np.int64]  # (m,): n - p

    @property
    def scale2(self) -> Array:
        """s^2 = RSS/(n-p): the squared scale of the Student-t posterior of beta given rho."""
        return self.rss / self.dof[:, None]


def grid_posterior(stats: GapStatistics, rho: Array) -> GridPosterior:
    """Exact conditional posteriors on the rho grid; the last column of z is the outcome."""
    rho = np.asarray(rho, dtype=np.float64)
    q = stats.first.shape[-1]
    p = q - 1
    dof = stats.n - p
    if np.any(dof < 1):
        raise ValueError("fewer observed days than model coefficients")
    # powers rho^k for each node and gap; weights of the three sums
    phi = np.power(rho[:, None], stats.gaps[None, :].astype(np.float64))  # (G, K)
    denom = 1.0 - phi**2
    w_cur = 1.0 / denom
    w_cross = -phi / denom
    w_prev = phi**2 / denom
    cross_sym = stats.cross + np.swapaxes(stats.cross, -1, -2)
    m_mat = (
        stats.first[:, None]
        + np.einsum("gk,mkij->mgij", w_cur, stats.current)
        + np.einsum("gk,mkij->mgij", w_cross, cross_sym)
        + np.einsum("gk,mkij->mgij", w_prev, stats.previous)
    )
    log_det_r = stats.count @ np.log(denom).T  # (m, G)

    xtx = m_mat[..., :p, :p]
    xty = m_mat[..., :p, p]
    yty = m_mat[..., p, p]
    chol = np.linalg.cholesky(xtx)
    eye = np.broadcast_to(np.eye(p), xtx.shape)
    chol_inv = np.linalg.solve(chol, eye)
    xtwx_inv = np.swapaxes(chol_inv, -1, -2) @ chol_inv
    beta = np.einsum("mgij,mgj->mgi", xtwx_inv, xty)
    rss = yty - np.einsum("mgi,mgi->mg", xty, beta)
    # Guard against round-off on exact fits; an RSS of zero has no posterior spread.
    rss = np.maximum(rss, 1e-300)
    log_det_xtx = 2.0 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(-1)
    log_marginal = -0.5 * log_det_r - 0.5 * log_det_xtx - 0.5 * dof[:, None] * np.log(rss)
    shifted = log_marginal - log_marginal.max(axis=1, keepdims=True)
    weight = np.exp(shifted)
    weight /= weight.sum(axis=1, keepdims=True)
    return GridPosterior(
        rho=rho,
        weight=weight,
        log_marginal=log_marginal,
        beta=beta,
        xtwx_inv=xtwx_inv,
        rss=rss,
        dof=dof,
    )
