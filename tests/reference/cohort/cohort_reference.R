# Reference values for rtio.cohort, from R survival (Rscript cohort_reference.R > cohort_reference.json).
# Stanford heart transplant data: jasa (one row per patient) and heart (its counting-process form,
# times in days + 1, transplant on the day of death placed half a day before it).
suppressPackageStartupMessages({library(survival); library(jsonlite)})

fit_summary <- function(fit) {
  s <- summary(fit)
  list(coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
       hr = unname(exp(coef(fit))),
       hr_lower = unname(s$conf.int[, "lower .95"]), hr_upper = unname(s$conf.int[, "upper .95"]),
       loglik = unname(fit$loglik), n = fit$n, nevent = fit$nevent)
}

jasa_out <- data.frame(
  id = seq_len(nrow(jasa)),
  accept_dt = format(jasa$accept.dt), tx_dt = ifelse(is.na(jasa$tx.date), "", format(jasa$tx.date)),
  fu_dt = format(jasa$fu.date), fustat = jasa$fustat, futime = jasa$futime,
  age = jasa$age, surgery = jasa$surgery)

# naive: transplant as a fixed "ever" covariate, time from acceptance (heart's day+1 scale)
jasa$time1 <- jasa$futime + 1
naive <- coxph(Surv(time1, fustat) ~ transplant, data = jasa)

# time-varying transplant
tv <- coxph(Surv(start, stop, event) ~ transplant, data = heart)
tv_adj <- coxph(Surv(start, stop, event) ~ transplant + age + surgery, data = heart)

# landmark analyses from the heart data: alive and followed beyond L; exposure fixed at L
landmark <- function(L) {
  last <- do.call(rbind, lapply(split(heart, heart$id), function(d) d[which.max(d$stop), ]))
  tx_start <- sapply(split(heart, heart$id), function(d) {
    s <- d$start[d$transplant == 1]; if (length(s)) min(s) else Inf })
  keep <- last$stop > L
  d <- data.frame(time = last$stop[keep] - L, event = last$event[keep],
                  exposed = as.integer(tx_start[keep] <= L))
  f <- coxph(Surv(time, event) ~ exposed, data = d)
  c(list(landmark = L, n = nrow(d), n_exposed = sum(d$exposed), n_events = sum(d$event)), fit_summary(f))
}

# Simon-Makuch: KM on the counting-process data by current transplant status
sm <- survfit(Surv(start, stop, event) ~ transplant, data = heart)
sm_times <- c(30, 90, 180, 365)
sm_sum <- summary(sm, times = sm_times, extend = TRUE)

# IPTW on lung: propensity of female sex from age and ph.ecog; stabilised weights;
# weighted Cox with robust (sandwich) SE and weighted KM
lung2 <- na.omit(lung[, c("time", "status", "sex", "age", "ph.ecog")])
lung2$treated <- as.integer(lung2$sex == 2)
lung2$event <- as.integer(lung2$status == 2)
ps_fit <- glm(treated ~ age + ph.ecog, family = binomial, data = lung2)
ps <- fitted(ps_fit)
p_treat <- mean(lung2$treated)
w <- ifelse(lung2$treated == 1, p_treat / ps, (1 - p_treat) / (1 - ps))
wcox <- coxph(Surv(time, event) ~ treated, data = lung2, weights = w, robust = TRUE)
wkm <- survfit(Surv(time, event) ~ treated, data = lung2, weights = w)
wkm_sum <- summary(wkm, times = c(180, 365))
smd <- function(x, t, w) {
  m1 <- weighted.mean(x[t == 1], w[t == 1]); m0 <- weighted.mean(x[t == 0], w[t == 0])
  v1 <- sum(w[t == 1] * (x[t == 1] - m1)^2) / sum(w[t == 1])
  v0 <- sum(w[t == 0] * (x[t == 0] - m0)^2) / sum(w[t == 0])
  (m1 - m0) / sqrt((v1 + v0) / 2)
}
ones <- rep(1, nrow(lung2))

out <- list(
  jasa = jasa_out,
  heart = heart[, c("id", "start", "stop", "event", "transplant")],
  naive = fit_summary(naive),
  time_varying = fit_summary(tv),
  time_varying_adjusted = c(fit_summary(tv_adj), list(terms = names(coef(tv_adj)))),
  landmarks = lapply(c(30, 60, 90), landmark),
  simon_makuch = list(strata = as.character(sm_sum$strata), time = sm_sum$time,
                      surv = sm_sum$surv, n_risk = sm_sum$n.risk),
  iptw = list(
    data = lung2, ps = unname(ps), weights = unname(w),
    ps_coef = unname(coef(ps_fit)),
    cox_coef = unname(coef(wcox)), cox_robust_se = unname(sqrt(diag(wcox$var))),
    cox_naive_se = unname(sqrt(diag(wcox$naive.var))),
    km_strata = as.character(wkm_sum$strata), km_time = wkm_sum$time, km_surv = wkm_sum$surv,
    smd_before = c(age = smd(lung2$age, lung2$treated, ones), ph.ecog = smd(lung2$ph.ecog, lung2$treated, ones)),
    smd_after = c(age = smd(lung2$age, lung2$treated, w), ph.ecog = smd(lung2$ph.ecog, lung2$treated, w))
  ),
  r_version = R.version.string, survival_version = as.character(packageVersion("survival"))
)
cat(toJSON(out, digits = NA, auto_unbox = TRUE, dataframe = "columns"))
