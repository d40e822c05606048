# Reference values for rtio.stats from R (survival), written as JSON:
#   Rscript stats_reference.R > stats_reference.json
suppressPackageStartupMessages({library(survival); library(jsonlite)})
num <- function(x) { x <- as.numeric(x); x[is.infinite(x)] <- NA; x }

km_case <- function(time, event, conf_type = "log", times = NULL) {
  fit <- survfit(Surv(time, event) ~ 1, conf.type = conf_type)
  s <- summary(fit, censored = TRUE)
  q <- quantile(fit, probs = c(0.25, 0.5, 0.75))
  out <- list(time = num(time), event = num(event), conf_type = conf_type,
    table = list(time = num(s$time), n_risk = num(s$n.risk), n_event = num(s$n.event),
                 n_censor = num(s$n.censor), survival = num(s$surv), std_err = num(s$std.err),
                 lower = num(s$lower), upper = num(s$upper)),
    quantile = list(p = c(0.25, 0.5, 0.75), value = num(q$quantile), lower = num(q$lower), upper = num(q$upper)))
  if (!is.null(times)) {
    st <- summary(fit, times = times)
    out$at <- list(times = num(times), time = num(st$time), n_risk = num(st$n.risk),
                   survival = num(st$surv), std_err = num(st$std.err), lower = num(st$lower), upper = num(st$upper))
  }
  out
}

colon_death <- colon[colon$etype == 2, ]
lung_ok <- lung[!is.na(lung$ph.ecog), ]
set.seed(20261122)
ties_time <- sample(1:8, 200, replace = TRUE)
ties_event <- rbinom(200, 1, 0.6)

km <- list(
  lung_log = km_case(lung$time, lung$status - 1, "log", c(0, 100, 180, 365, 500, 1000, 1022)),
  lung_loglog = km_case(lung$time, lung$status - 1, "log-log", c(180, 365)),
  lung_plain = km_case(lung$time, lung$status - 1, "plain", c(180, 365)),
  veteran = km_case(veteran$time, veteran$status, "log", c(30, 90, 365)),
  ovarian = km_case(ovarian$futime, ovarian$fustat, "log", c(365, 730)),
  aml = km_case(aml$time, aml$status, "log", c(12, 24)),
  colon = km_case(colon_death$time, colon_death$status, "log", c(365, 1826)),
  heavy_ties = km_case(ties_time, ties_event, "log", c(2, 4.5, 7)),
  all_censored = km_case(c(3, 5, 7, 9), c(0, 0, 0, 0), "log"),
  single_subject = km_case(5, 1, "log"),
  one_event_time = km_case(c(4, 4, 4, 6, 8), c(1, 1, 1, 0, 0), "log"),
  midpoint = km_case(1:6, rep(1, 6), "log"),
  midpoint_loglog = km_case(c(1:6, 6.5), c(rep(1, 6), 0), "log-log"),
  ends_at_zero = km_case(c(2, 3, 3, 5, 8), c(1, 0, 1, 1, 1), "log", c(1, 4, 8))
)

# counting-process (delayed entry) KM on the Stanford heart data
entry_fit <- survfit(Surv(start, stop, event) ~ 1, data = heart)
entry_sum <- summary(entry_fit, censored = TRUE)
km_entry <- list(entry = heart$start, time = heart$stop, event = heart$event,
                 table = list(time = num(entry_sum$time), n_risk = num(entry_sum$n.risk), n_event = num(entry_sum$n.event),
                              survival = num(entry_sum$surv), std_err = num(entry_sum$std.err),
                              lower = num(entry_sum$lower), upper = num(entry_sum$upper)))

