# Gray's K-sample test for cumulative incidence (cmprsk 2.2-11 cuminc()$Tests).
# Rscript gray_reference.R > gray_reference.json
suppressPackageStartupMessages({library(survival); library(cmprsk); library(jsonlite)})
tests <- function(ci) list(stat = unname(ci$Tests[, "stat"]), p = unname(ci$Tests[, "pv"]),
                           df = unname(ci$Tests[, "df"]), causes = rownames(ci$Tests))
# mgus2: progression (1) vs death without progression (2), by sex
etime <- with(mgus2, ifelse(pstat == 0, futime, ptime))
event <- with(mgus2, ifelse(pstat == 0, 2 * death, 1))
# synthetic: three groups, two strata, heavy ties, a group running out of subjects early
set.seed(11)
n <- 300
g3 <- sample(c("a", "b", "c"), n, replace = TRUE)
st <- sample(1:2, n, replace = TRUE)
t3 <- round(rexp(n, ifelse(g3 == "a", 0.1, ifelse(g3 == "b", 0.15, 0.2))) * 4) / 4 + 0.25
c3 <- sample(0:2, n, replace = TRUE, prob = c(0.3, 0.45, 0.25))
out <- list(
  mgus2 = list(time = etime, cause = event, group = as.character(mgus2$sex),
               rho0 = tests(cuminc(etime, event, mgus2$sex)),
               rho1 = tests(cuminc(etime, event, mgus2$sex, rho = 1))),
  synthetic = list(time = t3, cause = c3, group = g3, strata = st,
                   plain = tests(cuminc(t3, c3, g3)),
                   strata_test = tests(cuminc(t3, c3, g3, strata = st)),
                   rho_half = tests(cuminc(t3, c3, g3, rho = 0.5)))
)
cat(toJSON(out, digits = NA, auto_unbox = FALSE))
