"""The single-patient model written for general-purpose NUTS samplers (PyMC, NumPyro).

Same model as nof1's exact fit, on the observed rows only:
    y_t = alpha + beta * active_t + gamma * trend_t + e_t,
    e_1 ~ N(0, sigma^2),  e_t | e_{t-1} ~ N(phi_t e_{t-1}, sigma^2 (1 - phi_t^2)),
    phi_t = rho^gap_t (gap_t = days since the previous observed row),
so Cov(e_s, e_t) = sigma^2 rho^|s - t| in calendar days. Priors: improper flat on alpha,
beta, gamma and log(sigma) (that is p(sigma^2) ~ 1/sigma^2), rho ~ Uniform(-1, 1).
rho^gap is taken sign-aware (|rho|^gap, negated for odd gaps when rho < 0) so that a negative
rho has a finite gradient.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

PRIORS = (
    "improper flat on alpha, beta, gamma (pm.Flat / numpyro ImproperUniform); "
    "improper flat on log sigma, i.e. p(sigma^2) ~ 1/sigma^2; rho ~ Uniform(-1, 1)"
)
PARAMS = ("beta", "rho", "sigma")


def _summary(draws: dict[str, np.ndarray]) -> dict[str, Any]:
    """Mean, SD, bulk/tail ESS and R-hat per parameter, from (chain, draw) arrays."""
    import arviz as az

    out = {}
    for name in PARAMS:
        x = np.asarray(draws[name], dtype=np.float64)
        out[name] = {
            "mean": float(x.mean()),
            "sd": float(x.std(ddof=1)),
            "ess_bulk": float(az.ess(x, method="bulk")),
            "ess_tail": float(az.ess(x, method="tail")),
            "r_hat": float(az.rhat(x)),
        }
    return out


def fit_pymc(
    data: dict[str, np.ndarray], *, chains: int, draws: int, tune: int, cores: int, seed: int
) -> dict[str, Any]:
    """NUTS in PyMC. `sample_s` is the wall time of pm.sample (start-up of its worker processes
    and function compilation from PyTensor's disk cache included); `sampling_time_s` is PyMC's
    own measure of tuning + drawing only. `compile_s` is compiling logp and its gradient
    beforehand; the first run on a machine pays for C compilation, later runs hit the cache."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTensor's "no BLAS" notice: this model needs none
        import pymc as pm
        import pytensor
        import pytensor.tensor as pt

    y, active, trend, gap = data["y"], data["active"], data["trend"], data["gap"][1:]
    odd = (gap % 2) == 1
    with pm.Model() as model:
        alpha = pm.Flat("alpha")
        beta = pm.Flat("beta")
        gamma = pm.Flat("gamma")
        log_sigma = pm.Flat("log_sigma")
        sigma = pm.Deterministic("sigma", pt.exp(log_sigma))
        rho = pm.Uniform("rho", -1.0, 1.0)
        mu = alpha + beta * active + gamma * trend
        magnitude = pt.abs(rho) ** gap.astype(np.float64)
        phi = pt.switch(odd, pt.sign(rho) * magnitude, magnitude)
        cond_mu = pt.concatenate([mu[:1], mu[1:] + phi * (y[:-1] - mu[:-1])])
        cond_sd = pt.concatenate([sigma[None], sigma * pt.sqrt(1.0 - phi**2)])
        pm.Normal("y", mu=cond_mu, sigma=cond_sd, observed=y)

        start = time.perf_counter()
        model.compile_logp()
        model.compile_dlogp()
        compile_s = time.perf_counter() - start

        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = pm.sample(
                draws=draws,
                tune=tune,
                chains=chains,
                cores=cores,
                random_seed=seed,
                progressbar=False,
                compute_convergence_checks=False,
            )
        sample_s = time.perf_counter() - start
    post = idata.posterior
    internal = idata.sample_stats.attrs.get("sampling_time")
    divergences = int(idata.sample_stats["diverging"].sum())
    return {
        "library": "pymc",
        "version": pm.__version__,
        "pytensor_version": pytensor.__version__,
        "settings": {
            "chains": chains,
            "draws": draws,
            "tune": tune,
            "cores": cores,
            "sampler": "NUTS (pm.sample defaults, target_accept 0.8)",
            "seed": seed,
            "priors": PRIORS,
        },
        "compile_s": compile_s,
        "sample_s": sample_s,
        "sampling_time_s": float(internal) if internal is not None else None,
        "divergences": divergences,
        "posterior": _summary({k: post[k].to_numpy() for k in PARAMS}),
    }


def _numpyro_model(y, active, trend, gap, odd):  # type: ignore[no-untyped-def]
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from numpyro.distributions import constraints

    flat = dist.ImproperUniform(constraints.real, (), ())
    alpha = numpyro.sample("alpha", flat)
    beta = numpyro.sample("beta", flat)
    gamma = numpyro.sample("gamma", flat)
    log_sigma = numpyro.sample("log_sigma", flat)
    sigma = numpyro.deterministic("sigma", jnp.exp(log_sigma))
    rho = numpyro.sample("rho", dist.Uniform(-1.0, 1.0))
    mu = alpha + beta * active + gamma * trend
    magnitude = jnp.abs(rho) ** gap
    phi = jnp.where(odd, jnp.sign(rho) * magnitude, magnitude)
    cond_mu = jnp.concatenate([mu[:1], mu[1:] + phi * (y[:-1] - mu[:-1])])
    cond_sd = jnp.concatenate([sigma[None], sigma * jnp.sqrt(1.0 - phi**2)])
    numpyro.sample("y", dist.Normal(cond_mu, cond_sd), obs=y)


def fit_numpyro(
    data: dict[str, np.ndarray], *, chains: int, draws: int, tune: int, seed: int, method: str
) -> dict[str, Any]:
    """NUTS in NumPyro (float64). The same MCMC object runs twice: the first run pays for JIT
    compilation, the second reuses the compiled kernel; its wall time is the sampling time and
    its draws are the ones compared. Compile time = first run - second run."""
    import jax
    import numpyro

    numpyro.enable_x64()
    from numpyro.infer import MCMC, NUTS

    gap = data["gap"][1:]
    args = (
        data["y"],
        data["active"],
        data["trend"],
        gap.astype(np.float64),
        (gap % 2) == 1,
    )
    mcmc = MCMC(
        NUTS(_numpyro_model),
        num_warmup=tune,
        num_samples=draws,
        num_chains=chains,
        chain_method=method,
        progress_bar=False,
    )
    runs = []
    for key in (jax.random.PRNGKey(seed), jax.random.PRNGKey(seed + 1)):
        start = time.perf_counter()
        mcmc.run(key, *args)
        jax.block_until_ready(mcmc.get_samples())
        runs.append(time.perf_counter() - start)
    samples = mcmc.get_samples(group_by_chain=True)
    divergences = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    return {
        "library": "numpyro",
        "version": numpyro.__version__,
        "jax_version": jax.__version__,
        "settings": {
            "chains": chains,
            "draws": draws,
            "tune": tune,
            "chain_method": method,
            "sampler": "NUTS (defaults, target_accept 0.8), float64",
            "seed": seed,
            "priors": PRIORS,
        },
        "first_run_s": runs[0],
        "compile_s": max(runs[0] - runs[1], 0.0),
        "sample_s": runs[1],
        "divergences": divergences,
        "posterior": _summary({k: np.asarray(samples[k]) for k in PARAMS}),
    }
