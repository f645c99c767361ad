# Reference numbers for the product-limit kernel (lms_prognosis._survfit) and for near-tied
# times in Kaplan-Meier and log-rank (R's timefix, aeqSurv), made by R itself.
# Run from tests/reference/:  Rscript survfit_kernel.R   ->  survfit_kernel.json
# Every entry stores the R call that made its numbers ("call").  Numbers have 15 significant
# digits; NA, NaN and Inf are stored as null.  Near-tied times are stored as text with 17
# significant digits ("time_text"), so Python reads back the very doubles R used.
suppressPackageStartupMessages({
  library(survival)
  library(prodlim)
  library(jsonlite)
})

rd <- function(name) read.csv(file.path("data", paste0(name, ".csv")))
lung <- rd("lung")
lung_tied <- rd("lung_tied")
run <- function(call) eval(parse(text = call), envir = globalenv())
strip_label <- function(s) sub("^[^=]*=", "", s)
group_col <- function(s) {
  if (is.null(s$strata)) return(rep("all", length(s$time)))
  strip_label(as.character(s$strata))
}

# ---- near-tied times -------------------------------------------------------------------------
# pairs that R's aeqSurv merges (difference below sqrt(.Machine$double.eps), absolutely or
# relative to the mean time): 1 and 1 + 1e-11; 0.1 + 0.2 and 0.3; 2 and 2 * (1 + 1e-9);
# and a pair it keeps apart: 5 and 5 + 1e-6.  Each pair is split across the two arms.
near <- data.frame(
  time = c(1, 1 + 1e-11, 0.1 + 0.2, 0.3, 2, 2 * (1 + 1e-9), 5, 5 + 1e-6,
           0.3, 1, 3, 4, 6, 7, 8, 9),
  event = c(1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1),
  arm = c("a", "b", "a", "b", "b", "a", "a", "b", "b", "a", "a", "b", "a", "b", "a", "b")
)
near_text <- sprintf("%.17g", near$time)
stopifnot(all(as.numeric(near_text) == near$time))

out <- list(
  meta = list(
    R = R.version.string,
    survival = as.character(packageVersion("survival")),
    prodlim = as.character(packageVersion("prodlim")),
    script = "tests/reference/survfit_kernel.R",
    note = paste("survfit tables are summary(fit, censored = TRUE); std.err is of the survival.",
                 "near: times as 17-digit text in time_text.  NA/NaN/Inf are null.")
  ),
  near = list(time_text = near_text, event = near$event, arm = near$arm),
  survfit = list(), survdiff = list(), reverse = list(), weighted = list()
)

sf_case <- function(name, call, data_name) {
  fit <- run(call)
  s <- summary(fit, censored = TRUE)
  out$survfit[[name]] <<- list(
    call = paste0("fit <- ", call, "; summary(fit, censored = TRUE)"), data = data_name,
    result = list(group = group_col(s), time = s$time, n_risk = s$n.risk, n_event = s$n.event,
                  n_censor = s$n.censor, surv = s$surv, std_err = s$std.err, lower = s$lower,
                  upper = s$upper, cumhaz = s$cumhaz))
}
sf_case("near_all", "survfit(Surv(time, event) ~ 1, data = near)", "near")
sf_case("near_arm", "survfit(Surv(time, event) ~ arm, data = near)", "near")
sf_case("near_arm_loglog", "survfit(Surv(time, event) ~ arm, data = near, conf.type = 'log-log')",
        "near")
sf_case("near_arm_notimefix", "survfit(Surv(time, event) ~ arm, data = near, timefix = FALSE)",
        "near")
sf_case("lung_sex_logit", "survfit(Surv(time, event) ~ sex, data = lung, conf.type = 'logit')",
        "lung")
sf_case("lung_tied_logit_90",
        "survfit(Surv(time, event) ~ 1, data = lung_tied, conf.type = 'logit', conf.int = 0.9)",
        "lung_tied")

sd_case <- function(name, call) {
  d <- run(call)
  o <- if (is.matrix(d$obs)) rowSums(d$obs) else d$obs
  e <- if (is.matrix(d$exp)) rowSums(d$exp) else d$exp
  out$survdiff[[name]] <<- list(
    call = paste0("d <- ", call),
    result = list(group = strip_label(names(d$n)), n = as.vector(d$n), observed = o,
                  expected = e, var = unname(d$var), chisq = d$chisq))
}
sd_case("near_arm", "survdiff(Surv(time, event) ~ arm, data = near)")
sd_case("near_arm_rho1", "survdiff(Surv(time, event) ~ arm, data = near, rho = 1)")

# ---- the censoring curve (reverse Kaplan-Meier) ----------------------------------------------
# prodlim(reverse = TRUE): at a time with deaths and censorings the deaths leave first, so the
# step is 1 - c / (n - d); survfit(Surv(time, 1 - event)) keeps them at risk (1 - c / n).
rev_case <- function(name, data_name) {
  dat <- get(data_name)
  pcall <- sprintf("p <- prodlim(Hist(time, event) ~ 1, data = %s, reverse = TRUE)", data_name)
  p <- run(pcall)
  scall <- sprintf("f <- survfit(Surv(time, 1 - event) ~ 1, data = %s)", data_name)
  f <- run(scall)
  out$reverse[[name]] <<- list(
    data = data_name,
    prodlim_call = paste0(pcall, "; data.frame(p$time, p$n.risk, p$n.event, p$n.lost, p$surv)"),
    prodlim = list(time = p$time, n_risk = p$n.risk, n_lost = p$n.lost, surv = p$surv),
    survfit_call = paste0(scall, "; data.frame(f$time, f$n.risk, f$n.event, f$surv)"),
    survfit = list(time = f$time, n_risk = f$n.risk, n_event = f$n.event, surv = f$surv))
}
rev_case("lung", "lung")
rev_case("lung_tied", "lung_tied")

# ---- case weights ----------------------------------------------------------------------------
# Greenwood with weighted counts is survfit(robust = FALSE); with non-integer weights R's
# default is the infinitesimal-jackknife (robust) variance, stored beside it for reference.
lung$w <- (lung$age %% 3 + 1) / 2
wcall <- "fit <- survfit(Surv(time, event) ~ 1, data = lung, weights = w, robust = FALSE)"
fit <- run(wcall)
rob <- survfit(Surv(time, event) ~ 1, data = lung, weights = w)
out$weighted$lung <- list(
  call = paste0("lung$w <- (lung$age %% 3 + 1) / 2; ", wcall,
                "; data.frame(fit$time, fit$n.risk, fit$n.event, fit$surv, fit$std.err, fit$cumhaz)"),
  result = list(time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, surv = fit$surv,
                std_err_log = fit$std.err, cumhaz = fit$cumhaz),
  robust_call = "survfit(Surv(time, event) ~ 1, data = lung, weights = w)$std.err",
  robust_std_err_log = rob$std.err)

writeLines(toJSON(out, digits = NA, na = "null", auto_unbox = TRUE, null = "null", pretty = 1),
           "survfit_kernel.json")
cat("survfit_kernel.json:", length(out$survfit), "survfit,", length(out$survdiff), "survdiff,",
    length(out$reverse), "reverse,", length(out$weighted), "weighted\n")
