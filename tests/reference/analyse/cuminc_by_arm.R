# Cumulative incidence of each competing first event within each arm at 6, 12 and 24 months, for
# the by-arm competing-events table (tests/analyse/test_competing_by_arm.py), on the events of a
# simulated NCT07235319 study of 33 patients (gray_per_cause_events.csv: time in months, cause 0
# censored, 1 in-field, 2 out-of-field, 4 death without progression; see failures_reference.R).
#
# Regenerate from the repository root:
#   Rscript tests/reference/analyse/cuminc_by_arm.R
suppressPackageStartupMessages({
  library(cmprsk)
  library(jsonlite)
})
here <- "tests/reference/analyse"
d <- read.csv(file.path(here, "gray_per_cause_events.csv"), stringsAsFactors = FALSE)
fit <- cuminc(d$time, d$cause, d$arm)
est <- timepoints(fit[names(fit) != "Tests"], c(6, 12, 24))$est
out <- list(versions = list(R = R.version.string, cmprsk = as.character(packageVersion("cmprsk"))),
            times = c(6, 12, 24), n = as.list(table(d$arm)), incidence = list())
for (arm in unique(d$arm)) {
  out$incidence[[arm]] <- list()
  for (cause in sort(unique(d$cause[d$cause > 0]))) {
    key <- paste(arm, cause)
    out$incidence[[arm]][[as.character(cause)]] <-
      if (key %in% rownames(est)) unname(est[key, ]) else c(0, 0, 0)
  }
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(here, "cuminc_by_arm.json"))
