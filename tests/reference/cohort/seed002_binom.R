# Exact (Clopper-Pearson) 95% CIs for the proportions reported in seed 002 (23 patients):
# Rscript seed002_binom.R > seed002_binom.json
suppressPackageStartupMessages(library(jsonlite))
counts <- c(r0 = 23, pcr = 5, mpr = 10, orr = 12, dcr = 23, clinical_downstaging = 14,
            pathological_downstaging = 16, surgical_complication_g3_4 = 2,
            rt_myelosuppression_g3_4 = 3, rt_gastrointestinal_g3_4 = 2)
out <- lapply(counts, function(k) {
  ci <- binom.test(k, 23)$conf.int
  list(k = k, n = 23, rate = k / 23, lower = ci[1], upper = ci[2])
})
cat(toJSON(out, digits = NA, auto_unbox = TRUE))
