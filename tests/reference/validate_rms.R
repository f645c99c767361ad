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
out <- list(
  generated_by = "tests/reference/validate_rms.R",
  r_version = R.version.string,
  rms_version = as.character(packageVersion("rms")),
  data = "data/lung.csv, complete cases on time, event, age, sex, ph.ecog",
  n = nrow(lung), events = sum(lung$event),
  fit_call = fit_call,
  note = "rms validate.cph Dxy is Somers Dxy of the linear predictor (Hmisc rcorr.cens), positive when higher lp means shorter survival: C = (1 + Dxy) / 2.",
  runs = runs
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "validate_rms.json")
cat("validate_rms.json written\n")
