"""R peers of the single-patient model, run through Rscript when it is installed.

nlme: `gls(y ~ active + trend, correlation = corCAR1(form = ~day), method = "REML")`, the
frequentist twin of the exact model (REML estimate and standard error, not a posterior).
JAGS (rjags): the same Bayesian model as the NUTS peers; JAGS cannot express improper
priors, so alpha, beta, gamma ~ N(0, sd 1e4) and log sigma ~ Uniform(-10, 10).
Times are measured inside R with system.time, so R start-up and package loading are excluded;
the whole subprocess wall time is reported beside them.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

_REQUIRE = """
args <- commandArgs(trailingOnly = TRUE)
for (p in c({packages})) if (!requireNamespace(p, quietly = TRUE)) {{
  cat("missing", p, "\\n"); quit(status = 3)
}}
d <- read.csv(args[1])
"""

NLME_SCRIPT = """
suppressPackageStartupMessages(library(nlme))
reps <- as.integer(args[2])
fit_once <- function() gls(y ~ active + trend, data = d,
                           correlation = corCAR1(form = ~day), method = "REML")
fit <- fit_once()
elapsed <- system.time(for (i in seq_len(reps)) fit_once())[["elapsed"]]
tt <- summary(fit)$tTable
cat("per_fit_s", elapsed / reps, "\\n")
cat("beta_mean", tt["active", "Value"], "\\n")
cat("beta_sd", tt["active", "Std.Error"], "\\n")
cat("rho_mean", coef(fit$modelStruct$corStruct, unconstrained = FALSE), "\\n")
cat("sigma_mean", fit$sigma, "\\n")
cat("version", as.character(packageVersion("nlme")), "\\n")
"""

JAGS_MODEL = """
model {
  for (t in 1:n) { mu[t] <- alpha + beta * active[t] + gamma * trend[t] }
  y[1] ~ dnorm(mu[1], prec)
  for (t in 2:n) {
    phi[t] <- pow(abs(rho), gap[t]) * (1 - 2 * step(-rho) * odd[t])
    y[t] ~ dnorm(mu[t] + phi[t] * (y[t - 1] - mu[t - 1]), prec / (1 - phi[t] * phi[t]))
  }
  alpha ~ dnorm(0, 1.0E-8)
  beta ~ dnorm(0, 1.0E-8)
  gamma ~ dnorm(0, 1.0E-8)
  log_sigma ~ dunif(-10, 10)
  sigma <- exp(log_sigma)
  prec <- 1 / (sigma * sigma)
  rho ~ dunif(-1, 1)
}
"""

JAGS_SCRIPT = """
suppressPackageStartupMessages(library(rjags))
chains <- as.integer(args[2]); adapt <- as.integer(args[3]); draws <- as.integer(args[4])
seed <- as.integer(args[5])
inits <- lapply(seq_len(chains), function(i)
  list(.RNG.name = "base::Mersenne-Twister", .RNG.seed = seed + i))
data <- list(y = d$y, active = d$active, trend = d$trend, gap = d$gap, odd = d$odd,
             n = nrow(d))
elapsed <- system.time({
  m <- jags.model(textConnection(MODEL), data = data, inits = inits, n.chains = chains,
                  n.adapt = adapt, quiet = TRUE)
  s <- coda.samples(m, c("beta", "rho", "sigma"), n.iter = draws, progress.bar = "none")
})[["elapsed"]]
cat("sample_s", elapsed, "\\n")
for (p in c("beta", "rho", "sigma")) {
  x <- unlist(lapply(s, function(ch) as.numeric(ch[, p])))
  cat(paste0(p, "_mean"), mean(x), "\\n")
  cat(paste0(p, "_sd"), sd(x), "\\n")
  cat(paste0(p, "_ess"), sum(coda::effectiveSize(s[, p])), "\\n")
  cat(paste0(p, "_r_hat"), coda::gelman.diag(s[, p], autoburnin = FALSE)$psrf[1, 1], "\\n")
}
cat("version", as.character(packageVersion("rjags")), "\\n")
"""


def _run_r(script: str, packages: tuple[str, ...], data: dict[str, np.ndarray], *args: Any):
    """Run an R script on the observed rows; parse its `key value` lines."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return {"status": "not installed", "reason": "Rscript not found on PATH"}
    header = _REQUIRE.format(packages=", ".join(f'"{p}"' for p in packages))
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "trial.csv"
        cols = ("y", "active", "trend", "day", "gap")
        matrix = np.column_stack([data[c] for c in cols] + [data["gap"] % 2])
        np.savetxt(
            csv,
            matrix,
            delimiter=",",
            header="y,active,trend,day,gap,odd",
            comments="",
            fmt="%.17g",
        )
        path = Path(tmp) / "peer.R"
        path.write_text(header + script)
        start = time.perf_counter()
        proc = subprocess.run(
            [rscript, "--vanilla", str(path), str(csv), *map(str, args)],
            capture_output=True,
            text=True,
            timeout=900,
        )
        wall = time.perf_counter() - start
    if proc.returncode == 3 and proc.stdout.startswith("missing"):
        package = proc.stdout.split()[1]
        return {"status": "not installed", "reason": f"R package {package} not installed"}
    if proc.returncode != 0:
        return {"status": "error", "reason": proc.stderr.strip()[-2000:]}
    out: dict[str, Any] = {"status": "ok", "subprocess_wall_s": wall}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2:
            key, value = parts
            try:
                out[key] = value if key == "version" else float(value)
            except ValueError:
                out[key] = value
    return out


def fit_nlme(data: dict[str, np.ndarray], *, reps: int = 50) -> dict[str, Any]:
    out = _run_r(NLME_SCRIPT, ("nlme",), data, reps)
    if out["status"] == "ok":
        out["call"] = 'gls(y ~ active + trend, correlation = corCAR1(form = ~day), method = "REML")'
        out["reps"] = reps
        out["note"] = "REML point estimates and standard error; per_fit_s is the mean of reps fits"
    return out


def fit_jags(
    data: dict[str, np.ndarray], *, chains: int, adapt: int, draws: int, seed: int
) -> dict[str, Any]:
    if shutil.which("jags") is None and shutil.which("Rscript") is not None:
        return {"status": "not installed", "reason": "jags not found on PATH"}
    script = JAGS_SCRIPT.replace("MODEL", repr(JAGS_MODEL).replace("'", '"'))
    out = _run_r(script, ("rjags", "coda"), data, chains, adapt, draws, seed)
    if out["status"] == "ok":
        out["settings"] = {
            "chains": chains,
            "n_adapt": adapt,
            "draws": draws,
            "seed": seed,
            "priors": "alpha, beta, gamma ~ N(0, sd 1e4); log sigma ~ U(-10, 10); rho ~ U(-1, 1)",
            "sampler": "JAGS defaults (rjags), adaptation doubles as burn-in",
        }
    return out
