# Analyses that cannot be computed, as R reports them, for the tests of "failures are said, never
# printed as numbers" (tests/analyse/test_failures_said.py):
#
# 1. Gray's test by arm of each competing first event on a simulated NCT07235319 study of 33
#    patients (studies/npc33_seed1; events exported from rtio's progression_causes into
#    gray_per_cause_events.csv: time in months, cause 0 censored, 1 in-field, 2 out-of-field,
#    4 death without progression). Death occurs in one arm only: cmprsk reports that cause's
#    statistic as -1 (singular variance) and still tests the other causes.
# 2. The log-rank test when every patient at risk at the only event time has the event (an early
#    data cut): the variance of O - E is zero and survdiff stops ("exactly singular"); the Cox
#    model still fits (HR 1).
# 3. The time-varying Cox model of the IO-cycle categories of a small seed-001 cohort (33
#    patients, seed 12; counting-process data from export_derived.py): every event of the
#    reference category happens while nobody with more cycles is at risk, so coxph warns that the
#    coefficients may be infinite (monotone likelihood).
# 4. A stratified Cox model where one patient's stratum is missing: R (na.action = na.omit) drops
#    the patient without an error and fits the others; rtio refuses to stratify and names the
#    patient. The unstratified model uses every patient.
# 5. The Mann-Whitney test of two groups whose values are all the same: wilcox.test gives p NaN
#    (its normal approximation divides by a zero variance).
#
# Regenerate from the repository root (export_derived.py rewrites gray_per_cause_events.csv and
# the counting-process data from the committed studies):
#   python tests/reference/analyse/export_derived.py
#   Rscript tests/reference/analyse/failures_reference.R
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
  library(jsonlite)
})
here <- "tests/reference/analyse"
out <- list(versions = list(R = R.version.string,
                            survival = as.character(packageVersion("survival")),
                            cmprsk = as.character(packageVersion("cmprsk"))))

# 1. Gray's test per cause
d <- read.csv(file.path(here, "gray_per_cause_events.csv"), stringsAsFactors = FALSE)
tests <- cuminc(d$time, d$cause, d$arm)$Tests
out$gray <- lapply(setNames(rownames(tests), rownames(tests)), function(k)
  list(stat = tests[k, "stat"], p = tests[k, "pv"], df = tests[k, "df"]))

# 2. log-rank with zero variance
z <- data.frame(time = c(1, 2, 3, 5, 5), event = c(0, 0, 0, 1, 1),
                arm = factor(c("A", "B", "A", "A", "B")))
out$zero_variance <- list(
  data = z,
  survdiff_error = tryCatch({ survdiff(Surv(time, event) ~ arm, data = z); "" },
                            error = function(e) conditionMessage(e)),
  cox = {
    s <- summary(coxph(Surv(time, event) ~ arm, data = z))
    list(value = unname(s$conf.int[1, 1]), lower = unname(s$conf.int[1, 3]),
         upper = unname(s$conf.int[1, 4]))
  }
)

# 3. IO-cycle categories, time-varying
cp <- read.csv(file.path(here, "derived", "cohort33_seed12", "io_cycles_counting.csv"))
cp$level <- factor(cp$level)
seen <- character()
fit <- withCallingHandlers(
  coxph(Surv(start, stop, event) ~ level, data = cp),
  warning = function(w) {
    seen <<- c(seen, conditionMessage(w))
    invokeRestart("muffleWarning")
  }
)
out$io_cycles <- list(warnings = seen, coef = as.list(coef(fit)),
                      events_by_level = as.list(tapply(cp$event, cp$level, sum)))

# 4. a missing stratum
m <- data.frame(time = c(2, 4, 5, 7, 9, 11, 12, 15), event = c(1, 1, 0, 1, 1, 0, 1, 1),
                arm = factor(c("A", "B", "A", "B", "A", "B", "A", "B")),
                s = c("x", "x", NA, "y", "y", "x", "y", "x"))
strat <- coxph(Surv(time, event) ~ arm + strata(s), data = m)
plain <- summary(coxph(Surv(time, event) ~ arm, data = m))
out$missing_stratum <- list(
  data = m,
  stratified_n = strat$n, dropped = length(strat$na.action),
  unstratified = list(n = plain$n, value = unname(plain$conf.int[1, 1]),
                      lower = unname(plain$conf.int[1, 3]), upper = unname(plain$conf.int[1, 4]))
)

# 5. Mann-Whitney with every value tied
tied <- suppressWarnings(wilcox.test(c(3, 3, 3), c(3, 3)))
out$all_tied <- list(responders = c(3, 3, 3), stable = c(3, 3), p_is_nan = is.nan(tied$p.value))

write_json(out, file.path(here, "failures_reference.json"), auto_unbox = TRUE, digits = NA,
           pretty = TRUE)
