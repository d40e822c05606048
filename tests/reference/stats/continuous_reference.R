# Survival on continuous times with nearly equal values, R's default timefix (aeqSurv merges times
# equal within sqrt(.Machine$double.eps)) and timefix = FALSE:
#   Rscript continuous_reference.R > continuous_reference.json
# Times are rounded to 12 decimals so that the JSON (15 significant digits) carries R's doubles.
suppressPackageStartupMessages({library(survival); library(jsonlite)})
num <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }
set.seed(20261203)
n <- 1500
base <- rexp(n, 0.1)
# nearly equal copies: 3e-9 apart (merged), chains of 1e-8 steps (merged into the first), and
# 1e-6 apart (distinct)
near <- c(base[1:150] + 3e-9, base[151:200] + 1e-8, base[151:200] + 2e-8, base[201:260] + 1e-6)
time <- round(c(base, near), 12)
m <- length(time)
status <- rbinom(m, 1, 0.7)
group <- rbinom(m, 1, 0.5)
x1 <- round(rnorm(m), 6); x2 <- round(runif(m), 6); x3 <- rbinom(m, 1, 0.4)
stratum <- sample(1:3, m, replace = TRUE)
d <- data.frame(time, status, group, x1, x2, x3, stratum)
km_case <- function(timefix) {
  f <- survfit(Surv(time, status) ~ 1, data = d, timefix = timefix)
  s <- summary(f, censored = TRUE)
  q <- quantile(f, c(0.25, 0.5, 0.75))
  list(time = num(s$time), n_risk = num(s$n.risk), n_event = num(s$n.event), survival = num(s$surv),
       std_err = num(s$std.err), lower = num(s$lower), upper = num(s$upper),
       quantile = list(value = num(q$quantile), lower = num(q$lower), upper = num(q$upper)))
}
# survdiff(..., timefix = FALSE) passes timefix on to model.frame (an error in survival 3.5-3),
# so the test is computed by survdiff's own engine on the (fixed or raw) response, as survdiff does
lr_case <- function(timefix, strata = FALSE) {
  y <- Surv(d$time, d$status)
  if (timefix) y <- aeqSurv(y)
  fit <- survival:::survdiff.fit(y, factor(d$group), if (strata) d$stratum else rep(1, m))
  obs <- if (is.matrix(fit$observed)) rowSums(fit$observed) else fit$observed
  exp <- if (is.matrix(fit$expected)) rowSums(fit$expected) else fit$expected
  chisq <- (obs - exp)[-1]^2 / fit$var[-1, -1]
  list(chisq = num(chisq), observed = num(obs), expected = num(exp))
}
cox_case <- function(formula, timefix, ties = "efron") {
  f <- coxph(formula, data = d, ties = ties, control = coxph.control(timefix = timefix))
  list(coef = num(coef(f)), se = num(sqrt(diag(f$var))), loglik = num(f$loglik),
       score = num(f$score), iter = f$iter)
}
out <- list(
  data = d,
  distinct = list(fixed = length(unique(aeqSurv(Surv(time, status))[, 1])), raw = length(unique(time))),
  km = list(timefix = km_case(TRUE), no_timefix = km_case(FALSE)),
  logrank = list(timefix = lr_case(TRUE), no_timefix = lr_case(FALSE),
                 strata_timefix = lr_case(TRUE, TRUE), strata_no_timefix = lr_case(FALSE, TRUE)),
  cox = list(
    one_timefix = cox_case(Surv(time, status) ~ group, TRUE),
    one_no_timefix = cox_case(Surv(time, status) ~ group, FALSE),
    three_timefix = cox_case(Surv(time, status) ~ x1 + x2 + x3, TRUE),
    three_no_timefix = cox_case(Surv(time, status) ~ x1 + x2 + x3, FALSE),
    three_breslow = cox_case(Surv(time, status) ~ x1 + x2 + x3, TRUE, "breslow"),
    strata_timefix = cox_case(Surv(time, status) ~ x1 + x2 + x3 + strata(stratum), TRUE),
    strata_no_timefix = cox_case(Surv(time, status) ~ x1 + x2 + x3 + strata(stratum), FALSE)
  )
)
cat(toJSON(out, digits = NA, auto_unbox = FALSE, na = "null", dataframe = "columns"))
