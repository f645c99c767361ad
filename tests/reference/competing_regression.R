# Reference fixtures for competing-risk regression (lms_prognosis.cox.finegray and
# lms_prognosis.cox.cause_specific), made by R's cmprsk, survival and riskRegression.
#   Rscript tests/reference/competing_regression.R   (from the repository root or tests/reference)
# Reads/writes:
#   data/mgus2_cr.csv   written here from survival::mgus2 (event 0 censored, 1 progression,
#                       2 death before progression; time in months to progression or last
#                       contact / death)
#   data/lms_sim_cr.csv written by Python, read here:
#       lp.simulate_cohort(n=600, seed=14, competing_risks=True).data[
#           ["time", "event", "age", "sex", "grade", "size_cm", "depth"]].to_csv(index=False)
# Writes competing_regression.json, with the R call beside every number. jsonlite writes NA as
# null.
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
  library(riskRegression)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
if (length(script)) setwd(dirname(normalizePath(script)))
dir.create("data", showWarnings = FALSE)
num <- function(x) unname(as.numeric(x))
mat <- function(x) unname(lapply(seq_len(nrow(x)), function(i) as.numeric(x[i, ])))

# ---- data ----
m <- mgus2
mgus <- data.frame(
  time = ifelse(m$pstat == 1, m$ptime, m$futime),
  event = ifelse(m$pstat == 1, 1L, 2L * m$death),
  age = m$age, sex = as.character(m$sex), hgb = m$hgb, creat = m$creat, mspike = m$mspike
)
write.csv(mgus, "data/mgus2_cr.csv", row.names = FALSE, na = "")
mgus <- read.csv("data/mgus2_cr.csv")
mgus$sex <- factor(mgus$sex, levels = c("F", "M"))
sim <- read.csv("data/lms_sim_cr.csv")
sim$sex <- factor(sim$sex, levels = c("female", "male"))
sim$grade <- factor(sim$grade, levels = c("1", "2", "3"))
sim$depth <- factor(sim$depth, levels = c("superficial", "deep"))
datasets <- list(mgus2 = mgus, sim = sim)
levels_of <- function(d) {
  f <- names(d)[vapply(d, is.factor, TRUE)]
  setNames(lapply(f, function(v) levels(d[[v]])), f)
}

