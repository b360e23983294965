"""Posterior distributions that are finite mixtures: of Student-t (an effect, integrated over
rho), of scaled inverse chi-square (sigma), of normals (series quantities over tau), and
discrete grid distributions (rho, tau). Each answers mean, sd, cdf and quantiles exactly,
up to root-finding tolerance."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special

Array = NDArray[np.float64]

_PRUNE = 1e-14  # nodes whose weight is below this fraction cannot move any reported digit


def _prune(weight: Array, *arrays: Array) -> tuple[Array, ...]:
    keep = weight > _PRUNE * weight.max()
    w = weight[keep] / weight[keep].sum()
    return (w, *(np.broadcast_to(a, weight.shape)[keep] for a in arrays))


class _Continuous:
    """Shared quantile search for one-dimensional mixtures with a vectorised cdf."""

    def cdf(self, x: float | Array) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def _bracket(self) -> tuple[float, float]:  # pragma: no cover - abstract
        raise NotImplementedError

    def ppf(self, q: float) -> float:
        if not 0.0 < q < 1.0:
            raise ValueError(f"quantile level must lie in (0, 1), got {q}")
        lo, hi = self._bracket()
        while float(self.cdf(lo)) > q:
            lo -= hi - lo
        while float(self.cdf(hi)) < q:
            hi += hi - lo
        return float(optimize.brentq(lambda x: float(self.cdf(x)) - q, lo, hi, xtol=1e-12))

    @property
    def median(self) -> float:
        return self.ppf(0.5)

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Equal-tailed credible interval."""
        if not 0.0 < level < 1.0:
            raise ValueError(f"credible level must lie in (0, 1), got {level}")
        tail = (1.0 - level) / 2.0
        return self.ppf(tail), self.ppf(1.0 - tail)


@dataclass(frozen=True)
class StudentTMixture(_Continuous):
    """sum_g w_g t_df(loc_g, scale_g): an effect's exact posterior, integrated over rho."""

    weight: Array
    loc: Array
    scale: Array
    df: float

    @classmethod
    def build(cls, weight: Array, loc: Array, scale: Array, df: float) -> StudentTMixture:
        w, lo, sc = _prune(np.asarray(weight), np.asarray(loc), np.asarray(scale))
        return cls(w, lo, sc, float(df))

    @property
    def mean(self) -> float:
        return float(self.weight @ self.loc)

    @property
    def sd(self) -> float:
        var_t = self.scale**2 * self.df / (self.df - 2.0) if self.df > 2 else np.inf
        second = self.weight @ (var_t + self.loc**2)
        return float(np.sqrt(max(float(second) - self.mean**2, 0.0)))

    def cdf(self, x: float | Array) -> Array:
        x = np.asarray(x, dtype=np.float64)
        z = (x[..., None] - self.loc) / self.scale
        return np.asarray(special.stdtr(self.df, z) @ self.weight)

    def _bracket(self) -> tuple[float, float]:
        spread = 10.0 * float(self.scale.max())
        return float(self.loc.min()) - spread, float(self.loc.max()) + spread


@dataclass(frozen=True)
class NormalMixture(_Continuous):
    """sum_g w_g N(loc_g, scale_g^2): series quantities integrated over tau."""

    weight: Array
    loc: Array
    scale: Array

    @classmethod
    def build(cls, weight: Array, loc: Array, scale: Array) -> NormalMixture:
        w, lo, sc = _prune(np.asarray(weight), np.asarray(loc), np.asarray(scale))
        return cls(w, lo, sc)

    @property
    def mean(self) -> float:
        return float(self.weight @ self.loc)

    @property
    def sd(self) -> float:
        second = self.weight @ (self.scale**2 + self.loc**2)
        return float(np.sqrt(max(float(second) - self.mean**2, 0.0)))

    def cdf(self, x: float | Array) -> Array:
        x = np.asarray(x, dtype=np.float64)
        return np.asarray(special.ndtr((x[..., None] - self.loc) / self.scale) @ self.weight)

    def _bracket(self) -> tuple[float, float]:
        spread = 10.0 * float(self.scale.max())
        return float(self.loc.min()) - spread, float(self.loc.max()) + spread


