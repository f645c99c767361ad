# Reference spread of rms::validate (Harrell's bootstrap optimism correction) on lung.
# Run from tests/reference/:  Rscript validate_rms.R   -> validate_rms.json
# One record per seed: the R call and the Dxy and Slope rows of validate.cph (index.orig,
# training, test, optimism, index.corrected, n). Dxy is Somers' Dxy of the linear predictor
# (positive: higher lp = shorter survival, as our C).
suppressPackageStartupMessages({library(rms); library(jsonlite)})
lung <- read.csv("data/lung.csv")
lung <- lung[complete.cases(lung[, c("time", "event", "age", "sex", "ph.ecog")]), ]
fit_call <- "cph(Surv(time, event) ~ age + sex + ph.ecog, data = lung, x = TRUE, y = TRUE, surv = TRUE)"
fit <- eval(parse(text = fit_call))
seeds <- 1:10
runs <- lapply(seeds, function(s) {
  call <- sprintf("set.seed(%d); rms::validate(fit, B = 200, dxy = TRUE)", s)
  set.seed(s)
  v <- rms::validate(fit, B = 200, dxy = TRUE)
  row <- function(name) as.list(setNames(as.numeric(v[name, ]), colnames(v)))
  list(seed = s, call = call, Dxy = row("Dxy"), Slope = row("Slope"))
})
# Smoothed calibration (Austin, Harrell & van Klaveren 2020) of a Cox model's 1-year survival:
# the same model as above, predictions from survfit.coxph; the smoother is a Cox model of the
# outcome on rcs(cll, 3) with cll = log(-log(predicted survival)).
cal_calls <- c(
  "fit0 <- coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung)",
  "pred <- as.numeric(summary(survfit(fit0, newdata = lung), times = 365)$surv)",
  "lung$cll <- log(-log(pred))",
  "calfit <- coxph(Surv(time, event) ~ rcs(cll, 3), data = lung)",
  "obs <- 1 - as.numeric(summary(survfit(calfit, newdata = lung), times = 365)$surv)",
  "d <- abs(obs - (1 - pred)); c(ICI = mean(d), E50 = median(d), E90 = quantile(d, 0.9))",
  "slope <- coef(coxph(Surv(time, event) ~ predict(fit0, type = 'lp'), data = lung))"
)
for (cl in cal_calls) eval(parse(text = cl))
calibration <- list(
  calls = cal_calls, time_point = 365,
  time = lung$time, event = lung$event, predicted_survival = pred,
  knots = as.numeric(attr(rcs(lung$cll, 3), "parms")),
  observed_risk = obs, ici = mean(d), e50 = median(d), e90 = unname(quantile(d, 0.9)),
  slope = unname(slope)
)

out <- list(
  generated_by = "tests/reference/validate_rms.R",
  r_version = R.version.string,
  rms_version = as.character(packageVersion("rms")),
  data = "data/lung.csv, complete cases on time, event, age, sex, ph.ecog",
  n = nrow(lung), events = sum(lung$event),
  fit_call = fit_call,
  note = "rms validate.cph Dxy is Somers Dxy of the linear predictor (Hmisc rcorr.cens), positive when higher lp means shorter survival: C = (1 + Dxy) / 2.",
  runs = runs,
  calibration = calibration
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "validate_rms.json")
cat("validate_rms.json written\n")
