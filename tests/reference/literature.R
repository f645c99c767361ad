# Reference numbers for lms_prognosis.literature (PublishedModel.recalibrate), made by R itself.
# Run from tests/reference/ (make_all.sh does):  Rscript literature.R  ->  literature.json
#
# A published model keeps its linear predictor (LP) and has its baseline refitted on a local
# cohort: the baseline cumulative hazard of a Cox model with the LP as offset,
#   survfit(coxph(Surv(time, event == 1) ~ offset(lp), ties = ...), newdata = data.frame(lp = 0))
# (the reference patient, LP = 0), and the calibration slope, the coefficient of the LP in
#   coxph(Surv(time, event == 1) ~ lp)          (Efron ties, R's default).
# The LP is written out here from the published hazard ratios (lms_prognosis/literature/data.py,
# domain brief section 6.2; Gustafson 1992), so R computes it from the raw columns itself.
# Data: the shipped synthetic cohort; a copy with times rounded to whole months (ties, so
# Breslow and Efron differ); and a copy with age missing in every 10th row (na.omit: those
# rows are left out, as lms_prognosis reports them in .dropped).
suppressPackageStartupMessages({library(survival); library(jsonlite)})

shipped <- read.csv("../../lms_prognosis/data/synthetic_somatic_500.csv", stringsAsFactors = FALSE)
tied <- shipped
tied$time <- round(tied$time)
tied$time[tied$time == 0] <- 0.5   # a whole-month grid, no zero follow-up
missing_age <- shipped
missing_age$age[seq(10, nrow(shipped), by = 10)] <- NA

lp_lms_default <- function(d) {
  # lms_default design values: domain 6.2's hazard ratios shrunk as round(hr^0.85, 2)
  # (lms_prognosis.literature._data_factors.shrunk); uterine site 1.75
  log(1.65) * (d$age >= 60) + log(1.8) * (d$vascular_invasion == "True") +
    log(1.65) * (d$aneuploidy == "True") + log(1.41) * (d$necrosis != "none") +
    log(1.8) * (d$size_cm > 5) + log(1.49) * (d$depth == "deep") +
    log(1.65) * (d$grade == 2) + log(2.54) * (d$grade == 3) +
    log(1.3) * (d$margin %in% c("R1", "R2")) + log(0.9) * (d$site == "trunk") +
    log(1.6) * (d$site == "retroperitoneum") + log(1.75) * (d$site == "uterus")
}
lp_gustafson <- function(d) {
  log(8) * (d$age >= 60) + log(4) * (d$vascular_invasion == "True") +
    log(4) * (d$aneuploidy == "True") + log(3) * (d$necrosis != "none")
}

out <- list()
rec <- function(name, data_name, model, d, ties) {
  d$lp <- if (model == "lms_default") lp_lms_default(d) else lp_gustafson(d)
  d <- d[!is.na(d$lp), ]
  base_call <- sprintf(paste0("survfit(coxph(Surv(time, event == 1) ~ offset(lp), data = %s, ",
                              "ties = \"%s\"), newdata = data.frame(lp = 0))"), data_name, ties)
  fit0 <- coxph(Surv(time, event == 1) ~ offset(lp), data = d, ties = ties)
  sf <- survfit(fit0, newdata = data.frame(lp = 0))
  slope_call <- sprintf("coxph(Surv(time, event == 1) ~ lp, data = %s)", data_name)
  fit1 <- coxph(Surv(time, event == 1) ~ lp, data = d)
  out[[name]] <<- list(
    data = data_name, model = model, ties = ties, n = nrow(d), n_events = sum(d$event == 1),
    baseline_call = base_call, time = sf$time, cumhaz = sf$cumhaz,
    slope_call = slope_call, slope = unname(coef(fit1)), slope_se = unname(sqrt(vcov(fit1)[1, 1])),
    lp_first = head(d$lp, 5))
}

for (ties in c("breslow", "efron")) {
  rec(paste0("shipped_lms_default_", ties), "shipped", "lms_default", shipped, ties)
  rec(paste0("tied_lms_default_", ties), "tied", "lms_default", tied, ties)
  rec(paste0("tied_gustafson1992_", ties), "tied", "gustafson1992", tied, ties)
  rec(paste0("missing_age_lms_default_", ties), "missing_age", "lms_default", missing_age, ties)
}
out$meta <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
                 data = list(shipped = "lms_prognosis/data/synthetic_somatic_500.csv",
                             tied = "shipped with time = round(time), 0 -> 0.5",
                             missing_age = "shipped with age NA in rows 10, 20, ..., 500 (1-based)"))
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE, na = "null"),
           "literature.json")
