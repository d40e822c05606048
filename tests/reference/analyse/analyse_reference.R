# Study-level conclusions computed independently in R (survival 3.5-3, rpact 3.3.4) on the
# reference studies committed under studies/ (simulated once) and the derived analysis data sets
# under derived/ (written by export_derived.py). The test tests/analyse/test_reference_vs_r.py
# compares rtio's Results with analyse_reference.json to 1e-6.
#
# Regenerate from the repository root:
#   python tests/reference/analyse/export_derived.py
#   Rscript tests/reference/analyse/analyse_reference.R
suppressPackageStartupMessages({
  library(survival)
  library(rpact)
  library(jsonlite)
})

here <- "tests/reference/analyse"
read <- function(...) read.csv(file.path(...), stringsAsFactors = FALSE, na.strings = c("", "NA"))
out <- list(
  versions = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                  rpact = as.character(packageVersion("rpact")))
)

hr_of <- function(fit, term, level = 0.95) {
  s <- summary(fit, conf.int = level)
  i <- which(rownames(s$coefficients) == term)
  list(value = unname(s$conf.int[i, "exp(coef)"]), lower = unname(s$conf.int[i, "lower .95"]),
       upper = unname(s$conf.int[i, "upper .95"]), coef = unname(s$coefficients[i, "coef"]),
       se = unname(s$coefficients[i, if ("robust se" %in% colnames(s$coefficients)) "robust se" else "se(coef)"]),
       p = unname(s$coefficients[i, ncol(s$coefficients)]))
}
# summary.coxph names the CI columns "lower .95" whatever conf.int is: read them by position
hr_at <- function(fit, term, level) {
  s <- summary(fit, conf.int = level)
  i <- which(rownames(s$coefficients) == term)
  list(value = unname(s$conf.int[i, 1]), lower = unname(s$conf.int[i, 3]), upper = unname(s$conf.int[i, 4]),
       coef = unname(s$coefficients[i, "coef"]), se = unname(s$coefficients[i, "se(coef)"]))
}
logrank_of <- function(formula, data) {
  d <- survdiff(formula, data = data)
  list(chisq = d$chisq, p = pchisq(d$chisq, length(d$n) - 1, lower.tail = FALSE))
}

# ---- NCT07235319: 300 patients, immediate RT the declared reference --------------------------
npc <- file.path(here, "studies", "npc300")
subjects <- read(npc, "subjects.csv")
adtte <- read(here, "derived", "npc300", "adtte.csv")
bor <- read(here, "derived", "npc300", "bor.csv")
immediate <- "Immediate locoregional radiotherapy"
salvage <- "Salvage locoregional radiotherapy"
adtte <- merge(adtte, subjects[, c("subject_id", "arm", "stratum", "sex")], by = "subject_id")
adtte$event <- 1 - adtte$cnsr
adtte$salvage <- as.integer(adtte$arm == salvage)  # the reference (immediate) is 0
rt <- read(npc, "radiotherapy.csv")
exposures <- read(npc, "exposures.csv")
received <- ifelse(subjects$arm == immediate, subjects$subject_id %in% rt$subject_id,
                   subjects$subject_id %in% exposures$subject_id)
per_protocol <- subjects$subject_id[received]

