# Reference values for rtio.rwd's pushed-down statistics on 96,980 persons of a synthetic OMOP CDM
# (sample_1e5.csv.gz, written once by make_sample.py).
# Weighted fits: R's default variance is then robust (kept as robust_se); se is the model-based one.
# Regenerate: Rscript tests/reference/rwd/rwd_reference.R   (R 4.x, survival 3.5-3, jsonlite)
library(survival)
library(jsonlite)
here <- dirname(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))
d <- read.csv(gzfile(file.path(here, "sample_1e5.csv.gz")))
d$exposed <- as.integer(!is.na(d$rt_day))
d$w <- 0.5 + d$age / 100
months <- 30.4375

km_block <- function(fit) {
  s <- summary(fit, times = c(6, 12, 24), extend = TRUE)
  q <- quantile(fit, probs = 0.5, conf.int = TRUE)
  list(median = unname(q$quantile), lower = unname(q$lower), upper = unname(q$upper),
       surv = s$surv, std_err = s$std.err, surv_lower = s$lower, surv_upper = s$upper,
       n_risk = s$n.risk)
}
cox_block <- function(fit) {
  s <- summary(fit)
  naive <- if (is.null(fit$naive.var)) vcov(fit) else fit$naive.var
  list(coef = unname(coef(fit)), se = unname(sqrt(diag(naive))),
       robust_se = if (is.null(fit$naive.var)) NULL else unname(sqrt(diag(vcov(fit)))),
       loglik = unname(fit$loglik), score = unname(fit$score), iter = fit$iter,
       lower = unname(exp(coef(fit) - qnorm(0.975) * sqrt(diag(naive)))),
       upper = unname(exp(coef(fit) + qnorm(0.975) * sqrt(diag(naive)))))
}

out <- list()
out$n <- nrow(d)
out$events <- sum(d$event)
out$km <- list(
  unexposed = km_block(survfit(Surv(time / months, event) ~ 1, data = d[d$exposed == 0, ])),
  exposed = km_block(survfit(Surv(time / months, event) ~ 1, data = d[d$exposed == 1, ])),
  weighted = km_block(survfit(Surv(time / months, event) ~ 1, data = d, weights = w))
)
lr <- survdiff(Surv(time, event) ~ exposed, data = d)
lrs <- survdiff(Surv(time, event) ~ exposed + strata(ecog), data = d)
out$logrank <- list(chisq = unname(lr$chisq), observed = unname(lr$obs), expected = unname(lr$exp),
                    stratified_chisq = unname(lrs$chisq))
out$cox_naive <- cox_block(coxph(Surv(time, event) ~ exposed, data = d))
out$cox_naive_breslow <- cox_block(coxph(Surv(time, event) ~ exposed, data = d, ties = "breslow"))
out$cox_adjusted <- cox_block(coxph(Surv(time, event) ~ exposed + age + strata(ecog), data = d, weights = w))

landmark <- 91.3125
lm <- d[d$time > landmark, ]
lm$time <- lm$time - landmark
lm$exposed <- as.integer(!is.na(lm$rt_day) & lm$rt_day <= landmark)
out$cox_landmark <- cox_block(coxph(Surv(time, event) ~ exposed, data = lm))
out$landmark_n <- nrow(lm)

# exposure as a time-varying covariate: an exposure on the day of death moves half a day earlier
change <- ifelse(!is.na(d$rt_day) & d$rt_day == d$time & d$event == 1, d$time - 0.5, d$rt_day)
split <- !is.na(change) & change > 0 & change < d$time
from_start <- !is.na(change) & change <= 0
pre <- data.frame(start = 0, stop = ifelse(split, change, d$time),
                  event = ifelse(split, 0, d$event), exposed = as.integer(from_start))
post <- data.frame(start = change[split], stop = d$time[split], event = d$event[split], exposed = 1L)
cp <- rbind(pre, post)
out$cox_time_varying <- cox_block(coxph(Surv(start, stop, event) ~ exposed, data = cp))
out$cox_time_varying_rows <- nrow(cp)
out$R <- R.version.string
out$survival <- as.character(packageVersion("survival"))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), file.path(here, "rwd_reference.json"))
