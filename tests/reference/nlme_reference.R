# nlme reference for nof1's single-patient AR(1) model (tests/reference/test_nlme_reference.py).
# Run from tests/reference: Rscript nlme_reference.R   (or `make reference` at the top).
# Writes out/nlme_rows.csv (the rows R fitted), out/nlme_fixed_phi.csv (REML fits with phi
# held fixed), out/nlme_reml.csv (phi estimated by REML) and out/nlme_session.csv (versions).
suppressPackageStartupMessages(library(nlme))
source("reference_data.R")

phis <- c(0.2, 0.5, 0.8, 0.95)
ctrl <- glsControl(tolerance = 1e-10, msTol = 1e-10, msMaxIter = 500, maxIter = 500)
dir.create("out", showWarnings = FALSE)

rows <- list()
fixed <- list()
reml <- list()
specs <- trials()
for (i in seq_len(nrow(specs))) {
  spec <- specs[i, ]
  if (!spec$nlme) next
  d <- reference_rows(spec)
  f <- reference_formula(spec)
  rows[[spec$dataset]] <- data.frame(
    dataset = spec$dataset, day = d$day, active = d$active,
    trend = if (is.null(d$trend)) NA else d$trend, fatigue = d$fatigue
  )
  for (phi in phis) {
    fit <- gls(f, data = d, method = "REML",
               correlation = corCAR1(value = phi, form = ~day, fixed = TRUE))
    fixed[[length(fixed) + 1]] <- data.frame(
      dataset = spec$dataset, n = nrow(d), phi = phi,
      estimate = unname(coef(fit)["active"]),
      se = sqrt(vcov(fit)["active", "active"]),
      sigma = fit$sigma, loglik = as.numeric(logLik(fit))
    )
  }
  fit <- gls(f, data = d, method = "REML", correlation = corCAR1(form = ~day), control = ctrl)
  ci <- intervals(fit, which = "var-cov")$corStruct
  reml[[length(reml) + 1]] <- data.frame(
    dataset = spec$dataset, n = nrow(d),
    phi = unname(coef(fit$modelStruct$corStruct, unconstrained = FALSE)),
    phi_lower = ci[1, "lower"], phi_upper = ci[1, "upper"],
    estimate = unname(coef(fit)["active"]),
    se = sqrt(vcov(fit)["active", "active"]),
    sigma = fit$sigma, loglik = as.numeric(logLik(fit))
  )
}

# 17 significant digits: the comparisons go to 1e-6 relative and must not lose anything
write_out <- function(x, name) {
  x <- do.call(rbind, x)
  num <- vapply(x, is.double, logical(1))
  x[num] <- lapply(x[num], function(v) ifelse(is.na(v), NA, sprintf("%.17g", v)))
  write.csv(x, file.path("out", name), row.names = FALSE, quote = FALSE, na = "NA")
}
write_out(rows, "nlme_rows.csv")
write_out(fixed, "nlme_fixed_phi.csv")
write_out(reml, "nlme_reml.csv")
write.csv(data.frame(
  key = c("R", "nlme", "phi_fixed", "gls_control"),
  value = c(R.version.string, as.character(packageVersion("nlme")),
            paste(phis, collapse = " "), "tolerance=1e-10 msTol=1e-10")
), file.path("out", "nlme_session.csv"), row.names = FALSE)
cat("nlme reference written to", normalizePath("out"), "\n")
