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
out <- list(
  lung = list(time = lung$time, event = lung$status - 1, tau = 365, rmean = unname(rm365["rmean"]), se = unname(rm365["se(rmean)"])),
  veteran = list(time = veteran$time, event = veteran$status, group = veteran$trt, tau = 200,
                 rmean = unname(rmv[, "rmean"]), se = unname(rmv[, "se(rmean)"])),
  mgus2 = list(time = etime, cause = event, times = times, pstate = s$pstate, std_err = s$std.err,
               states = colnames(s$pstate))
)
cat(toJSON(out, digits = NA, auto_unbox = FALSE))
