# Reference fixtures for the Cox kernels other subpackages share (lms_prognosis.cox):
#   calibration_slope   = coxph(Surv(time, event) ~ lp)                     (+ init = 1)
#   newton_raphson      = coxph(..., init =, iter.max =) iteration path, non-convergence
#   baseline_hazard     = survfit(coxph(Surv(time, event) ~ offset(lp))) at lp = 0
#   the toy examples in the docstrings of lms_prognosis.cox (predict_survival, cox.zph)
# Run from tests/reference/ (make_all.sh does):  Rscript cox_kernels.R  ->  cox_kernels.json
# Reads data/lung.csv, data/lung_tied.csv, data/veteran.csv, data/pbc.csv (datasets.R).
# Every number sits next to the R call that made it ("call" fields). lp is written to the JSON
# with full precision (digits = NA) so that Python fits exactly the same numbers.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
if (length(script)) setwd(dirname(normalizePath(script)))

num <- function(x) unname(as.numeric(x))

read <- function(name) read.csv(file.path("data", paste0(name, ".csv")))
lung <- read("lung")
lung <- lung[complete.cases(lung[, c("time", "event", "age", "sex", "ph.ecog")]), ]
lung$lp <- 0.03 * (lung$age - 60) + 0.5 * (lung$sex == 1) + 0.4 * lung$ph.ecog
tied <- read("lung_tied")
tied <- tied[complete.cases(tied[, c("time", "event", "age", "sex", "ph.ecog")]), ]
tied$lp <- 0.03 * (tied$age - 60) + 0.5 * (tied$sex == 1) + 0.4 * tied$ph.ecog
vet <- read("veteran")
vet$lp <- -0.03 * (vet$karno - 60) + 0.2 * (vet$trt == 2)
pbc <- read("pbc")
pbc <- pbc[complete.cases(pbc[, c("time", "event", "age", "bili", "albumin", "protime")]), ]
data <- list(lung = lung, lung_tied = tied, veteran = vet)

# ---- calibration slope ------------------------------------------------------------------
slope_case <- function(dname, ties, init = NULL) {
  d <- data[[dname]]
  call <- sprintf("coxph(Surv(time, event) ~ lp, data = %s, ties = \"%s\"%s)", dname, ties,
                  if (is.null(init)) "" else sprintf(", init = %g", init))
  fit <- if (is.null(init)) coxph(Surv(time, event) ~ lp, data = d, ties = ties)
         else coxph(Surv(time, event) ~ lp, data = d, ties = ties, init = init)
  list(call = call, data = dname, ties = ties, init = if (is.null(init)) 0 else init,
       time = num(d$time), event = num(d$event), lp = num(d$lp),
       coef = num(coef(fit)), se = num(sqrt(diag(vcov(fit)))), loglik = num(fit$loglik),
       iter = fit$iter, n = fit$n, nevent = fit$nevent)
}
slopes <- list(
  lung_efron = slope_case("lung", "efron"),
  lung_breslow = slope_case("lung", "breslow"),
  lung_efron_init1 = slope_case("lung", "efron", init = 1),
  tied_efron = slope_case("lung_tied", "efron"),
  tied_breslow = slope_case("lung_tied", "breslow"),
  veteran_efron = slope_case("veteran", "efron")
)

# ---- Newton-Raphson: a start value and running out of iterations -------------------------
pbc_x <- cbind(age = pbc$age, log_bili = log(pbc$bili), log_albumin = log(pbc$albumin),
               log_protime = log(pbc$protime))
nr_case <- function(init, iter_max) {
  call <- sprintf(paste0("coxph(Surv(time, event) ~ age + log(bili) + log(albumin) + ",
                         "log(protime), data = pbc, init = c(%s), iter.max = %d)"),
                  paste(init, collapse = ", "), iter_max)
  warned <- character(0)
  fit <- withCallingHandlers(
    coxph(Surv(pbc$time, pbc$event) ~ pbc_x, init = init,
          control = coxph.control(iter.max = iter_max)),
    warning = function(w) { warned <<- c(warned, conditionMessage(w))
                            invokeRestart("muffleWarning") })
  list(call = call, init = init, iter_max = iter_max, coef = num(coef(fit)),
       se = num(sqrt(diag(vcov(fit)))), loglik = num(fit$loglik), score = num(fit$score),
       iter = fit$iter, warning = paste(warned, collapse = " | "))
}
newton <- list(
  pbc_from0 = nr_case(c(0, 0, 0, 0), 20L),
  pbc_init = nr_case(c(0.03, 0.8, -2, 2), 20L),
  pbc_two_iterations = nr_case(c(0, 0, 0, 0), 2L)
)
newton_data <- list(time = num(pbc$time), event = num(pbc$event),
                    x = unname(lapply(seq_len(ncol(pbc_x)), function(j) num(pbc_x[, j]))))

