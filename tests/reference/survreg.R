# Reference numbers for lms_prognosis.models.fit_parametric: parametric accelerated failure
# time models from R's survreg (Weibull, log-normal, log-logistic, exponential), made by R.
# Run from tests/reference/:  Rscript survreg.R   ->  survreg.json
# Data: lung and veteran (data/*.csv, written by datasets.R) and the shipped synthetic cohort
# (../../lms_prognosis/data/synthetic_somatic_500.csv). Every entry stores the R call that
# made its numbers ("call"); "args" are the matching Python arguments. NA/NaN/Inf are null.
# Coefficient names are the package's: "(Intercept)", a numeric column's name, and
# "column[level]" for a factor level (R's "columnlevel"); "Log(scale)" is log(scale).
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

rd <- function(name) read.csv(file.path("data", paste0(name, ".csv")))
lung <- rd("lung")
veteran <- rd("veteran")
veteran$celltype <- factor(veteran$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
cohort <- read.csv(file.path("..", "..", "lms_prognosis", "data", "synthetic_somatic_500.csv"))
cohort$grade <- factor(cohort$grade)
cohort$necrosis <- factor(cohort$necrosis, levels = c("none", "<50%", ">=50%"))
run <- function(call) eval(parse(text = call), envir = globalenv())

# the package's names for the model-matrix columns
py_names <- function(fit) {
  nm <- names(fit$coefficients)
  for (v in names(fit$xlevels)) {
    lv <- fit$xlevels[[v]]
    idx <- match(paste0(v, lv), nm)
    nm[idx[!is.na(idx)]] <- paste0(v, "[", lv[!is.na(idx)], "]")
  }
  nm
}

out <- list(
  meta = list(
    R = R.version.string,
    survival = as.character(packageVersion("survival")),
    script = "tests/reference/survreg.R",
    note = paste("coef/se/vcov on survreg's scale: intercept and coefficients on log time,",
                 "then Log(scale) (not for the exponential, whose scale is fixed at 1).",
                 "predict: S(t | x) = 1 - psurvreg(t, lp, scale, dist); u = (log t - lp) / scale",
                 "with se by the delta method from vcov(fit); lower/upper = S at u +/- z se(u).",
                 "NA/NaN/Inf are null.")
  ),
  fits = list()
)

case <- function(name, data, formula, dist, covariates, newrows, times, conf.int = 0.95) {
  call <- sprintf("survreg(%s, data = %s, dist = '%s')", formula, data, dist)
  fit <- run(call)
  V <- vcov(fit)
  nm <- c(py_names(fit), if (dist == "exponential") character(0) else "Log(scale)")
  est <- c(fit$coefficients, if (dist == "exponential") numeric(0) else log(fit$scale))
  ll <- logLik(fit)
  # predictions for a few rows of the data, on a grid of times (some beyond follow-up)
  nd <- run(data)[newrows, , drop = FALSE]
  X <- model.matrix(delete.response(terms(fit)), nd, xlev = fit$xlevels)
  lp <- drop(X %*% fit$coefficients)
  z <- qnorm(1 - (1 - conf.int) / 2)
  pred <- list(row = integer(0), time = numeric(0), surv = numeric(0), std_err = numeric(0),
               lower = numeric(0), upper = numeric(0), cumhaz = numeric(0), lp = numeric(0))
  dens <- function(u) switch(dist, weibull = , exponential = exp(u - exp(u)),
                             lognormal = dnorm(u), loglogistic = exp(u) / (1 + exp(u))^2)
  for (i in seq_len(nrow(nd))) {
    u <- (log(times) - lp[i]) / fit$scale
    # d u / d beta = -x / scale; d u / d log(scale) = -u
    g <- cbind(matrix(-X[i, ] / fit$scale, nrow = length(times), ncol = ncol(X), byrow = TRUE),
               if (dist == "exponential") NULL else -u)
    se_u <- sqrt(rowSums((g %*% V) * g))
    s <- 1 - psurvreg(times, lp[i], fit$scale, dist)
    s_hi <- 1 - psurvreg(exp(lp[i] + fit$scale * (u - z * se_u)), lp[i], fit$scale, dist)
    s_lo <- 1 - psurvreg(exp(lp[i] + fit$scale * (u + z * se_u)), lp[i], fit$scale, dist)
    pred$row <- c(pred$row, rep(newrows[i] - 1L, length(times)))   # 0-based, as pandas
    pred$time <- c(pred$time, times)
    pred$surv <- c(pred$surv, s)
    pred$std_err <- c(pred$std_err, dens(u) * se_u)
    pred$lower <- c(pred$lower, s_lo)
    pred$upper <- c(pred$upper, s_hi)
    pred$cumhaz <- c(pred$cumhaz, -log(s))
    pred$lp <- c(pred$lp, rep(lp[i], length(times)))
  }
  out$fits[[name]] <<- list(
    call = paste0("fit <- ", call, "; coef(fit); fit$scale; vcov(fit); logLik(fit); AIC(fit)"),
    data = data, args = list(covariates = covariates, distribution = dist),
    result = list(term = nm, coef = unname(est), se = unname(sqrt(diag(V))),
                  vcov = unname(V), scale = fit$scale, loglik = as.numeric(ll),
                  loglik_null = fit$loglik[1], df = attr(ll, "df"), aic = AIC(fit),
                  n = nrow(fit$y), n_events = sum(fit$y[, 2]), iterations = fit$iter),
    predict = list(call = paste0("1 - psurvreg(t, lp, fit$scale, '", dist, "'), ",
                                 "lp from model.matrix(newdata) %*% coef(fit); ",
                                 "CI from u = (log t - lp) / scale -/+ z se(u), se(u) = ",
                                 "sqrt(g' vcov(fit) g)"),
                   rows = newrows - 1L, times = times, conf_level = conf.int, result = pred))
}

dists <- c("weibull", "lognormal", "loglogistic", "exponential")
for (d in dists) {
  case(paste0("lung_", d), "lung", "Surv(time, event) ~ age + sex + ph.ecog", d,
       c("age", "sex", "ph.ecog"), c(1L, 2L, 5L), c(30, 180, 365, 730, 1022, 2000))
  case(paste0("veteran_", d), "veteran", "Surv(time, event) ~ celltype + karno + trt", d,
       c("celltype", "karno", "trt"), c(1L, 40L, 100L), c(10, 100, 365, 999, 1500))
  case(paste0("cohort_", d), "cohort",
       "Surv(time, event) ~ age + size_cm + grade + depth + margin + necrosis", d,
       c("age", "size_cm", "grade", "depth", "margin", "necrosis"), c(1L, 2L, 3L),
       c(12, 60, 120, 180, 240))
}
case("lung_null_weibull", "lung", "Surv(time, event) ~ 1", "weibull", character(0), 1L,
     c(100, 500, 1500))
case("veteran_lognormal_90", "veteran", "Surv(time, event) ~ celltype + karno + trt",
     "lognormal", c("celltype", "karno", "trt"), c(1L, 40L), c(10, 365), conf.int = 0.9)

# the AIC table across distributions (what select_distribution ranks)
for (nm in c("lung", "veteran", "cohort")) {
  out$aic[[nm]] <- list(
    distribution = dists,
    aic = sapply(dists, function(d) out$fits[[paste0(nm, "_", d)]]$result$aic, USE.NAMES = FALSE),
    call = paste0("sapply(c('", paste(dists, collapse = "', '"), "'), function(d) AIC(",
                  "survreg(<formula of ", nm, "_weibull>, dist = d)))"))
}

writeLines(toJSON(out, digits = NA, na = "null", auto_unbox = TRUE, null = "null", pretty = 1),
           "survreg.json")
cat("survreg.json:", length(out$fits), "fits\n")
