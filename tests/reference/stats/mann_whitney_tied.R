# R wilcox.test(a, b) when every value of both samples is the same: W = n_a * n_b / 2 and, two-sided,
# p NaN (the normal approximation, chosen because of ties, divides 0 by a zero variance); one-sided,
# the continuity correction makes z infinite and p 1. For tests/stats/test_mann_whitney_tied.py.
#   Rscript tests/reference/stats/mann_whitney_tied.R > tests/reference/stats/mann_whitney_tied.json
suppressPackageStartupMessages(library(jsonlite))
case <- function(a, b, alternative = "two.sided") {
  r <- suppressWarnings(wilcox.test(a, b, alternative = alternative))
  list(a = a, b = b, alternative = alternative, statistic = unname(r$statistic),
       p_is_nan = is.nan(r$p.value),
       p = if (is.nan(r$p.value)) NULL else r$p.value, method = r$method)
}
cases <- list(
  small = case(c(3, 3, 3), c(3, 3)),
  large = case(rep(1.5, 60), rep(1.5, 55)),
  less = case(c(0, 0), c(0, 0, 0, 0), "less"),
  greater = case(c(7, 7, 7, 7), c(7, 7, 7), "greater")
)
cat(toJSON(list(R = R.version.string, cases = cases), auto_unbox = TRUE, digits = NA, pretty = TRUE))