npc_out <- list(n = nrow(subjects), per_protocol_n = length(per_protocol))
for (endpoint in c("PFS", "OS")) {
  d <- adtte[adtte$paramcd == endpoint, ]
  fit <- coxph(Surv(aval_months, event) ~ salvage, data = d, ties = "efron")
  strat <- coxph(Surv(aval_months, event) ~ salvage + strata(stratum), data = d, ties = "efron")
  zph <- cox.zph(fit)
  npc_out[[endpoint]] <- list(
    hr = hr_of(fit, "salvage"),
    stratified_hr = hr_of(strat, "salvage"),
    logrank = logrank_of(Surv(aval_months, event) ~ salvage, d),
    stratified_logrank = logrank_of(Surv(aval_months, event) ~ salvage + strata(stratum), d),
    ph_p = unname(zph$table["GLOBAL", "p"]),
    sex = lapply(c(F = "F", M = "M"), function(s) hr_of(coxph(Surv(aval_months, event) ~ salvage,
                                                          data = d[d$sex == s, ]), "salvage"))
  )
}
# non-inferiority of salvage vs immediate, stratified, at the protocol's level 1 - 2 alpha
pfs <- adtte[adtte$paramcd == "PFS", ]
ni <- list()
for (alpha in c(0.025, 0.05)) {
  level <- 1 - 2 * alpha
  rows <- list()
  for (population in c("ITT", "per_protocol")) {
    d <- if (population == "ITT") pfs else pfs[pfs$subject_id %in% per_protocol, ]
    fit <- coxph(Surv(aval_months, event) ~ salvage + strata(stratum), data = d, ties = "efron")
    h <- hr_at(fit, "salvage", level)
    z <- (h$coef - log(1.3)) / h$se
    rows[[population]] <- list(value = h$value, lower = h$lower, upper = h$upper, z = z, p = pnorm(z),
                               n = nrow(d), events = sum(d$event),
                               verdict = if (h$upper < 1.3) "non-inferior" else "non-inferiority not shown")
  }
  itt <- coxph(Surv(aval_months, event) ~ salvage + strata(stratum), data = pfs, ties = "efron")
  s <- hr_at(itt, "salvage", level)
  rows$superiority_p <- pnorm(s$coef / s$se)
  ni[[as.character(alpha)]] <- rows
}
npc_out$non_inferiority <- ni
# ORR (BOR, unconfirmed) of salvage vs immediate
b <- merge(subjects[, c("subject_id", "arm")], bor, by = "subject_id", all.x = TRUE)
b$responder <- b$bor %in% c("CR", "PR")
k <- c(sum(b$responder[b$arm == salvage]), sum(b$responder[b$arm == immediate]))
n <- c(sum(b$arm == salvage), sum(b$arm == immediate))
table <- matrix(c(k[1], n[1] - k[1], k[2], n[2] - k[2]), 2, byrow = TRUE)
f <- fisher.test(table)
# fisher.test's conditional MLE and exact CI by its own definitions (noncentral hypergeometric),
# solved to 1e-12: fisher.test stops its uniroot at .Machine$double.eps^0.25 (about 1e-4)
conditional <- function(x, level = 0.95) {
  m <- sum(x[, 1]); nn <- sum(x[, 2]); kk <- sum(x[1, ]); x11 <- x[1, 1]
  support <- max(0, kk - nn):min(kk, m)
  logdc <- dhyper(support, m, nn, kk, log = TRUE)
  dn <- function(ncp) { d <- logdc + log(ncp) * support; d <- exp(d - max(d)); d / sum(d) }
  lo <- min(support); hi <- max(support)
  mn <- function(ncp) if (ncp == 0) lo else if (is.infinite(ncp)) hi else sum(support * dn(ncp))
  pn <- function(q, ncp, upper = FALSE) {
    if (ncp == 0) return(as.numeric(if (upper) q <= lo else q >= lo))
    if (is.infinite(ncp)) return(as.numeric(if (upper) q <= hi else q >= hi))
    sum(dn(ncp)[if (upper) support >= q else support <= q])
  }
  solve <- function(f, target, below) {  # f increasing in the odds ratio
    if (below) uniroot(function(t) f(t) - target, c(0, 1), tol = 1e-13)$root
    else 1 / uniroot(function(t) f(1 / t) - target, c(.Machine$double.eps, 1), tol = 1e-13)$root
  }
  alpha <- (1 - level) / 2
  list(estimate = solve(mn, x11, mn(1) > x11),
       lower = solve(function(t) pn(x11, t, TRUE), alpha, pn(x11, 1, TRUE) > alpha),
       upper = solve(function(t) -pn(x11, t), -alpha, pn(x11, 1) < alpha))
}
exact <- conditional(table)
p <- prop.test(k, n, correct = FALSE)
npc_out$orr <- list(k = k, n = n, odds_ratio = exact$estimate, or_lower = exact$lower,
                    or_upper = exact$upper, fisher_estimate = unname(f$estimate), fisher_p = f$p.value,
                    difference = unname(p$estimate[1] - p$estimate[2]), diff_lower = p$conf.int[1],
                    diff_upper = p$conf.int[2], chisq_p = p$p.value)
# interim look 2 of 3 (O'Brien-Fleming-type spending, one-sided 0.025) at 300 planned PFS events
events <- sum(pfs$event)
fraction <- events / 300
design <- getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asOF",
                                   informationRates = c(1 / 3, fraction, 1))
