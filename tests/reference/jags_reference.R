# JAGS reference for nof1's single-patient AR(1) model (tests/reference/test_jags_reference.py).
# Run from tests/reference: Rscript jags_reference.R   (or `make reference` at the top).
# The same model and priors as nof1, sampled by MCMC: flat coefficients (normal, precision
# 1e-8), log(sigma) uniform, i.e. p(sigma^2) ~ 1/sigma^2, rho uniform on (-0.995, 0.995) (the
# range of nof1's rho grid), and the exact AR(1) likelihood across gaps of missing days.
# Writes out/jags_summary.csv (posterior summaries; Monte Carlo error from coda's effective
# sizes of the draws and of [draw <= quantile]) and
# out/jags_session.csv (versions, seeds, run lengths, samplers).
suppressPackageStartupMessages({
  library(rjags)
  library(coda)
})
source("reference_data.R")

SEED <- 20240620L
CHAINS <- 4L
ADAPT <- 1000L
BURN_IN <- 5000L
ITER <- 25000L
set.seed(SEED)  # nothing below draws from R's generator; set so that nothing can vary
dir.create("out", showWarnings = FALSE)

model_text <- "
model {
  b[1:p] ~ dmnorm(zero[1:p], prec[1:p, 1:p])
  log_sigma ~ dunif(-10, 10)
  sigma <- exp(log_sigma)
  rho ~ dunif(-0.995, 0.995)
  for (t in 1:n) {
    mu[t] <- inprod(X[t, 1:p], b[1:p])
  }
  y[1] ~ dnorm(mu[1], 1 / pow(sigma, 2))
  for (t in 2:n) {
    y[t] ~ dnorm(mu[t] + pow(rho, gap[t]) * (y[t - 1] - mu[t - 1]),
                 1 / (pow(sigma, 2) * (1 - pow(rho, 2 * gap[t]))))
  }
  effect <- b[2]
}"

inits <- function(chain, p) {
  list(
    b = c(6, -1, 0, 0)[1:p] + c(-1, 1, -1, 1)[chain],
    log_sigma = c(-1, 0, 1, 0.5)[chain],
    rho = c(-0.5, 0, 0.5, 0.9)[chain],
    .RNG.name = "base::Mersenne-Twister",
    .RNG.seed = SEED + chain
  )
}

summaries <- list()
samplers <- character()
started <- Sys.time()
specs <- trials()
for (i in seq_len(nrow(specs))) {
  spec <- specs[i, ]
  d <- reference_rows(spec)
  X <- model.matrix(reference_formula(spec), d)
  p <- ncol(X)
  data <- list(y = d$fatigue, X = unname(X), n = nrow(d), p = p,
               gap = c(0, diff(d$day)), zero = rep(0, p), prec = diag(1e-8, p))
  model <- jags.model(textConnection(model_text), data = data, n.chains = CHAINS,
                      inits = lapply(seq_len(CHAINS), inits, p = p), n.adapt = ADAPT,
                      quiet = TRUE)
  update(model, BURN_IN, progress.bar = "none")
  used <- list.samplers(model)
  samplers[spec$dataset] <- paste(names(used), vapply(used, paste, "", collapse = " "),
                                  sep = ": ", collapse = "; ")
  draws <- coda.samples(model, c("effect", "rho", "sigma"), n.iter = ITER,
                        progress.bar = "none")
  all <- as.matrix(draws)
  ess <- effectiveSize(draws)
  rhat <- gelman.diag(draws, autoburnin = FALSE, multivariate = FALSE)$psrf[, 1]
  for (v in c("effect", "rho", "sigma")) {
    x <- all[, v]
    q <- quantile(x, c(0.025, 0.5, 0.975), names = FALSE)
    # effective size of [draw <= quantile] gives each quantile's Monte Carlo error
    ess_q <- vapply(q, function(at) {
      unname(effectiveSize(mcmc.list(lapply(draws, function(ch) mcmc(as.numeric(ch[, v] <= at))))))
    }, numeric(1))
    summaries[[length(summaries) + 1]] <- data.frame(
      dataset = spec$dataset, n = nrow(d), parameter = v, mean = mean(x), sd = sd(x),
      q025 = q[1], q50 = q[2], q975 = q[3], ess = unname(ess[v]),
      mcse = sd(x) / sqrt(unname(ess[v])), rhat = unname(rhat[v]),
      ess_q025 = ess_q[1], ess_q50 = ess_q[2], ess_q975 = ess_q[3]
    )
  }
}
seconds <- as.numeric(difftime(Sys.time(), started, units = "secs"))

out <- do.call(rbind, summaries)
num <- vapply(out, is.double, logical(1))
out[num] <- lapply(out[num], function(v) sprintf("%.10g", v))
write.csv(out, file.path("out", "jags_summary.csv"), row.names = FALSE, quote = FALSE)
write.csv(data.frame(
  key = c("R", "JAGS", "rjags", "coda", "seed", "rng", "chains", "adapt", "burn_in",
          "iterations_per_chain", "thin", "seconds", paste0("samplers_", names(samplers))),
  value = c(R.version.string, as.character(jags.version()),
            as.character(packageVersion("rjags")), as.character(packageVersion("coda")),
            paste0(SEED, " + chain (.RNG.seed), set.seed(", SEED, ")"),
            "base::Mersenne-Twister", CHAINS, ADAPT, BURN_IN, ITER, 1, round(seconds),
            unname(samplers))
), file.path("out", "jags_session.csv"), row.names = FALSE)
cat("JAGS reference written to", normalizePath("out"), "in", round(seconds), "s\n")