# ---- baseline hazard with a fixed linear predictor (offset) ------------------------------
base_case <- function(dname, ties, strata = NULL) {
  # survfit.coxph of an offset-only model cannot take newdata (an R error in coxsurv.fit), so
  # the curve is R's default one, for offset = mean(lp), rescaled to lp = 0 by exp(-mean(lp))
  # (the risk multiplies the cumulative hazard and its standard error). Checked against
  # coxph(~ age + offset(lp), init = 0, iter.max = 0) with newdata (age, lp = 0) and against
  # the Breslow sum d / sum exp(lp) written out.
  d <- data[[dname]]
  f <- if (is.null(strata)) Surv(time, event) ~ offset(lp)
       else as.formula(sprintf("Surv(time, event) ~ offset(lp) + strata(%s)", strata))
  fit <- coxph(f, data = d, ties = ties)
  sf <- survfit(fit)
  scale <- exp(-mean(d$lp))
  st <- if (is.null(strata)) rep(0L, length(sf$time)) else rep(seq_along(sf$strata) - 1L,
                                                               sf$strata)
  levs <- if (is.null(strata)) NULL else sort(unique(d[[strata]]))
  if (is.null(strata)) {
    check <- survfit(coxph(Surv(time, event) ~ age + offset(lp), data = d, ties = ties,
                           init = 0, iter.max = 0), newdata = data.frame(age = 60, lp = 0))
    stopifnot(isTRUE(all.equal(check$cumhaz, sf$cumhaz * scale, tolerance = 1e-12)))
  }
  list(call = sprintf("survfit(coxph(%s, data = %s, ties = \"%s\")) with cumhaz and std.err x exp(-mean(lp))",
                      paste(deparse(f), collapse = ""), dname, ties),
       data = dname, ties = ties, strata = strata,
       stratum_codes = if (is.null(strata)) NULL else num(match(d[[strata]], levs) - 1L),
       time = num(d$time), event = num(d$event), lp = num(d$lp),
       out_time = num(sf$time), out_stratum = num(st), cumhaz = num(sf$cumhaz * scale),
       std_err = num(sf$std.err * scale))
}
baselines <- list(
  lung_breslow = base_case("lung", "breslow"),
  lung_efron = base_case("lung", "efron"),
  tied_breslow = base_case("lung_tied", "breslow"),
  tied_efron = base_case("lung_tied", "efron"),
  lung_sex_breslow = base_case("lung", "breslow", strata = "sex")
)

# ---- near-tied times: R's timefix merges t and t + 1e-11 in coxph and concordance --------------
near <- lung[, c("time", "event", "age", "sex", "ph.ecog")]
shifted <- which(near$event == 1 & duplicated(near$time[]) & seq_len(nrow(near)) %% 2 == 0)
near$time[shifted] <- near$time[shifted] + 1e-11
nfit <- coxph(Surv(time, event) ~ age + sex + factor(ph.ecog), data = near)
cfit <- coxph(Surv(time, event) ~ age + sex + factor(ph.ecog), data = lung)
near_out <- list(
  call = paste("coxph(Surv(time, event) ~ age + sex + factor(ph.ecog), data = near) with",
               "1e-11 added to the times of the rows in 'shifted' (tied events)"),
  shifted = num(shifted - 1L), time = num(near$time), event = num(near$event),
  age = num(near$age), sex = num(near$sex), ph_ecog = num(near$ph.ecog),
  coef = num(coef(nfit)), loglik = num(nfit$loglik),
  concordance = num(summary(nfit)$concordance),
  clean_coef = num(coef(cfit)), clean_concordance = num(summary(cfit)$concordance),
  lp_concordance = num(concordance(Surv(time, event) ~ lp, data = transform(
    near, lp = nfit$linear.predictors), reverse = TRUE)$concordance))

# ---- the docstring toy (lms_prognosis.cox.result examples) --------------------------------
toy <- data.frame(time = c(5, 8, 12, 20, 25, 30, 33, 41, 47, 52, 58, 60),
                  event = c(1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1),
                  age = c(70, 60, 65, 50, 40, 61, 45, 48, 66, 42, 44, 39))
tfit <- coxph(Surv(time, event) ~ age, data = toy)
tsf <- summary(survfit(tfit, newdata = data.frame(age = 50)), times = 24)
tz <- cox.zph(tfit)
toy_out <- list(
  call = "coxph(Surv(time, event) ~ age, data = toy); survfit(fit, newdata = (age = 50)); cox.zph(fit)",
  coef = num(coef(tfit)),
  lp = num(predict(tfit, newdata = data.frame(age = c(50, 70)), type = "lp")),
  surv24 = num(tsf$surv), std_err24 = num(tsf$std.err), lower24 = num(tsf$lower),
  upper24 = num(tsf$upper), cumhaz24 = num(tsf$cumhaz),
  zph_chisq = num(tz$table[, "chisq"]), zph_p = num(tz$table[, "p"]))

meta <- list(
  generated_by = "tests/reference/cox_kernels.R",
  R = R.version.string,
  survival = as.character(packageVersion("survival")),
  notes = paste("coxph defaults: coxph.control(eps = 1e-9, iter.max = 20); lung and lung_tied",
                "complete cases over time, event, age, sex, ph.ecog; lp = 0.03 (age - 60) +",
                "0.5 [sex = 1] + 0.4 ph.ecog (veteran: -0.03 (karno - 60) + 0.2 [trt = 2]);",
                "survfit.coxph ctype 1 for breslow, 2 for efron; std_err is that of cumhaz.")
)
writeLines(toJSON(list(meta = meta, slope = slopes, newton = newton, newton_data = newton_data,
                       baseline = baselines, near_ties = near_out, toy = toy_out),
                  auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null", na = "null"),
           "cox_kernels.json")
cat("wrote cox_kernels.json\n")
