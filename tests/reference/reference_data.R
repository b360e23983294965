# Shared by nlme_reference.R and jags_reference.R: the rows and columns nof1 fits.
# Mirrors src/nof1/analysis/design.py: drop the run-in (period 0), drop the first
# `washout_days` days of each period (counted from the period's first row, missing or not),
# then drop missing outcomes. Columns: active = [arm == "active"] (placebo is the reference),
# trend = (day - (min + max) / 2) / (max - min) over the rows kept.

trials <- function() {
  read.csv(file.path("data", "trials.csv"), stringsAsFactors = FALSE)
}

reference_rows <- function(spec) {
  d <- read.csv(file.path("data", spec$file), stringsAsFactors = FALSE)
  d <- d[order(d$day), ]
  d <- d[d$arm != "run-in" & d$period > 0, ]
  start <- ave(d$day, d$period, FUN = min)
  d <- d[d$day - start >= spec$washout_days & !is.na(d$fatigue), ]
  d$active <- as.numeric(d$arm == "active")
  if (spec$trend == "linear") {
    centre <- (min(d$day) + max(d$day)) / 2
    span <- max(max(d$day) - min(d$day), 1)
    d$trend <- (d$day - centre) / span
  } else if (spec$trend != "none") {
    stop("unknown trend ", spec$trend)
  }
  rownames(d) <- NULL
  d
}

reference_formula <- function(spec) {
  if (spec$trend == "linear") fatigue ~ active + trend else fatigue ~ active
}
