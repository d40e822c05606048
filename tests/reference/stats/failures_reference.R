# What R does where a statistic cannot be computed, or only with a warning: Cox fits with a
# monotone likelihood, an iteration limit, collinear or constant covariates, no events, n = 1..5;
# log-rank with one group, no events or zero variance; Gray's test with a singular variance.
#   Rscript failures_reference.R > failures_reference.json
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})
num <- function(x) { x <- as.numeric(x); x[!is.finite(x)] <- NA; x }
run <- function(expr) {
  warnings <- character(0)
  value <- withCallingHandlers(
    tryCatch(expr, error = function(e) list(error = conditionMessage(e))),
    warning = function(w) { warnings <<- c(warnings, trimws(conditionMessage(w))); invokeRestart("muffleWarning") })
  c(value, list(warnings = warnings))
}
cox_case <- function(data, formula, ...) {
  out <- run({
    f <- coxph(formula, data = data, ...)
    list(coef = num(coef(f)), names = names(coef(f)), iter = f$iter, loglik = num(f$loglik),
         var_diag = num(diag(as.matrix(f$var))))
  })
  c(list(data = as.list(data)), out)
}
lung2 <- lung[!is.na(lung$ph.ecog), ]
lung2 <- data.frame(time = lung2$time, dead = lung2$status - 1, age = lung2$age, sex = lung2$sex)
lung2$early <- as.integer(lung2$dead == 1 & lung2$time < 100)
lung2$age2 <- 2 * lung2$age
set.seed(1); n <- 40; x <- rbinom(n, 1, 0.5); t <- rexp(n); e <- ifelse(x == 1, rbinom(n, 1, 0.7), 0)
small <- data.frame(time = 1:8, status = c(1, 1, 1, 1, 0, 0, 0, 0), x = c(1, 1, 1, 1, 0, 0, 0, 0),
                    z = c(0.5, 1, 3, 2, 1, 4, 2, 1), one = 1)
tiny <- function(k) data.frame(time = c(3, 5, 4, 8, 2)[1:k], status = c(1, 0, 1, 1, 0)[1:k],
                               x = c(1, 2, 0, 1.5, 3)[1:k])
cox <- list(
  monotone_converged = cox_case(lung2, Surv(time, dead) ~ age + early),
  monotone_limit = cox_case(data.frame(time = t, status = e, x = x), Surv(time, status) ~ x),
  ran_out = cox_case(small, Surv(time, status) ~ x),
  iter_max_2 = cox_case(small, Surv(time, status) ~ x, control = coxph.control(iter.max = 2)),
  collinear = cox_case(lung2, Surv(time, dead) ~ age + sex + age2),
  constant = cox_case(small, Surv(time, status) ~ one),
  no_events = cox_case(transform(small, status = 0), Surv(time, status) ~ z),
  n1 = cox_case(tiny(1), Surv(time, status) ~ x),
  n2 = cox_case(tiny(2), Surv(time, status) ~ x),
  n3 = cox_case(tiny(3), Surv(time, status) ~ x),
  n4 = cox_case(tiny(4), Surv(time, status) ~ x),
  n5 = cox_case(tiny(5), Surv(time, status) ~ x)
)
lr_case <- function(time, status, group) {
  out <- run({
    s <- survdiff(Surv(time, status) ~ group)
    list(chisq = num(s$chisq), observed = num(s$obs), expected = num(s$exp),
         df = sum(s$exp > 0) - 1)
  })
  c(list(time = time, status = status, group = group), out)
}
logrank <- list(
  one_group = lr_case(c(1, 2, 3), c(1, 1, 0), c("a", "a", "a")),
  no_events = lr_case(1:6, rep(0, 6), c("a", "b", "a", "b", "a", "b")),
  zero_variance = lr_case(c(2, 2), c(1, 1), c("a", "b")),
  empty_group_at_events = lr_case(c(1, 2, 5, 6, 7), c(0, 0, 1, 1, 0), c("a", "a", "b", "b", "c")),
  n2 = lr_case(c(1, 2), c(1, 1), c("a", "b")),
  n3 = lr_case(c(1, 2, 3), c(1, 0, 1), c("a", "b", "a")),
  n4 = lr_case(c(4, 1, 2, 3), c(1, 1, 0, 1), c("a", "b", "b", "a")),
  n5 = lr_case(c(4, 1, 2, 3, 6), c(1, 1, 0, 1, 1), c("a", "b", "b", "a", "b"))
)
gray_case <- function(time, cause, group) {
  out <- run({
    tests <- cuminc(time, cause, group)$Tests
    list(causes = rownames(tests), stat = num(tests[, "stat"]), p = num(tests[, "pv"]))
  })
  c(list(time = time, cause = cause, group = group), out)
}
gray <- list(
  # cmprsk reports stat = -1 where the variance is rank-deficient (qr rank < K - 1)
  singular = gray_case(c(3, 4, 1, 2), c(1, 1, 0, 0), c("a", "a", "b", "b")),
  one_cause_singular = gray_case(c(1, 2, 3), c(1, 2, 0), c("a", "b", "b")),
  n2 = gray_case(c(2, 1), c(1, 0), c("a", "b")),
  n4 = gray_case(c(1, 2, 3, 4), c(1, 1, 0, 0), c("a", "a", "b", "b"))
)
km <- lapply(1:5, function(k) {
  d <- tiny(k)
  f <- survfit(Surv(time, status) ~ 1, data = d)
  q <- quantile(f, 0.5)
  list(time = d$time, status = d$status, surv_time = num(f$time), surv = num(f$surv),
       std_err = num(summary(f, censored = TRUE)$std.err),
       median = num(c(q$quantile, q$lower, q$upper)))
})
names(km) <- paste0("n", 1:5)
cat(toJSON(list(cox = cox, logrank = logrank, gray = gray, km = km), digits = NA, auto_unbox = FALSE,
           na = "null"))
