"""Exact linear regression with AR(1) errors in calendar time, for many series at once.

Model, per series: z_t = [x_t, y_t] observed on integer days d_1 < d_2 < ... (gaps allowed),
y = X beta + e, Cov(e_s, e_t) = sigma^2 rho^|d_s - d_t|. Priors: flat on beta,
p(sigma^2) ~ 1/sigma^2, rho uniform on (-1, 1).

Given rho, prewhitening turns the model into an ordinary conjugate regression, so
beta | rho, y is multivariate Student-t and sigma^2 | rho, y is scaled inverse chi-square. The
marginal posterior of rho is known up to a constant and is integrated on a grid.

Why sufficient statistics grouped by gap length: the prewhitened cross-product matrix is
    M(rho) = z_1 z_1' + sum_t [z_t z_t' - phi_t (z_t z_{t-1}' + z_{t-1} z_t')
                               + phi_t^2 z_{t-1} z_{t-1}'] / (1 - phi_t^2),
    phi_t = rho^(d_t - d_{t-1}),
so collecting the three outer-product sums per distinct gap k makes each grid point cost
O(K q^2) instead of O(n q^2). That is what lets one machine fit 10,000 trials a second and
100,000 participants in one pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray
from scipy import special

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


@numba.njit(cache=True, nogil=True)
def _accumulate(z, series, k_of_row, first, current, cross, previous, count):
    """One pass over the rows: 3 q x q outer products per step, added to its (series, gap)
    cell. Compiled, because in numpy the per-row temporaries, not the arithmetic, dominate."""
    rows, q = z.shape
    for r in range(rows):
        s = series[r]
        if r == 0 or series[r - 1] != s:
            for i in range(q):
                for j in range(q):
                    first[s, i, j] += z[r, i] * z[r, j]
            continue
        k = k_of_row[r]
        count[s, k] += 1
        for i in range(q):
            zi = z[r, i]
            pi = z[r - 1, i]
            for j in range(q):
                current[s, k, i, j] += zi * z[r, j]
                cross[s, k, i, j] += zi * z[r - 1, j]
                previous[s, k, i, j] += pi * z[r - 1, j]


def gap_statistics(
    z: Array, day: NDArray[np.int64], series: NDArray[np.int64], m: int
) -> GapStatistics:
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

    k = len(gaps)
    first = np.zeros((m, q, q))
    current = np.zeros((m, k, q, q))
    cross = np.zeros((m, k, q, q))
    previous = np.zeros((m, k, q, q))
    count = np.zeros((m, k), dtype=np.int64)
    series = np.ascontiguousarray(series, dtype=np.int64)
    _accumulate(np.ascontiguousarray(z), series, k_of_row, first, current, cross, previous, count)
    n = np.bincount(series, minlength=m)
    return GapStatistics(
        first=first,
        gaps=gaps,
        current=current,
        cross=cross,
        previous=previous,
        count=count,
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
    """Conditional posteriors at each rho node, and the nodes' posterior weights.

    `last_loc` and `last_var` describe the coefficient of the LAST column of X for every
    series; batched callers put the effect there, so that one Cholesky factor of the
    augmented cross-product matrix gives it without any inverse. `beta` and `xtwx_inv`
    (all coefficients) are filled only when asked for (`full=True`).
    """

    rho: Array  # (G,)
    weight: Array  # (m, G), rows sum to 1
    log_marginal: Array  # (m, G), unnormalised log p(rho | y)
    rss: Array  # (m, G): prewhitened residual sum of squares
    dof: NDArray[np.int64]  # (m,): n - p
    last_loc: Array  # (m, G): GLS estimate of the last coefficient
    last_var: Array  # (m, G): its (X' R^-1 X)^-1 diagonal element
    beta: Array | None = None  # (m, G, p): GLS estimate = posterior mean of beta given rho
    xtwx_inv: Array | None = None  # (m, G, p, p): (X' R^-1 X)^-1

    @property
    def scale2(self) -> Array:
        """s^2 = RSS/(n-p): the squared scale of the Student-t posterior of beta given rho."""
        return self.rss / self.dof[:, None]


def grid_posterior(stats: GapStatistics, rho: Array, *, full: bool = True) -> GridPosterior:
    """Exact conditional posteriors on the rho grid; the last column of z is the outcome."""
    rho = np.asarray(rho, dtype=np.float64)
    m, q = stats.first.shape[0], stats.first.shape[-1]
    p = q - 1
    dof = stats.n - p
    if np.any(dof < 1):
        raise ValueError("fewer observed days than model coefficients")
    # weights of the three sums for each node and gap, applied in one matrix product
    phi = np.power(rho[:, None], stats.gaps[None, :].astype(np.float64))  # (G, K)
    denom = 1.0 - phi**2
    weights = np.concatenate([1.0 / denom, -phi / denom, phi**2 / denom], axis=1)  # (G, 3K)
    cross_sym = stats.cross + np.swapaxes(stats.cross, -1, -2)
    sums = np.concatenate([stats.current, cross_sym, stats.previous], axis=1)  # (m, 3K, q, q)
    m_mat = (weights @ sums.reshape(m, -1, q * q)).reshape(m, len(rho), q, q)
    m_mat += stats.first[:, None]
    log_det_r = stats.count @ np.log(denom).T  # (m, G)

    # Cholesky of [X y]' W [X y]: its last diagonal entry squared is the RSS, and its last
    # row gives the last coefficient (Gram-Schmidt on the prewhitened columns).
    chol = np.linalg.cholesky(m_mat)
    diag = np.diagonal(chol, axis1=-2, axis2=-1)
    rss = np.maximum(diag[..., p] ** 2, 1e-300)  # an exact fit has no posterior spread
    log_det_xtx = 2.0 * np.log(diag[..., :p]).sum(-1)
    log_marginal = -0.5 * log_det_r - 0.5 * log_det_xtx - 0.5 * dof[:, None] * np.log(rss)
    weight = np.exp(log_marginal - log_marginal.max(axis=1, keepdims=True))
    weight /= weight.sum(axis=1, keepdims=True)
    beta = xtwx_inv = None
    if full:
        chol_x = chol[..., :p, :p]
        chol_inv = np.linalg.solve(chol_x, np.broadcast_to(np.eye(p), chol_x.shape))
        xtwx_inv = np.swapaxes(chol_inv, -1, -2) @ chol_inv
        beta = np.einsum("mgij,mgj->mgi", xtwx_inv, m_mat[..., :p, p])
    return GridPosterior(
        rho=rho,
        weight=weight,
        log_marginal=log_marginal,
        rss=rss,
        dof=dof,
        last_loc=chol[..., p, p - 1] / diag[..., p - 1],
        last_var=1.0 / diag[..., p - 1] ** 2,
        beta=beta,
        xtwx_inv=xtwx_inv,
    )


def fit_many(
    columns: Sequence[NDArray[Any] | float],
    y: Array,
    day: NDArray[np.int64],
    series: NDArray[np.int64],
    m: int,
    rho: Array,
    *,
    chunk: int = 4000,
    progress: Callable[[int], None] | None = None,
) -> GridPosterior:
    """Grid posteriors of m independent series given as long rows sorted by (series, day).

    `columns` are X's columns, each an array over the rows or a constant (the intercept).
    Only the last column (the effect) is summarised (`last_loc`, `last_var`). Works through
    the series in chunks, building [X, y] only chunk by chunk, so that memory stays bounded
    whatever m is; `progress` is told how many series are done after each chunk.
    """
    firsts = np.arange(0, m, chunk)
    bounds = np.searchsorted(series, np.append(firsts, m))
    parts = []
    for i, lo in enumerate(firsts.tolist()):
        start, stop = bounds[i], bounds[i + 1]
        size = min(chunk, m - lo)
        z = np.empty((stop - start, len(columns) + 1))
        for j, col in enumerate([*columns, y]):
            z[:, j] = col if np.isscalar(col) else col[start:stop]  # type: ignore[index]
        stats = gap_statistics(z, day[start:stop], series[start:stop] - lo, size)
        parts.append(grid_posterior(stats, rho, full=False))
        if progress is not None:
            progress(lo + size)
    if len(parts) == 1:
        return parts[0]
    fields = ("weight", "log_marginal", "rss", "dof", "last_loc", "last_var")
    return GridPosterior(
        rho=rho, **{f: np.concatenate([getattr(part, f) for part in parts]) for f in fields}
    )


def _pruned(post: GridPosterior) -> tuple[NDArray[np.intp], NDArray[np.intp], Array]:
    """(series, node) pairs whose weight can matter; dropping the rest changes no digit."""
    keep = post.weight > 1e-12 * post.weight.max(axis=1, keepdims=True)
    rows, nodes = np.nonzero(keep)
    return rows, nodes, post.weight[rows, nodes]


def effect_cdf(post: GridPosterior, at: Array) -> Array:
    """P(last coefficient <= at[..., i] | y_i) for every series i: a mixture of Student-t
    cdfs. `at` has shape (m,) or (c, m) for c points per series at once."""
    rows, nodes, w = _pruned(post)
    scale = np.sqrt(post.rss[rows, nodes] / post.dof[rows] * post.last_var[rows, nodes])
    at = np.asarray(at, dtype=np.float64)
    zval = (at[..., rows] - post.last_loc[rows, nodes]) / scale
    cdf = special.stdtr(post.dof[rows].astype(np.float64), zval) * w
    m = len(post.weight)
    flat = cdf.reshape(-1, len(rows))
    out = np.stack([np.bincount(rows, weights=c, minlength=m) for c in flat])
    return out.reshape(at.shape).astype(np.float64)


def effect_moments(post: GridPosterior) -> tuple[Array, Array]:
    """Posterior mean and SD of the last coefficient for every series (mixture over rho)."""
    loc = post.last_loc
    dof = post.dof[:, None].astype(np.float64)
    var_t = post.scale2 * post.last_var * dof / np.maximum(dof - 2.0, 1e-9)
    mean = (post.weight * loc).sum(axis=1)
    second = (post.weight * (var_t + loc**2)).sum(axis=1)
    return mean, np.sqrt(np.maximum(second - mean**2, 0.0))
