# rpact reference grid for rtio.design.two_arm_survival (Rscript rpact_grid.R > rpact_grid.json).
# Each setting: one-sided alpha, power, control median (months), hazard ratio under H1, thetaH0 (1 for
# superiority, the NI margin otherwise), allocation ratio (experimental : control), uniform accrual
# over A months, follow-up F months after the last patient, exponential dropout p by 12 months in
# both arms, K looks at equally spaced information, Lan-DeMets spending (asOF / asP).
suppressPackageStartupMessages({library(rpact); library(jsonlite)})
grid <- list(
  list(alpha = 0.025, power = 0.8, m2 = 12, hr = 0.7, th0 = 1, r = 1, A = 24, F = 12, p = 0, K = 1, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 12, hr = 0.7, th0 = 1, r = 1, A = 24, F = 12, p = 0.05, K = 1, sp = "asOF"),
  list(alpha = 0.025, power = 0.9, m2 = 8, hr = 0.667, th0 = 1, r = 1, A = 24, F = 12, p = 0.1, K = 1, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 12, hr = 0.7, th0 = 1, r = 2, A = 24, F = 12, p = 0, K = 1, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 12, hr = 0.7, th0 = 1, r = 0.5, A = 24, F = 12, p = 0.05, K = 1, sp = "asOF"),
  list(alpha = 0.05, power = 0.8, m2 = 24, hr = 0.6, th0 = 1, r = 1, A = 36, F = 24, p = 0.1, K = 1, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 12, hr = 0.7, th0 = 1, r = 1, A = 24, F = 12, p = 0, K = 2, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 12, hr = 0.7, th0 = 1, r = 1, A = 24, F = 12, p = 0, K = 3, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 12, hr = 0.7, th0 = 1, r = 1, A = 24, F = 12, p = 0, K = 4, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 12, hr = 0.7, th0 = 1, r = 1, A = 24, F = 12, p = 0, K = 3, sp = "asP"),
  list(alpha = 0.025, power = 0.9, m2 = 10, hr = 0.75, th0 = 1, r = 2, A = 30, F = 18, p = 0.05, K = 2, sp = "asP"),
  list(alpha = 0.025, power = 0.9, m2 = 10, hr = 0.75, th0 = 1, r = 1, A = 30, F = 18, p = 0.05, K = 4, sp = "asP"),
  list(alpha = 0.025, power = 0.8, m2 = 12, hr = 1, th0 = 1.5, r = 1, A = 36, F = 24, p = 0.05, K = 1, sp = "asOF"),
  list(alpha = 0.05, power = 0.8, m2 = 27.6, hr = 1, th0 = 1.5, r = 1, A = 36, F = 24, p = 0.05, K = 1, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 27.6, hr = 1, th0 = 1.4, r = 1, A = 36, F = 24, p = 0.05, K = 1, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 38.6, hr = 1, th0 = 1.5, r = 1, A = 36, F = 24, p = 0.05, K = 2, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 20, hr = 0.9, th0 = 1.3, r = 1, A = 36, F = 24, p = 0.1, K = 1, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 20, hr = 0.9, th0 = 1.3, r = 2, A = 36, F = 24, p = 0.1, K = 3, sp = "asOF"),
  list(alpha = 0.025, power = 0.9, m2 = 15, hr = 1, th0 = 1.25, r = 1, A = 24, F = 24, p = 0, K = 3, sp = "asP"),
  list(alpha = 0.05, power = 0.8, m2 = 6.3, hr = 0.5, th0 = 1, r = 1, A = 12, F = 12, p = 0.2, K = 1, sp = "asOF"),
  list(alpha = 0.025, power = 0.8, m2 = 9, hr = 0.65, th0 = 1, r = 1.5, A = 18, F = 12, p = 0.05, K = 2, sp = "asOF"),
  list(alpha = 0.025, power = 0.85, m2 = 14, hr = 0.72, th0 = 1, r = 1, A = 24, F = 18, p = 0.08, K = 3, sp = "asOF")
)
out <- lapply(grid, function(g) {
  design <- if (g$K == 1) {
    getDesignGroupSequential(kMax = 1, alpha = g$alpha, beta = 1 - g$power, sided = 1)
  } else {
    getDesignGroupSequential(kMax = g$K, alpha = g$alpha, beta = 1 - g$power, sided = 1, typeOfDesign = g$sp)
  }
  ss <- getSampleSizeSurvival(design, thetaH0 = g$th0, hazardRatio = g$hr, median2 = g$m2,
                              accrualTime = c(0, g$A), followUpTime = g$F,
                              dropoutRate1 = g$p, dropoutRate2 = g$p, dropoutTime = 12,
                              allocationRatioPlanned = g$r)
  c(g, list(events = ss$maxNumberOfEvents, patients = ss$maxNumberOfSubjects,
            events_per_stage = as.numeric(ss$eventsPerStage), critical_z = as.numeric(design$criticalValues),
            critical_hr = as.numeric(ss$criticalValuesEffectScale), analysis_time = as.numeric(ss$analysisTime)))
})
cat(toJSON(list(rpact_version = as.character(packageVersion("rpact")), grid = out), digits = NA, auto_unbox = TRUE))
