# JAGS reference for stage 2 of nof1's series model (tests/reference/test_series_reference.py).
# Run from tests/reference: Rscript series_jags_reference.R
# Input: data/series_stage1.csv (make_series_dataset.py): each participant's stage-1 effect
# summary bhat, s and age. The same stage-2 model and priors as nof1, sampled by MCMC:
#   bhat[i] ~ N(b[i], s[i]^2),  b[i] ~ N(mu + theta * (age[i] - mean(age)), tau^2),
#   mu, theta ~ N(0, 1e6) (flat for these data), tau ~ half-normal with scale 1,
#   b_new ~ N(mu, tau^2): a new patient at the mean age.
# Two fits: "intercept" (no covariate, theta = 0) and "age" (centred age).
# Writes out/series_jags_summary.csv (posterior summaries; Monte Carlo error from coda's
# effective sizes of the draws and of [draw <= quantile]) and out/series_jags_session.csv
# (versions, seeds, run lengths, samplers).
suppressPackageStartupMessages({
  library(rjags)
  library(coda)
})

SEED <- 20240622L
CHAINS <- 4L
ADAPT <- 1000L
BURN_IN <- 5000L
ITER <- 50000L
MCID <- 1  # P(b_new <= -MCID): a new patient benefits by at least the MCID (lower is better)
set.seed(SEED)  # nothing below draws from R's generator; set so that nothing can vary
dir.create("out", showWarnings = FALSE)

model_text <- function(covariate) paste0("
model {
  mu ~ dnorm(0, 1.0E-6)
  tau ~ dnorm(0, 1) T(0,)
  ", if (covariate) "theta ~ dnorm(0, 1.0E-6)" else "", "
  for (i in 1:m) {
    b[i] ~ dnorm(mu", if (covariate) " + theta * agec[i]" else "", ", 1 / pow(tau, 2))
    bhat[i] ~ dnorm(b[i], 1 / pow(s[i], 2))
  }
  b_new ~ dnorm(mu, 1 / pow(tau, 2))
  # Rao-Blackwellised P(b_new <= -MCID | mu, tau): same mean as step(), far smaller MC error
  p_new_mcid <- phi((-mcid - mu) / tau)
}")

stage1 <- read.csv(file.path("data", "series_stage1.csv"))
m <- nrow(stage1)
fits <- list(
  intercept = list(covariate = FALSE, seed = SEED),
  age = list(covariate = TRUE, seed = SEED + 100L)
)

inits <- function(chain, fit) {
  init <- list(
    mu = c(-2, -1, 0, 1)[chain],
    tau = c(0.1, 0.5, 1, 2)[chain],
    .RNG.name = "base::Mersenne-Twister",
    .RNG.seed = fit$seed + chain
  )
  if (fit$covariate) init$theta <- c(-0.1, 0, 0.05, 0.1)[chain]
  init
}

summarise <- function(fit_name, v, draws) {
  x <- unlist(lapply(draws, as.numeric))
  q <- quantile(x, c(0.025, 0.5, 0.975), names = FALSE)
  ess <- unname(effectiveSize(draws))
  rhat <- gelman.diag(draws, autoburnin = FALSE)$psrf[1, 1]
  # effective size of [draw <= quantile] gives each quantile's Monte Carlo error
  ess_q <- vapply(q, function(at) {
    unname(effectiveSize(mcmc.list(lapply(draws, function(ch) mcmc(as.numeric(ch <= at))))))
  }, numeric(1))
  data.frame(
    model = fit_name, parameter = v, mean = mean(x), sd = sd(x),
    q025 = q[1], q50 = q[2], q975 = q[3], ess = ess, mcse = sd(x) / sqrt(ess), rhat = rhat,
    ess_q025 = ess_q[1], ess_q50 = ess_q[2], ess_q975 = ess_q[3]
  )
}

summaries <- list()
samplers <- character()
started <- Sys.time()
for (fit_name in names(fits)) {
  fit <- fits[[fit_name]]
  data <- list(bhat = stage1$bhat, s = stage1$s, m = m, mcid = MCID)
  if (fit$covariate) data$agec <- stage1$age - mean(stage1$age)
  model <- jags.model(textConnection(model_text(fit$covariate)), data = data,
                      n.chains = CHAINS, inits = lapply(seq_len(CHAINS), inits, fit = fit),
                      n.adapt = ADAPT, quiet = TRUE)
  update(model, BURN_IN, progress.bar = "none")
  used <- list.samplers(model)
  # one entry per sampler type, in JAGS's order; b[] stands for every participant's b[i]
  nodes <- vapply(used, function(n) sub("\\[.*", "[]", n[1]), "")
  types <- unique(names(used))
  samplers[fit_name] <- paste0(types, ": ", vapply(types, function(t) {
    paste(unique(nodes[names(used) == t]), collapse = " ")
  }, ""), collapse = "; ")
  monitor <- c("mu", "tau", if (fit$covariate) "theta", "b_new", "p_new_mcid", "b")
  draws <- coda.samples(model, monitor, n.iter = ITER, progress.bar = "none")
  params <- c("mu", "tau", if (fit$covariate) "theta", "b_new", "p_new_mcid",
              paste0("b[", seq_len(m), "]"))
  for (v in params) {
    summaries[[length(summaries) + 1]] <- summarise(fit_name, v, draws[, v])
  }
  # the indicator itself, as a check on the Rao-Blackwellised p_new_mcid
  below <- mcmc.list(lapply(draws, function(ch) mcmc(as.numeric(ch[, "b_new"] <= -MCID))))
  row <- summarise(fit_name, "b_new_le_-mcid", below)
  row[c("ess_q025", "ess_q50", "ess_q975")] <- NA  # quantiles of a 0/1 variable mean nothing
  summaries[[length(summaries) + 1]] <- row
}
seconds <- as.numeric(difftime(Sys.time(), started, units = "secs"))

out <- do.call(rbind, summaries)
out$participant <- ""
is_b <- grepl("^b\\[", out$parameter)
out$participant[is_b] <- stage1$participant[as.integer(gsub("\\D", "", out$parameter[is_b]))]
num <- vapply(out, is.double, logical(1))
out[num] <- lapply(out[num], function(v) sprintf("%.10g", v))
write.csv(out, file.path("out", "series_jags_summary.csv"), row.names = FALSE, quote = FALSE)
write.csv(data.frame(
  key = c("R", "JAGS", "rjags", "coda", "seed", "rng", "chains", "adapt", "burn_in",
          "iterations_per_chain", "thin", "tau_prior", "mcid", "seconds",
          paste0("samplers_", names(samplers))),
  value = c(R.version.string, as.character(jags.version()),
            as.character(packageVersion("rjags")), as.character(packageVersion("coda")),
            paste0("intercept: ", SEED, " + chain; age: ", SEED + 100L,
                   " + chain (.RNG.seed), set.seed(", SEED, ")"),
            "base::Mersenne-Twister", CHAINS, ADAPT, BURN_IN, ITER, 1,
            "half-normal, scale 1: dnorm(0, 1) T(0,)", MCID, round(seconds),
            unname(samplers))
), file.path("out", "series_jags_session.csv"), row.names = FALSE)
cat("series JAGS reference written to", normalizePath("out"), "in", round(seconds), "s\n")