# ---- Fine-Gray: cmprsk::crr, and finegray() + coxph(weights = fgwt) ----
fine_gray_case <- function(data_name, covs, cause, cengroup = NULL, newdata, times) {
  d0 <- datasets[[data_name]]
  d <- d0[complete.cases(d0[, c("time", "event", covs, cengroup)]), ]
  rhs <- paste(covs, collapse = " + ")
  X <- model.matrix(as.formula(paste("~", rhs)), data = d)[, -1, drop = FALSE]
  cg <- if (is.null(cengroup)) rep(1, nrow(d)) else d[[cengroup]]
  fit <- crr(d$time, d$event, X, failcode = cause, cencode = 0, cengroup = cg)
  s <- summary(fit)
  crr_call <- sprintf(paste0("X <- model.matrix(~ %s, data = %s)[, -1]; ",
                             "fit <- crr(time, event, X, failcode = %d, cencode = 0%s)"),
                      rhs, data_name, cause,
                      if (is.null(cengroup)) "" else sprintf(", cengroup = %s", cengroup))
  # predictions
  ndf <- newdata
  for (v in names(ndf)) if (is.factor(d[[v]])) ndf[[v]] <- factor(ndf[[v]], levels(d[[v]]))
  Xn <- model.matrix(as.formula(paste("~", rhs)), data = ndf)[, -1, drop = FALSE]
  pr <- predict(fit, cov1 = Xn)
  at <- function(t) vapply(t, function(u) {
    k <- max(c(0, which(pr[, 1] <= u)))
    if (k == 0) rep(0, nrow(Xn)) else pr[k, -1]
  }, numeric(nrow(Xn)))
  cif <- at(times)  # rows: patients, columns: times
  # the same model through finegray() + weighted coxph (Breslow ties: crr's likelihood)
  strata_term <- if (is.null(cengroup)) "" else sprintf(" + strata(%s)", cengroup)
  fgf <- as.formula(sprintf("Surv(time, factor(event)) ~ %s%s", rhs, strata_term))
  fg <- finegray(fgf, data = d, etype = as.character(cause))
  cfit <- coxph(as.formula(sprintf("Surv(fgstart, fgstop, fgstatus) ~ %s", rhs)),
                weights = fgwt, data = fg, ties = "breslow")
  fg_call <- sprintf(paste0("fg <- finegray(Surv(time, factor(event)) ~ %s%s, data = %s, ",
                            "etype = \"%d\"); cfit <- coxph(Surv(fgstart, fgstop, fgstatus) ~ %s, ",
                            "weights = fgwt, data = fg, ties = \"breslow\")"),
                     rhs, strata_term, data_name, cause, rhs)
  # survfit on the finegray fit held at crr's coefficients (iter.max = 0), with crr's
  # variance of beta in place of coxph's
  cfit2 <- suppressWarnings(coxph(as.formula(sprintf("Surv(fgstart, fgstop, fgstatus) ~ %s", rhs)),
                 weights = fgwt, data = fg, ties = "breslow", init = unname(fit$coef),
                 control = coxph.control(iter.max = 0)))
  cfit2$var <- fit$var
  sf <- summary(survfit(cfit2, newdata = ndf, ctype = 1, conf.type = "log-log"), times = times,
                extend = TRUE)
  list(
    data = sprintf("data/%s.csv", if (data_name == "mgus2") "mgus2_cr" else "lms_sim_cr"),
    python = list(covariates = I(covs), cause = cause,
                  cens_strata = if (is.null(cengroup)) NULL else cengroup,
                  levels = levels_of(d0)),
    n = list(call = "fit$n", value = fit$n),
    n_missing = list(call = "nrow(data) - nrow(complete cases)", value = nrow(d0) - nrow(d)),
    terms = colnames(X),
    crr = list(
      call = crr_call,
      coef = list(call = "fit$coef", value = num(fit$coef)),
      se = list(call = "sqrt(diag(fit$var))", value = num(sqrt(diag(fit$var)))),
      var = list(call = "fit$var", value = mat(fit$var)),
      z = list(call = "summary(fit)$coef[, 'z']", value = num(s$coef[, "z"])),
      p = list(call = "2 * pnorm(-abs(summary(fit)$coef[, 'z']))  (summary() rounds its p-value)",
               value = num(2 * pnorm(-abs(s$coef[, "z"])))),
      lower = list(call = "summary(fit)$conf.int[, '2.5%']", value = num(s$conf.int[, 3])),
      upper = list(call = "summary(fit)$conf.int[, '97.5%']", value = num(s$conf.int[, 4])),
      loglik = list(call = "fit$loglik", value = fit$loglik),
      loglik_null = list(call = "fit$loglik.null", value = fit$loglik.null),
      logtest = list(call = "summary(fit)$logtest  (pseudo likelihood-ratio test, df)",
                     value = num(s$logtest)),
      wald = list(call = "t(fit$coef) %*% solve(fit$var, fit$coef)  (Wald test, crr's var)",
                  value = num(t(fit$coef) %*% solve(fit$var, fit$coef))),
      converged = fit$converged,
      uftime = list(call = "fit$uftime", value = num(fit$uftime)),
      bfitj = list(call = "fit$bfitj", value = num(fit$bfitj))
    ),
    predict = list(
      newdata = newdata, times = times,
      call = "pr <- predict(fit, cov1 = model.matrix(~ ..., newdata)[, -1]); step function of pr at times",
      cif = list(call = "cif[i, j]: patient i, time j", value = mat(cif)),
      survfit_call = paste0("cfit2 <- coxph(<finegray fit>, init = fit$coef, iter.max = 0); ",
                            "cfit2$var <- fit$var; summary(survfit(cfit2, newdata, ctype = 1, ",
                            "conf.type = 'log-log'), times = times, extend = TRUE)"),
      survfit_cif = list(call = "1 - sf$surv", value = mat(t(1 - sf$surv))),
      survfit_std_err = list(call = "sf$std.err", value = mat(t(sf$std.err))),
      survfit_lower = list(call = "1 - sf$upper", value = mat(t(1 - sf$upper))),
      survfit_upper = list(call = "1 - sf$lower", value = mat(t(1 - sf$lower)))
    ),
    finegray = list(
      call = fg_call,
      coef = list(call = "coef(cfit)", value = num(coef(cfit))),
      loglik = list(call = "cfit$loglik", value = num(cfit$loglik))
    )
  )
}

fine_gray <- list(
  mgus2_age_sex_hgb = fine_gray_case(
    "mgus2", c("age", "sex", "hgb"), 1,
    newdata = data.frame(age = c(60, 80), sex = c("F", "M"), hgb = c(13, 11)),
    times = c(0, 12, 60, 120, 240, 500)),
  mgus2_death = fine_gray_case(
    "mgus2", c("age", "sex"), 2,
    newdata = data.frame(age = c(60, 80), sex = c("F", "M")), times = c(12, 60, 120)),
  mgus2_cengroup = fine_gray_case(
    "mgus2", c("age", "hgb"), 1, cengroup = "sex",
    newdata = data.frame(age = c(60, 80), hgb = c(13, 11)), times = c(12, 60, 120)),
  sim_cengroup = fine_gray_case(
    "sim", c("age", "grade"), 1, cengroup = "sex",
    newdata = data.frame(age = c(50, 70), grade = c("1", "3")), times = c(12, 60)),
  sim_lms = fine_gray_case(
    "sim", c("age", "grade", "size_cm", "depth"), 1,
    newdata = data.frame(age = c(50, 70), grade = c("1", "3"), size_cm = c(5, 15),
                         depth = c("superficial", "deep")),
    times = c(12, 36, 60, 120))
)

