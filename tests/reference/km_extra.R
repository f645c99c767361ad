# Reference numbers for the Kaplan-Meier additions of lms_prognosis.nonparametric: restricted
# mean survival time (print.survfit / summary.survfit with rmean =), RMST differences and
# ratios between groups, quantiles with CIs (quantile.survfit) and the logit / arcsin
# pointwise intervals (survfit conf.type =), made by R itself.
# Run from tests/reference/:  Rscript km_extra.R   ->  km_extra.json
# Data: the CSVs written by datasets.R (event coded 0/1), plus tiny inline data sets stored in
# the JSON ("inline"). Every entry stores the R call that made its numbers ("call"); "args"
# are the matching Python arguments. NA, NaN and Inf are stored as null.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

rd <- function(name) read.csv(file.path("data", paste0(name, ".csv")))
lung <- rd("lung")
veteran <- rd("veteran")
veteran$celltype <- factor(veteran$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
lung_tied <- rd("lung_tied")

inline <- list(
  # curve ends exactly at 0.5 (quantile.survfit: midpoint of that time and the last time)
  half_end = data.frame(time = c(1, 2, 3, 4), event = c(1, 1, 0, 0)),
  # flat stretches exactly at 0.75, 0.5 and 0.25, to the end at 0
  steps = data.frame(time = c(1, 2, 3, 4, 5, 6, 7, 8), event = c(1, 0, 1, 0, 1, 1, 0, 1)),
  # censorings before the first event (surv 1: log-log, logit, arcsin limits NA), ties at 0
  early = data.frame(time = c(0, 0, 0.5, 1, 2, 2, 3, 5, 8, 9),
                     event = c(1, 0, 0, 0, 1, 1, 0, 1, 0, 1),
                     arm = c("a", "b", "a", "b", "a", "b", "a", "b", "a", "b"))
)
for (nm in names(inline)) assign(paste0("inline_", nm), inline[[nm]])

strip_label <- function(s) sub("^[^=]*=", "", s)
run <- function(call) eval(parse(text = call), envir = globalenv())
levels_of <- function(fit) if (is.null(fit$strata)) "all" else strip_label(names(fit$strata))

out <- list(
  meta = list(
    R = R.version.string,
    survival = as.character(packageVersion("survival")),
    script = "tests/reference/km_extra.R",
    note = paste("km: summary(fit, censored = TRUE) with conf.type logit / arcsin.",
                 "rmean: summary(fit, rmean = tau)$table (rmean, se(rmean)); lower/upper are",
                 "rmean -/+ qnorm(0.975) se. contrast: difference and ratio computed here from",
                 "those rmean and se (the survRM2 method). quantile: quantile(fit, probs).",
                 "Group labels are stratum labels without the 'var=' prefix. NA/NaN/Inf null.")
  ),
  inline = inline,
  km = list(), rmean = list(), contrast = list(), quantile = list()
)

fit_call <- function(data, formula, conf.type, conf.int) {
  sprintf("survfit(%s, data = %s, conf.type = '%s', conf.int = %s)", formula, data,
          conf.type, format(conf.int))
}

# ---- Kaplan-Meier tables with the logit and arcsin intervals --------------------------------
km_case <- function(name, data, formula, args, conf.type, conf.int = 0.95) {
  call <- fit_call(data, formula, conf.type, conf.int)
  s <- summary(run(call), censored = TRUE)
  grp <- if (is.null(s$strata)) rep("all", length(s$time)) else strip_label(as.character(s$strata))
  out$km[[name]] <<- list(
    call = paste0("fit <- ", call, "; summary(fit, censored = TRUE)"), data = data,
    args = c(args, list(conf_type = conf.type, conf_level = conf.int)),
    result = list(group = grp, time = s$time, n_risk = s$n.risk, n_event = s$n.event,
                  n_censor = s$n.censor, surv = s$surv, std_err = s$std.err,
                  lower = s$lower, upper = s$upper, cumhaz = s$cumhaz))
}
km_case("lung_sex_logit", "lung", "Surv(time, event) ~ sex", list(group = "sex"), "logit")
km_case("lung_arcsin", "lung", "Surv(time, event) ~ 1", list(group = NULL), "arcsin")
km_case("lung_sex_arcsin_90", "lung", "Surv(time, event) ~ sex", list(group = "sex"), "arcsin", 0.9)
km_case("veteran_celltype_logit", "veteran", "Surv(time, event) ~ celltype",
        list(group = "celltype"), "logit")
km_case("veteran_celltype_arcsin", "veteran", "Surv(time, event) ~ celltype",
        list(group = "celltype"), "arcsin")
km_case("lung_tied_sex_logit_90", "lung_tied", "Surv(time, event) ~ sex", list(group = "sex"),
        "logit", 0.9)
km_case("lung_tied_arcsin", "lung_tied", "Surv(time, event) ~ 1", list(group = NULL), "arcsin")
km_case("inline_early_arcsin", "inline_early", "Surv(time, event) ~ arm", list(group = "arm"),
        "arcsin")
km_case("inline_early_logit", "inline_early", "Surv(time, event) ~ 1", list(group = NULL), "logit")

# ---- restricted mean survival time ----------------------------------------------------------
rmean_case <- function(name, data, formula, args, tau, conf.int = 0.95) {
  call <- fit_call(data, formula, "log", conf.int)
  fit <- run(call)
  tb <- summary(fit, rmean = tau)$table
  if (is.null(dim(tb))) tb <- t(as.matrix(tb))
  z <- qnorm(1 - (1 - conf.int) / 2)
  r <- unname(tb[, "rmean"])
  se <- unname(tb[, "se(rmean)"])
  out$rmean[[name]] <<- list(
    call = paste0("fit <- ", call, "; summary(fit, rmean = ", format(tau),
                  ")$table[, c('rmean', 'se(rmean)')]; lower/upper: rmean -/+ qnorm(",
                  format(1 - (1 - conf.int) / 2), ") * se"),
    data = data, args = c(args, list(tau = tau, conf_level = conf.int)),
    result = list(group = levels_of(fit), tau = rep(tau, length(r)), rmst = r, se = se,
                  lower = r - z * se, upper = r + z * se))
  invisible(list(fit = fit, call = call, r = r, se = se, groups = levels_of(fit)))
}
# contrast of each group with the reference: survRM2's rmst2 arithmetic on survfit's rmean
# difference r1 - r0, se sqrt(se1^2 + se0^2), CI diff -/+ z se;
# ratio r1 / r0, CI exp(log(r1 / r0) -/+ z sqrt(se1^2 / r1^2 + se0^2 / r0^2))
contrast_case <- function(name, data, formula, args, tau, reference, conf.int = 0.95) {
  rm <- rmean_case(paste0(name, "_rmean"), data, formula, args, tau, conf.int)
  z <- qnorm(1 - (1 - conf.int) / 2)
  i0 <- match(reference, rm$groups)
  others <- setdiff(seq_along(rm$groups), i0)
  r0 <- rm$r[i0]; s0 <- rm$se[i0]
  r1 <- rm$r[others]; s1 <- rm$se[others]
  d <- r1 - r0; dse <- sqrt(s1^2 + s0^2)
  lr <- log(r1 / r0); lse <- sqrt(s1^2 / r1^2 + s0^2 / r0^2)
  out$contrast[[name]] <<- list(
    call = paste0("fit <- ", rm$call, "; tb <- summary(fit, rmean = ", format(tau),
                  ")$table; r <- tb[, 'rmean']; se <- tb[, 'se(rmean)']; ",
                  "diff = r[k] - r[ref], se = sqrt(se[k]^2 + se[ref]^2), CI diff -/+ z se; ",
                  "ratio = r[k] / r[ref], CI exp(log(ratio) -/+ z sqrt(se[k]^2 / r[k]^2 + ",
                  "se[ref]^2 / r[ref]^2)), z = qnorm(", format(1 - (1 - conf.int) / 2), ")"),
    data = data, args = c(args, list(tau = tau, reference = reference, conf_level = conf.int)),
    result = list(group = rm$groups[others], reference = rep(reference, length(others)),
                  tau = rep(tau, length(others)),
                  difference = d, difference_se = dse,
                  difference_lower = d - z * dse, difference_upper = d + z * dse,
                  difference_p = 2 * pnorm(-abs(d / dse)),
                  ratio = r1 / r0, log_ratio_se = lse,
                  ratio_lower = exp(lr - z * lse), ratio_upper = exp(lr + z * lse),
                  ratio_p = 2 * pnorm(-abs(lr / lse))))
}
rmean_case("lung_365", "lung", "Surv(time, event) ~ 1", list(group = NULL), 365)
rmean_case("lung_sex_730", "lung", "Surv(time, event) ~ sex", list(group = "sex"), 730)
# tau beyond the last time of sex 2 (965) and of the whole data (1022): flat extension
rmean_case("lung_sex_1100", "lung", "Surv(time, event) ~ sex", list(group = "sex"), 1100)
rmean_case("veteran_celltype_180", "veteran", "Surv(time, event) ~ celltype",
           list(group = "celltype"), 180)
# tau on an event time, with ties and events at time 0
rmean_case("lung_tied_12", "lung_tied", "Surv(time, event) ~ 1", list(group = NULL), 12)
rmean_case("lung_tied_sex_24", "lung_tied", "Surv(time, event) ~ sex", list(group = "sex"), 24, 0.9)
# tau before the first time with an event
rmean_case("inline_early_0.25", "inline_early", "Surv(time, event) ~ arm", list(group = "arm"), 0.25)
rmean_case("inline_steps_6.5", "inline_steps", "Surv(time, event) ~ 1", list(group = NULL), 6.5)
contrast_case("lung_sex_365", "lung", "Surv(time, event) ~ sex", list(group = "sex"), 365, "1")
contrast_case("lung_sex_730_ref2", "lung", "Surv(time, event) ~ sex", list(group = "sex"), 730, "2")
contrast_case("veteran_celltype_180", "veteran", "Surv(time, event) ~ celltype",
              list(group = "celltype"), 180, "squamous")
contrast_case("veteran_trt_365_90", "veteran", "Surv(time, event) ~ trt", list(group = "trt"),
              365, "1", 0.9)
contrast_case("lung_tied_sex_24", "lung_tied", "Surv(time, event) ~ sex", list(group = "sex"),
              24, "1")

# ---- quantiles ------------------------------------------------------------------------------
quantile_case <- function(name, data, formula, args, probs, conf.type = "log", conf.int = 0.95) {
  call <- fit_call(data, formula, conf.type, conf.int)
  fit <- run(call)
  q <- quantile(fit, probs)
  groups <- levels_of(fit)
  ng <- length(groups)
  as_mat <- function(v) matrix(v, nrow = ng, ncol = length(probs))
  qm <- as_mat(q$quantile); lo <- as_mat(q$lower); hi <- as_mat(q$upper)
  out$quantile[[name]] <<- list(
    call = paste0("fit <- ", call, "; quantile(fit, probs = c(",
                  paste(format(probs), collapse = ", "), "))"),
    data = data,
    args = c(args, list(conf_type = conf.type, conf_level = conf.int, probs = probs)),
    # one row per group and probability, groups outer
    result = list(group = rep(groups, each = length(probs)),
                  probability = rep(probs, times = ng),
                  time = as.vector(t(qm)), lower = as.vector(t(lo)), upper = as.vector(t(hi))))
}
pr <- c(0.1, 0.25, 0.5, 0.75, 0.9)
quantile_case("lung_log", "lung", "Surv(time, event) ~ 1", list(group = NULL), c(0, pr, 1))
quantile_case("lung_sex_loglog", "lung", "Surv(time, event) ~ sex", list(group = "sex"), pr, "log-log")
quantile_case("lung_sex_plain_90", "lung", "Surv(time, event) ~ sex", list(group = "sex"), pr,
              "plain", 0.9)
quantile_case("lung_sex_logit", "lung", "Surv(time, event) ~ sex", list(group = "sex"), pr, "logit")
quantile_case("lung_arcsin", "lung", "Surv(time, event) ~ 1", list(group = NULL), pr, "arcsin")
quantile_case("veteran_celltype_log", "veteran", "Surv(time, event) ~ celltype",
              list(group = "celltype"), pr)
quantile_case("veteran_celltype_loglog", "veteran", "Surv(time, event) ~ celltype",
              list(group = "celltype"), c(0.05, 0.5, 0.95), "log-log")
quantile_case("lung_tied_log", "lung_tied", "Surv(time, event) ~ 1", list(group = NULL),
              c(0, 0.05, 0.08, pr))
quantile_case("lung_tied_sex_plain", "lung_tied", "Surv(time, event) ~ sex", list(group = "sex"),
              pr, "plain")
quantile_case("inline_half_end", "inline_half_end", "Surv(time, event) ~ 1", list(group = NULL),
              c(0.25, 0.5, 0.75))
quantile_case("inline_steps", "inline_steps", "Surv(time, event) ~ 1", list(group = NULL),
              c(0.25, 0.3, 0.5, 0.75, 1))
quantile_case("inline_steps_plain", "inline_steps", "Surv(time, event) ~ 1", list(group = NULL),
              c(0.25, 0.5, 0.75), "plain")
quantile_case("inline_early_loglog", "inline_early", "Surv(time, event) ~ arm", list(group = "arm"),
              c(0.1, 0.25, 0.5, 0.75), "log-log")
quantile_case("inline_early_arcsin", "inline_early", "Surv(time, event) ~ arm", list(group = "arm"),
              c(0.1, 0.25, 0.5, 0.75), "arcsin")

writeLines(toJSON(out, digits = NA, na = "null", auto_unbox = TRUE, null = "null", pretty = 1),
           "km_extra.json")
cat("km_extra.json:", length(out$km), "KM,", length(out$rmean), "rmean,",
    length(out$contrast), "contrast,", length(out$quantile), "quantile entries\n")