@dataclass(frozen=True)
class ScaleMixture(_Continuous):
    """Posterior of sigma: sigma^2 = rss_g / X with X ~ chi-square(dof), mixed over rho."""

    weight: Array
    rss: Array
    dof: float

    @classmethod
    def build(cls, weight: Array, rss: Array, dof: float) -> ScaleMixture:
        w, r = _prune(np.asarray(weight), np.asarray(rss))
        return cls(w, r, float(dof))

    @property
    def mean(self) -> float:
        # E[sigma] for sigma^2 ~ Scaled-Inv-chi2: sqrt(rss/2) Gamma((dof-1)/2) / Gamma(dof/2)
        from scipy.special import gammaln

        factor = np.exp(gammaln((self.dof - 1) / 2) - gammaln(self.dof / 2)) / np.sqrt(2.0)
        return float(self.weight @ (np.sqrt(self.rss) * factor))

    @property
    def sd(self) -> float:
        second = float(self.weight @ (self.rss / (self.dof - 2.0))) if self.dof > 2 else np.inf
        return float(np.sqrt(max(float(second) - self.mean**2, 0.0)))

    def cdf(self, x: float | Array) -> Array:
        x = np.maximum(np.asarray(x, dtype=np.float64), 1e-300)
        return np.asarray(special.chdtrc(self.dof, self.rss / x[..., None] ** 2) @ self.weight)

    def _bracket(self) -> tuple[float, float]:
        s = np.sqrt(self.rss / self.dof)
        return float(s.min()) / 3.0, float(s.max()) * 3.0


@dataclass(frozen=True)
class GridDistribution:
    """A parameter integrated on a grid (rho, tau): node values and posterior weights.

    Nodes are equally spaced. Mean and SD are midpoint-rule sums, accurate far beyond the
    grid spacing for smooth posteriors. Quantiles need the cdf between nodes: a step or
    linear density there would bias interval ends by ~h^2 f'/f, so the log density (smooth,
    near-quadratic) is interpolated by a cubic spline and integrated on a finer grid.
    """

    value: Array
    weight: Array

    @property
    def mean(self) -> float:
        return float(self.weight @ self.value)

    @property
    def sd(self) -> float:
        return float(np.sqrt(max(float(self.weight @ (self.value - self.mean) ** 2), 0.0)))

    def ppf(self, q: float) -> float:
        if not 0.0 < q < 1.0:
            raise ValueError(f"quantile level must lie in (0, 1), got {q}")
        x, cum = self._fine_cdf()
        return float(np.interp(q, cum, x))

    def _fine_cdf(self) -> tuple[Array, Array]:
        """The cdf on a grid 16 times finer, from a cubic spline through the log density."""
        from scipy.interpolate import CubicSpline

        x, w = self.value, self.weight
        if len(x) < 4:
            h = float(x[1] - x[0]) if len(x) > 1 else 1.0
            edges = np.concatenate(([x[0] - h / 2], x + h / 2))
            return edges, np.concatenate(([0.0], np.cumsum(w)))
        h = float(x[1] - x[0])
        spline = CubicSpline(x, np.log(np.maximum(w, 1e-300)))
        fine = np.linspace(x[0] - h / 2, x[-1] + h / 2, 16 * len(x) + 1)
        dens = np.exp(spline(fine))
        cum = np.concatenate(([0.0], np.cumsum((dens[1:] + dens[:-1]) / 2)))
        return fine, cum / cum[-1]

    @property
    def median(self) -> float:
        return self.ppf(0.5)

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        tail = (1.0 - level) / 2.0
        return self.ppf(tail), self.ppf(1.0 - tail)


def normal_mixture_ppf(weight: Array, loc: Array, scale: Array, q: float) -> Array:
    """Quantile q of many normal mixtures at once: column i mixes N(loc[g, i], scale[g, i]^2)
    with weights weight[g]. Newton steps from the moment-matched normal, kept inside a
    bracket that halves whenever a step would leave it, so it converges for any mixture."""
    from scipy import special

    mean = weight @ loc
    sd = np.sqrt(np.maximum(weight @ (scale**2 + loc**2) - mean**2, 1e-300))
    x = mean + sd * special.ndtri(q)
    lo = (loc - 10 * scale).min(axis=0)
    hi = (loc + 10 * scale).max(axis=0)
    for _ in range(100):
        zval = (x[None, :] - loc) / scale
        f = weight @ special.ndtr(zval) - q
        dens = weight @ (np.exp(-0.5 * zval**2) / (np.sqrt(2 * np.pi) * scale))
        lo = np.where(f < 0, x, lo)
        hi = np.where(f > 0, x, hi)
        step = f / np.maximum(dens, 1e-300)
        converged = np.abs(step) <= 1e-10 * (1 + np.abs(x))
        if np.all(converged):
            return x - step
        new = x - step
        outside = ((new < lo) | (new > hi)) & ~converged
        x = np.where(outside, 0.5 * (lo + hi), new)
    return x