# ---- cause-specific Cox models: coxph per cause, multi-state survfit, riskRegression::CSC ----
cause_specific_case <- function(data_name, covs, ties, newdata, times) {
  d0 <- datasets[[data_name]]
  d <- d0[complete.cases(d0[, c("time", "event", covs)]), ]
  d$id <- seq_len(nrow(d))
  rhs <- paste(covs, collapse = " + ")
  ndf <- newdata
  for (v in names(ndf)) if (is.factor(d[[v]])) ndf[[v]] <- factor(ndf[[v]], levels(d[[v]]))
  per_cause <- lapply(1:2, function(k) {
    f <- coxph(as.formula(sprintf("Surv(time, event == %d) ~ %s", k, rhs)), data = d, ties = ties)
    s <- summary(f)
    list(call = sprintf("coxph(Surv(time, event == %d) ~ %s, data = %s, ties = \"%s\")", k, rhs,
                        data_name, ties),
         coef = list(call = "coef(fit)", value = num(coef(f))),
         se = list(call = "sqrt(diag(vcov(fit)))", value = num(sqrt(diag(vcov(f))))),
         lower = list(call = "summary(fit)$conf.int[, 3]", value = num(s$conf.int[, 3])),
         upper = list(call = "summary(fit)$conf.int[, 4]", value = num(s$conf.int[, 4])),
         p = list(call = "summary(fit)$coefficients[, 5]", value = num(s$coefficients[, 5])),
         loglik = list(call = "fit$loglik", value = num(f$loglik)),
         robust_vcov = list(call = paste0("t(r) %*% r, r = residuals(fit, type = 'score') %*% ",
                                          "vcov(fit): the influence of beta"),
                            value = {r <- residuals(f, type = "score") %*% vcov(f)
                                     mat(t(r) %*% r)}))
  })
  ms <- coxph(as.formula(sprintf("Surv(time, factor(event)) ~ %s", rhs)), data = d, id = id,
              ties = ties)
  ctype <- if (ties == "efron") 2 else 1
  sf <- summary(survfit(ms, newdata = ndf, stype = 1, ctype = ctype), times = times, extend = TRUE)
  # pstate: [time, patient, state]; states "(s0)", "1", "2"
  ps <- lapply(2:3, function(k) mat(t(matrix(sf$pstate[, , k], nrow = length(times)))))
  ms_call <- sprintf(paste0("fit <- coxph(Surv(time, factor(event)) ~ %s, data = %s, id = id, ",
                            "ties = \"%s\"); summary(survfit(fit, newdata, stype = 1, ctype = %d), ",
                            "times = times, extend = TRUE)$pstate"), rhs, data_name, ties, ctype)
  csc <- CSC(as.formula(sprintf("Hist(time, event) ~ %s", rhs)), data = d, method = ties)
  rr <- lapply(1:2, function(k) {
    p <- predict(csc, newdata = ndf, times = times, cause = k, se = TRUE, product.limit = TRUE)
    list(absRisk = mat(p$absRisk), se = mat(p$absRisk.se), lower = mat(p$absRisk.lower),
         upper = mat(p$absRisk.upper))
  })
  list(
    data = sprintf("data/%s.csv", if (data_name == "mgus2") "mgus2_cr" else "lms_sim_cr"),
    python = list(covariates = I(covs), ties = ties, levels = levels_of(d0)),
    n = nrow(d),
    terms = names(coef(per_cause[[1]])),
    cox = list(cause1 = per_cause[[1]], cause2 = per_cause[[2]]),
    newdata = newdata, times = times,
    survfit = list(call = ms_call,
                   coef = list(call = "coef(fit)", value = num(coef(ms))),
                   cif_cause1 = list(call = "pstate[, , '1'] (rows: patients)", value = ps[[1]]),
                   cif_cause2 = list(call = "pstate[, , '2'] (rows: patients)", value = ps[[2]])),
    riskRegression = list(
      call = sprintf(paste0("csc <- CSC(Hist(time, event) ~ %s, data = %s, method = \"%s\"); ",
                            "predict(csc, newdata, times, cause = k, se = TRUE, ",
                            "product.limit = TRUE)"), rhs, data_name, ties),
      cause1 = rr[[1]], cause2 = rr[[2]])
  )
}

cause_specific <- list(
  mgus2_breslow = cause_specific_case(
    "mgus2", c("age", "sex", "hgb"), "breslow",
    newdata = data.frame(age = c(60, 80), sex = c("F", "M"), hgb = c(13, 11)),
    times = c(12, 60, 120, 240)),
  mgus2_efron = cause_specific_case(
    "mgus2", c("age", "sex"), "efron",
    newdata = data.frame(age = c(60, 80), sex = c("F", "M")), times = c(12, 60, 120)),
  sim_lms = cause_specific_case(
    "sim", c("age", "grade", "size_cm"), "efron",
    newdata = data.frame(age = c(50, 70), grade = c("1", "3"), size_cm = c(5, 15)),
    times = c(12, 36, 60, 120))
)

out <- list(
  meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
              cmprsk = as.character(packageVersion("cmprsk")),
              riskRegression = as.character(packageVersion("riskRegression"))),
  fine_gray = fine_gray,
  cause_specific = cause_specific
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           "competing_regression.json")
