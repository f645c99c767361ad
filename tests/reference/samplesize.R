# Reference numbers for lms_prognosis.simulate.samplesize.riley_sample_size, made by R itself.
# Run from tests/reference/ (make_all.sh does):  Rscript samplesize.R  ->  samplesize.json
# Riley RD et al. Stat Med 2019;38:1276-1296 and BMJ 2020;368:m441: minimum sample size for a
# survival prediction model. Each case is computed here step by step from the published
# formulas (criterion 1: eq. 11; criterion 2: S = R2 / (R2 + 0.05 max R2); max R2 from the
# events per patient e = rate x meanfup, rounded up to 1/10000 as pmsampsize's n <- 10000;
# criterion 3: 95% CI of 1 - exp(-rate t) with SE(rate) = sqrt(rate / (n meanfup))).
# "pmsampsize" holds the published package's own answers for the same inputs, for comparison:
# the BMJ 2020 worked example as printed by pmsampsize 0.1.0 (Python, same code as R
# pmsampsize 1.1.3's pmsampsize_surv), and R pmsampsize's tests/testthat/test_surv.R.
suppressPackageStartupMessages({library(survival); library(jsonlite)})

riley <- function(P, rate, t, meanfup, r2 = NULL, S = 0.9, opt = 0.05, mmoe = 0.05) {
  e <- ceiling(rate * meanfup * 10000) / 10000
  max_r2 <- 1 - exp(2 * (e * log(e) - e))
  if (is.null(r2)) r2 <- 0.15 * max_r2
  n1 <- ceiling(P / ((S - 1) * log(1 - r2 / S)))
  s2 <- r2 / (r2 + opt * max_r2)
  n2 <- ceiling(P / ((s2 - 1) * log(1 - r2 / s2)))
  delta <- -log(exp(-rate * t) - mmoe) / t - rate
  n3 <- ceiling(rate / (meanfup * (delta / 1.96)^2))
  n12 <- max(n1, n2)
  se <- sqrt(rate / (n12 * meanfup))
  n <- max(n1, n2, n3)
  list(call = sprintf("riley(P = %s, rate = %s, t = %s, meanfup = %s, r2 = %s)", P, rate, t,
                      meanfup, format(r2, digits = 17)),
       parameters = P, rate = rate, timepoint = t, meanfup = meanfup, r2_cs = r2,
       max_r2_cs = max_r2, s2 = s2, n1 = n1, n2 = n2, n3 = n3, n = n,
       events = n * rate * meanfup, epp = n * rate * meanfup / P,
       risk = 1 - exp(-rate * t), risk_lower = 1 - exp(-(rate - 1.96 * se) * t),
       risk_upper = 1 - exp(-(rate + 1.96 * se) * t))
}

# The report's sample-size section on the shipped cohort: its multivariable Cox model (the
# seven report factors, Efron ties), rate per person-year, mean follow-up in years, 5 years.
shipped <- read.csv("../../lms_prognosis/data/synthetic_somatic_500.csv", stringsAsFactors = FALSE)
shipped$age_ge_60 <- shipped$age >= 60
shipped$size_gt_5cm <- shipped$size_cm > 5
shipped$necrosis_any <- shipped$necrosis != "none"
shipped$deep <- shipped$depth == "deep"
fit <- coxph(Surv(time, event == 1) ~ age_ge_60 + necrosis_any + vascular_invasion + aneuploidy +
               size_gt_5cm + deep + factor(grade), data = shipped, ties = "efron")
lr <- 2 * diff(fit$loglik)
years <- shipped$time / 12
report_case <- riley(length(coef(fit)), sum(shipped$event == 1) / sum(years), 5, mean(years),
                     1 - exp(-lr / fit$n))
report_case$cox_call <- paste(deparse(fit$call, width.cutoff = 500L), collapse = " ")
report_case$lr <- lr
report_case$n_patients <- fit$n
report_case$n_events <- fit$nevent
report_case$at_risk_60 <- sum(shipped$time >= 60)
report_case$at_risk_120 <- sum(shipped$time >= 120)
report_case$censored <- sum(shipped$event == 0)
# loss to follow-up without dates: censored before the longest follow-up minus 12 months
report_case$lost_rule <- sum(shipped$event == 0 & shipped$time < max(shipped$time) - 12)
# certain loss: censored before the design's shortest administrative follow-up (5 years)
report_case$lost_certain <- sum(shipped$event == 0 & shipped$time < 60)

out <- list(
  report_shipped = report_case,
  bmj2020 = riley(30, 0.065, 2, 2.07, 0.051),
  # a case like the report's: 9 parameters, 5% a year, 5-year horizon, mean follow-up 5.5
  # years, no prior R2 (15% of max)
  hand_default_r2 = riley(9, 0.05, 5, 5.5),
  # criterion 2 decides (pmsampsize test 3.9 inputs)
  criterion2 = riley(80, 0.03, 1, 5, 0.3),
  # a rare event and a narrow margin: criterion 3 decides
  criterion3 = riley(2, 0.01, 10, 1, 0.05, mmoe = 0.01),
  pmsampsize = list(
    bmj2020 = list(call = 'pmsampsize(type="s", csrsquared=0.051, parameters=30, rate=0.065, timepoint=2, meanfup=2.07)',
                   n = c(5143, 1039, 5143, 5143), shrinkage = c(0.9, 0.648, 0.9, 0.9),
                   max_r2 = 0.5547264935529718, events = 691.99065, epp = 23.07,
                   risk = 0.122, risk_lower = 0.113, risk_upper = 0.13,
                   person_time = 10646.0),
    test_3_1 = list(call = 'pmsampsize(type="s",rsquared=0.051,parameters=25,rate=0.065,timepoint=2,meanfup=2.07)',
                    n1 = 4286, epp1 = 23.07),
    test_3_7 = list(call = 'pmsampsize(type="s",rsquared=0.06,parameters=40,rate=0.08,timepoint=3,meanfup=5)',
                    n1 = 5798, epp1 = 57.98),
    test_3_8 = list(call = 'pmsampsize(type="s",rsquared=0.03,parameters=10,rate=0.09,timepoint=3,meanfup=3)',
                    n1 = 2950, epp1 = 79.65),
    test_3_9_python = list(call = 'pmsampsize(type="s", csrsquared=0.3, parameters=80, rate=0.03, timepoint=1, meanfup=5) (Python 0.1.0)',
                           n = c(1974, 2272, 2272, 2272))
  )
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "samplesize.json")
