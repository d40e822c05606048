# Restricted mean survival time (survival's rmean) and Aalen-Johansen cumulative incidence
# (survfit with a multi-state status): Rscript extras_reference.R > extras_reference.json
suppressPackageStartupMessages({library(survival); library(jsonlite)})
fit <- survfit(Surv(time, status) ~ 1, data = lung)
rm365 <- summary(fit, rmean = 365)$table
fit_v <- survfit(Surv(time, status) ~ trt, data = veteran)
rmv <- summary(fit_v, rmean = 200)$table
# competing risks: mgus2, progression (pcm) vs death before progression
etime <- with(mgus2, ifelse(pstat == 0, futime, ptime))
event <- with(mgus2, ifelse(pstat == 0, 2 * death, 1))
ev <- factor(event, 0:2, labels = c("censor", "pcm", "death"))
aj <- survfit(Surv(etime, ev) ~ 1)
times <- c(60, 120, 240, 360)
s <- summary(aj, times = times)
# case weights and delayed entry through the same product-limit routine
set.seed(20261123)
lw <- round(runif(nrow(lung), 0.5, 2), 3)
rm_w <- summary(survfit(Surv(time, status) ~ 1, data = lung, weights = lw), rmean = 365)$table
hw <- round(runif(nrow(heart), 0.5, 2), 3)
# robust = FALSE: the Greenwood variance (R's default with case weights is the infinitesimal jackknife)
fit_hw <- survfit(Surv(start, stop, event) ~ 1, data = heart, weights = hw, robust = FALSE)
rm_e <- summary(survfit(Surv(start, stop, event) ~ 1, data = heart), rmean = 500)$table
rm_ew <- summary(fit_hw, rmean = 500)$table
s_hw <- summary(fit_hw, censored = TRUE)
mw <- round(runif(length(etime), 0.5, 2), 3)
aj_w <- summary(survfit(Surv(etime, ev) ~ 1, weights = mw), times = times)
out <- list(
  lung_weighted = list(time = lung$time, event = lung$status - 1, w = lw, tau = 365,
                       rmean = unname(rm_w["rmean"]), se = unname(rm_w["se(rmean)"])),
  heart = list(entry = heart$start, time = heart$stop, event = heart$event, w = hw, tau = 500,
               rmean = unname(rm_e["rmean"]), se = unname(rm_e["se(rmean)"]),
               rmean_weighted = unname(rm_ew["rmean"]), se_weighted = unname(rm_ew["se(rmean)"]),
               km_weighted = list(time = s_hw$time, n_risk = s_hw$n.risk, n_event = s_hw$n.event,
                                  survival = s_hw$surv, std_err = s_hw$std.err)),
  mgus2_weighted = list(w = mw, pstate = aj_w$pstate),
  lung = list(time = lung$time, event = lung$status - 1, tau = 365, rmean = unname(rm365["rmean"]), se = unname(rm365["se(rmean)"])),
  veteran = list(time = veteran$time, event = veteran$status, group = veteran$trt, tau = 200,
                 rmean = unname(rmv[, "rmean"]), se = unname(rmv[, "se(rmean)"])),
  mgus2 = list(time = etime, cause = event, times = times, pstate = s$pstate, std_err = s$std.err,
               states = colnames(s$pstate))
)
cat(toJSON(out, digits = NA, auto_unbox = FALSE))