bound <- design$criticalValues[2]
fit <- coxph(Surv(aval_months, event) ~ salvage + strata(stratum), data = pfs, ties = "efron")
h <- hr_of(fit, "salvage")
z <- (h$coef - log(1.3)) / h$se
npc_out$interim <- list(events = events, fraction = fraction, boundary = -bound, z = z,
                        crossed = z <= -bound, alpha_spent = design$alphaSpent[2],
                        rci_lower = exp(h$coef - bound * h$se), rci_upper = exp(h$coef + bound * h$se))
out$npc300 <- npc_out

# ---- seed-001 cohort (300 patients) with covariates age, sex, ECOG ---------------------------
coh <- file.path(here, "studies", "cohort300")
s <- read(coh, "subjects.csv")
rt <- read(coh, "radiotherapy.csv")
cutoff <- as.Date("2023-12-31")
start <- as.Date(s$start_date)
death <- as.Date(s$death_date)
alive <- as.Date(s$last_known_alive_date)
end <- ifelse(is.na(death), alive, death)
event <- as.integer(!is.na(death))
late <- end > as.numeric(cutoff)
end[late] <- as.numeric(cutoff)
event[late] <- 0L
time <- end - as.numeric(start)
time[time == 0] <- 0.5
first_rt <- tapply(as.numeric(as.Date(rt$start_date)), rt$subject_id, min)
day <- unname(first_rt[s$subject_id]) - as.numeric(start)
s$time <- time
s$event <- event
s$day <- day
# counting process: exposed from the first RT fraction (a change on the day of death moves 0.5 days earlier)
shifted <- ifelse(!is.na(day) & day == time & event == 1, time - 0.5, day)
cp <- do.call(rbind, lapply(seq_len(nrow(s)), function(i) {
  d <- shifted[i]
  base <- s[i, c("subject_id", "age", "sex", "ecog")]
  if (is.na(d) || d >= s$time[i]) return(cbind(base, start = 0, stop = s$time[i], event = s$event[i], exposed = 0))
  if (d <= 0) return(cbind(base, start = 0, stop = s$time[i], event = s$event[i], exposed = 1))
  rbind(cbind(base, start = 0, stop = d, event = 0, exposed = 0),
        cbind(base, start = d, stop = s$time[i], event = s$event[i], exposed = 1))
}))
mv <- coxph(Surv(start, stop, event) ~ exposed + age + sex + ecog, data = cp, ties = "efron")
terms <- lapply(c("exposed", "age", "sexM", "ecog"), function(t) hr_of(mv, t))
names(terms) <- c("exposed", "age", "sexM", "ecog")
# propensity scores at the 3-month landmark
landmark <- 91.3125
l <- s[s$time > landmark, ]
l$exposed <- as.integer(!is.na(l$day) & l$day <= landmark)
l$time <- l$time - landmark
model <- glm(exposed ~ age + sex + ecog, family = binomial, data = l)
ps <- unname(fitted(model))
share <- mean(l$exposed)
l$w <- ifelse(l$exposed == 1, share / ps, (1 - share) / (1 - ps))
weighted <- coxph(Surv(time, event) ~ exposed, data = l, weights = w, robust = TRUE, ties = "efron")
logit <- log(ps / (1 - ps))
caliper <- 0.2 * sd(logit)
controls <- which(l$exposed == 0)
available <- rep(TRUE, length(controls))
pair_of <- rep(NA_integer_, nrow(l))
for (i in which(l$exposed == 1)[order(-logit[l$exposed == 1])]) {
  distance <- ifelse(available, abs(logit[controls] - logit[i]), Inf)
  best <- which(distance <= min(distance) + 1e-10)[1]  # ties (within 1e-10): data order
  if (distance[best] <= caliper) {
    pair_of[i] <- controls[best]
    available[best] <- FALSE
  }
}
treated <- which(!is.na(pair_of))
matched <- rbind(cbind(l[treated, ], pair = seq_along(treated)),
                 cbind(l[pair_of[treated], ], pair = seq_along(treated)))
paired <- coxph(Surv(time, event) ~ exposed + cluster(pair), data = matched, ties = "efron")
smd <- function(x, treated, w) {
  m1 <- weighted.mean(x[treated], w[treated]); m0 <- weighted.mean(x[!treated], w[!treated])
  v1 <- weighted.mean((x[treated] - m1)^2, w[treated]); v0 <- weighted.mean((x[!treated] - m0)^2, w[!treated])
  (m1 - m0) / sqrt((v1 + v0) / 2)
}
x <- list(age = l$age, ecog = l$ecog, sex_M = as.numeric(l$sex == "M"))
balance <- lapply(x, function(v) list(before = smd(v, l$exposed == 1, rep(1, nrow(l))),
                                      after = smd(v, l$exposed == 1, l$w)))