lr_case <- function(formula, data) {
  f <- survdiff(formula, data = data)
  list(chisq = f$chisq, df = length(f$n) - 1, p_value = pchisq(f$chisq, length(f$n) - 1, lower.tail = FALSE),
       observed = num(if (is.matrix(f$obs)) rowSums(f$obs) else f$obs),
       expected = num(if (is.matrix(f$exp)) rowSums(f$exp) else f$exp), groups = names(f$n))
}
logrank <- list(
  lung_sex = c(lr_case(Surv(time, status) ~ sex, lung), list(time = lung$time, event = lung$status - 1, group = lung$sex)),
  veteran_celltype = c(lr_case(Surv(time, status) ~ celltype, veteran),
                       list(time = veteran$time, event = veteran$status, group = as.character(veteran$celltype))),
  lung_sex_strata_ecog = c(lr_case(Surv(time, status) ~ sex + strata(ph.ecog), lung_ok),
                           list(time = lung_ok$time, event = lung_ok$status - 1, group = lung_ok$sex, strata = lung_ok$ph.ecog)),
  colon_rx_strata_sex = c(lr_case(Surv(time, status) ~ rx + strata(sex), colon_death),
                          list(time = colon_death$time, event = colon_death$status, group = as.character(colon_death$rx), strata = colon_death$sex))
)

cox_case <- function(fit) {
  s <- summary(fit)
  list(coef = num(coef(fit)), se = num(sqrt(diag(vcov(fit)))), names = names(coef(fit)),
       hr_lower = num(s$conf.int[, 3]), hr_upper = num(s$conf.int[, 4]), z = num(s$coefficients[, "z"]),
       p_value = num(s$coefficients[, ncol(s$coefficients)]), loglik = num(fit$loglik),
       lr = 2 * diff(fit$loglik), wald = num(fit$wald.test), score = num(fit$score),
       robust_score = if (!is.null(fit$rscore)) num(fit$rscore) else NULL, df = length(coef(fit)), n = fit$n, nevent = fit$nevent,
       naive_se = if (!is.null(fit$naive.var)) num(sqrt(diag(fit$naive.var))) else NULL)
}
lung_cc <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "inst", "wt.loss")])
vet <- veteran; vet$celltype <- factor(vet$celltype)
set.seed(7)
lung_cc$w <- runif(nrow(lung_cc), 0.5, 2)
colon_cc <- na.omit(colon[, c("id", "time", "status", "rx", "age", "sex", "etype", "nodes")])
set.seed(99)
big_ties <- data.frame(time = sample(1:10, 3000, replace = TRUE), status = rbinom(3000, 1, 0.7),
                       x1 = rnorm(3000), x2 = rbinom(3000, 1, 0.4))
cox <- list(
  big_ties_efron = cox_case(coxph(Surv(time, status) ~ x1 + x2, data = big_ties)),
  big_ties_robust = cox_case(coxph(Surv(time, status) ~ x1 + x2, data = big_ties, robust = TRUE)),
  lung_efron = cox_case(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung_cc)),
  lung_breslow = cox_case(coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung_cc, ties = "breslow")),
  veteran_efron = cox_case(coxph(Surv(time, status) ~ trt + karno + celltype, data = vet)),
  veteran_breslow = cox_case(coxph(Surv(time, status) ~ trt + karno + celltype, data = vet, ties = "breslow")),
  lung_strata_inst = cox_case(coxph(Surv(time, status) ~ age + sex + strata(inst), data = lung_cc)),
  veteran_strata = cox_case(coxph(Surv(time, status) ~ karno + strata(celltype), data = vet)),
  heart_tv = cox_case(coxph(Surv(start, stop, event) ~ transplant + age + surgery, data = heart)),
  heart_tv_breslow = cox_case(coxph(Surv(start, stop, event) ~ age + surgery, data = heart, ties = "breslow")),
  lung_weighted_robust = cox_case(coxph(Surv(time, status) ~ age + sex, data = lung_cc, weights = w, robust = TRUE)),
  lung_weighted_robust_breslow = cox_case(coxph(Surv(time, status) ~ age + sex, data = lung_cc, weights = w, robust = TRUE, ties = "breslow")),
  colon_cluster = cox_case(coxph(Surv(time, status) ~ age + sex + nodes + cluster(id), data = colon_cc))
)
data <- list(
  lung = lung_cc[, c("time", "status", "age", "sex", "ph.ecog", "inst", "w")],
  veteran = data.frame(time = vet$time, status = vet$status, trt = vet$trt, karno = vet$karno, celltype = as.character(vet$celltype)),
  heart = data.frame(start = heart$start, stop = heart$stop, event = heart$event,
                     transplant = as.integer(as.character(heart$transplant)), age = heart$age, surgery = heart$surgery),
  colon = colon_cc[, c("id", "time", "status", "age", "sex", "nodes")],
  big_ties = big_ties
)

