# Exact (Clopper-Pearson) CIs for the seed 004 response rates, as printed by R's binom.test.
library(jsonlite)
cases <- list(c(15, 33), c(19, 33), c(15, 26), c(19, 26), c(0, 10), c(10, 10))
out <- lapply(cases, function(x) {
  ci <- binom.test(x[1], x[2])$conf.int
  list(k = x[1], n = x[2], lower = ci[1], upper = ci[2])
})
writeLines(toJSON(out, auto_unbox = TRUE, digits = 15), "response_rates.json")
