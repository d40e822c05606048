# Proportional-hazards tests (survival's cox.zph, survival 3.5-3): tables, transformed times and
# scaled Schoenfeld residuals. Rscript zph_reference.R > zph_reference.json
suppressPackageStartupMessages({library(survival); library(jsonlite)})
zph_out <- function(z) list(chisq = unname(z$table[, "chisq"]), df = unname(z$table[, "df"]),
                            p = unname(z$table[, "p"]), names = rownames(z$table),
                            x = unname(z$x), time = unname(z$time), y = unname(z$y))
lung2 <- na.omit(lung[, c("time", "status", "age", "sex", "ph.ecog", "wt.loss")])
lung2$event <- lung2$status - 1
lung2$w <- rep(c(1, 2, 3), length.out = nrow(lung2))
f1 <- coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung2)
f1b <- coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung2, ties = "breslow")
f2 <- coxph(Surv(time, event) ~ age + ph.ecog + strata(sex), data = lung2)
f3 <- coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung2, weights = w)
vet <- veteran
f4 <- coxph(Surv(time, status) ~ trt + celltype + karno, data = vet)
f4b <- coxph(Surv(time, status) ~ trt + celltype + karno, data = vet, ties = "breslow")
hrt <- heart
f5 <- coxph(Surv(start, stop, event) ~ age + transplant, data = hrt)
out <- list(
  lung = list(time = lung2$time, event = lung2$event, age = lung2$age, sex = lung2$sex,
              ph_ecog = lung2$ph.ecog, w = lung2$w),
  veteran = list(time = vet$time, event = vet$status, trt = vet$trt, karno = vet$karno,
                 celltype = as.character(vet$celltype), levels = levels(vet$celltype)),
  heart = list(start = hrt$start, stop = hrt$stop, event = hrt$event, age = hrt$age,
               transplant = as.integer(as.character(hrt$transplant))),
  lung_km = zph_out(cox.zph(f1)),
  lung_rank = zph_out(cox.zph(f1, transform = "rank")),
  lung_identity = zph_out(cox.zph(f1, transform = "identity")),
  lung_log = zph_out(cox.zph(f1, transform = "log")),
  lung_breslow = zph_out(cox.zph(f1b)),
  lung_strata = c(zph_out(cox.zph(f2)), list(strata = as.character(cox.zph(f2)$strata))),
  lung_weights = zph_out(cox.zph(f3)),
  veteran_terms = zph_out(cox.zph(f4)),
  veteran_columns = zph_out(cox.zph(f4, terms = FALSE)),
  veteran_breslow = zph_out(cox.zph(f4b, terms = FALSE)),
  heart_zph = zph_out(cox.zph(f5))
)
cat(toJSON(out, digits = NA, auto_unbox = FALSE))