binom_case <- function(k, n) {
  ex <- binom.test(k, n)$conf.int
  wi <- suppressWarnings(prop.test(k, n, correct = FALSE))$conf.int
  jl <- if (k == 0) 0 else qbeta(0.025, k + 0.5, n - k + 0.5)
  ju <- if (k == n) 1 else qbeta(0.975, k + 0.5, n - k + 0.5)
  list(k = k, n = n, exact = num(ex), wilson = num(wi), jeffreys = num(c(jl, ju)))
}
binom <- lapply(list(c(15, 26), c(19, 26), c(15, 33), c(19, 33), c(0, 10), c(10, 10), c(1, 1), c(7, 33), c(50, 200)),
                function(x) binom_case(x[1], x[2]))

mw_case <- function(a, b) {
  w <- suppressWarnings(wilcox.test(a, b, exact = NULL, correct = TRUE))
  list(a = num(a), b = num(b), statistic = unname(w$statistic), p_value = w$p.value, method = w$method)
}
set.seed(11)
mw <- list(
  exact_small = mw_case(c(1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30), c(0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29)),
  exact_no_ties = mw_case(c(210, 350, 480, 125, 900, 640, 300, 720, 515, 260, 410, 590, 330), c(150, 95, 200, 310, 120, 180, 240)),
  ties_normal = mw_case(c(1, 2, 2, 3, 4, 5, 5, 6), c(2, 3, 3, 4, 7, 8)),
  large_normal = mw_case(round(rnorm(60, 10, 3), 3), round(rnorm(55, 11, 3), 3)),
  one_large = mw_case(round(rnorm(49, 0, 1), 4), round(rnorm(50, 0.3, 1), 4))
)

rev_fit <- survfit(Surv(lung$time, 1 - (lung$status - 1)) ~ 1)
rq <- quantile(rev_fit, 0.5)
set.seed(3)
vals <- round(rlnorm(20, 6, 0.8))
follow <- list(time = lung$time, event = lung$status - 1, median = num(rq$quantile), lower = num(rq$lower), upper = num(rq$upper))
cut <- list(values = vals, q30 = unname(quantile(vals, 0.3)), q50 = unname(quantile(vals, 0.5)))

# one-sample tests against a historical control median m0 (exponential H0: Lambda0(t) = t log 2 / m0)
one_sample_case <- function(time, event, m0, shape = 1) {
  scale <- m0 / log(2)^(1 / shape)
  e <- (time / scale)^shape
  sd <- survdiff(Surv(time, event) ~ offset(exp(-e)))
  fit <- survreg(Surv(time, event) ~ 1, dist = "exponential")
  list(time = num(time), event = num(event), m0 = m0, shape = shape, observed = sd$obs, expected = sd$exp,
       chisq = sd$chisq, log_rate = -unname(coef(fit)), log_rate_se = sqrt(vcov(fit)[1, 1]))
}
set.seed(42)
pfs <- round(rexp(33, log(2) / 9.8), 2); cens <- runif(33, 6, 28)
one_sample <- list(
  lung = one_sample_case(lung$time, lung$status - 1, 250),
  lung_weibull = one_sample_case(lung$time, lung$status - 1, 250, shape = 1.3),
  seed004_like = one_sample_case(pmin(pfs, cens), as.integer(pfs <= cens), 6.3)
)

cat(toJSON(list(km = km, km_entry = km_entry, one_sample = one_sample, logrank = logrank, cox = cox, data = data, binom = binom, mann_whitney = mw,
                median_follow_up = follow, percentile = cut, r_version = R.version.string,
                survival_version = as.character(packageVersion("survival"))),
           digits = NA, auto_unbox = FALSE, dataframe = "columns", na = "null"))