ever <- !is.na(s$day)
table1 <- list(age = smd(s$age, ever, rep(1, nrow(s))), male = smd(as.numeric(s$sex == "M"), ever, rep(1, nrow(s))))
out$cohort300 <- list(
  multivariable = list(n_events = sum(cp$event), terms = terms),
  propensity = list(n = nrow(l), n_exposed = sum(l$exposed), weighted = hr_of(weighted, "exposed"),
                    pairs = length(treated), matched = hr_of(paired, "exposed"), balance = balance),
  table1_smd = table1
)

# ---- seed 004 (the demo study, 33 patients) ---------------------------------------------------
demo <- "tests/analyse/data/demo_study"
adtte <- read(here, "derived", "seed004", "adtte.csv")
adtte$event <- 1 - adtte$cnsr
bor <- read(here, "derived", "seed004", "bor.csv")
markers <- read(demo, "biomarkers.csv")
pfs <- adtte[adtte$paramcd == "PFS", ]
fit <- survfit(Surv(aval_months, event) ~ 1, data = pfs)
median_pfs <- quantile(fit, 0.5)
expected <- sum(pfs$aval_months * log(2) / 6.3)
observed <- sum(pfs$event)
zeta <- (expected - observed) / sqrt(expected)
seed <- list(median_pfs = list(value = unname(median_pfs$quantile[1]), lower = unname(median_pfs$lower[1]),
                              upper = unname(median_pfs$upper[1])),
             one_sample = list(observed = observed, expected = expected, z = zeta, p = pnorm(zeta, lower.tail = FALSE)),
             verdict = if (median_pfs$quantile[1] >= 12) "met" else "not met")
split <- function(d, v) {
  cut <- unname(quantile(v$value, 0.3, type = 7))
  v$high <- as.integer(v$value >= cut)
  d <- merge(d, v[, c("subject_id", "high")], by = "subject_id")
  fit <- coxph(Surv(aval_months, event) ~ high, data = d, ties = "efron")
  c(list(cutoff = cut), hr_of(fit, "high"), logrank = logrank_of(Surv(aval_months, event) ~ high, d)$p)
}
survival_by_marker <- list()
for (timepoint in c("baseline", "on_treatment")) {
  for (endpoint in c("PFS", "OS")) {
    d <- adtte[adtte$paramcd == endpoint, ]
    if (timepoint == "on_treatment") {  # landmark at the planned sampling day (6 weeks)
      d <- d[d$aval_days > 42, ]
      d$aval_months <- d$aval_months - 42 / 30.4375
    }
    for (name in sort(unique(markers$name[markers$timepoint == timepoint]))) {
      v <- markers[markers$timepoint == timepoint & markers$name == name & markers$subject_id %in% d$subject_id, ]
      if (nrow(v) < 4) next
      survival_by_marker[[paste(endpoint, name, timepoint)]] <- split(d, v)
    }
  }
}
paired <- list()
for (name in sort(unique(markers$name[markers$timepoint == "on_treatment"]))) {
  base <- markers[markers$name == name & markers$timepoint == "baseline", c("subject_id", "value")]
  on <- markers[markers$name == name & markers$timepoint == "on_treatment", c("subject_id", "value")]
  both <- merge(on, base, by = "subject_id", suffixes = c("_on", "_base"))
  if (nrow(both) < 2) next
  w <- suppressWarnings(wilcox.test(both$value_on, both$value_base, paired = TRUE))
  paired[[name]] <- list(n = nrow(both), v = unname(w$statistic), p = w$p.value)
}
responses <- merge(markers, bor, by = "subject_id")
mann_whitney <- list()
for (key in unique(paste(responses$name, responses$timepoint))) {
  part <- responses[paste(responses$name, responses$timepoint) == key, ]
  a <- part$value[part$bor %in% c("CR", "PR")]
  b <- part$value[part$bor == "SD"]
  if (length(a) < 2 || length(b) < 2) next
  w <- suppressWarnings(wilcox.test(a, b))
  mann_whitney[[key]] <- list(w = unname(w$statistic), p = w$p.value)
}
seed$survival_by_marker <- survival_by_marker
seed$paired <- paired
seed$mann_whitney <- mann_whitney
out$seed004 <- seed

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), file.path(here, "analyse_reference.json"))
