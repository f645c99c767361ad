# Reference numbers for lms_prognosis.nonparametric: Kaplan-Meier (survfit), summary(times=),
# medians (quantile.survfit / print.survfit) and log-rank tests (survdiff), made by R itself.
# Run from tests/reference/:  Rscript km_logrank.R   ->  km_logrank.json
# Data: the CSVs written by datasets.R (event coded 0/1), read back with read.csv, plus a few
# tiny inline data sets stored in the JSON itself ("inline").
# Every entry stores the R call that made its numbers ("call"); "args" are the matching
# Python arguments.  Numbers have 15 significant digits; NA, NaN and Inf are stored as null.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})

rd <- function(name) read.csv(file.path("data", paste0(name, ".csv")))
lung <- rd("lung")
veteran <- rd("veteran")
veteran$celltype <- factor(veteran$celltype, levels = c("squamous", "smallcell", "adeno", "large"))
ovarian <- rd("ovarian")
colon <- rd("colon")
colon$rx <- factor(colon$rx, levels = c("Obs", "Lev", "Lev+5FU"))
pbc <- rd("pbc")
lung_tied <- rd("lung_tied")

# tiny inline data sets for the median rules
inline <- list(
  # surv 0.75, 0.5, 0.25, 0: surv exactly 0.5 on a flat stretch -> median (2 + 3) / 2
  half = data.frame(time = c(1, 2, 3, 4), event = c(1, 1, 1, 1)),
  # surv 0.75, 0.5 then censored to the end: curve ends at 0.5 -> median (2 + 4) / 2
  half_end = data.frame(time = c(1, 2, 3, 4), event = c(1, 1, 0, 0)),
  # never reaches 0.5 -> median NA
  high = data.frame(time = c(1, 2, 3, 4, 5, 6), event = c(1, 0, 0, 1, 0, 0)),
  # two groups, one with ties at 0 and a flat 0.5 stretch
  two = data.frame(time = c(0, 0, 2, 2, 5, 7, 1, 3, 3, 4, 6, 8),
                   event = c(1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0),
                   arm = c("a", "a", "a", "a", "a", "a", "b", "b", "b", "b", "b", "b"))
)
for (nm in names(inline)) assign(paste0("inline_", nm), inline[[nm]])

strip_label <- function(s) sub("^[^=]*=", "", s)

group_col <- function(fit, n) {
  if (is.null(fit$strata)) return(rep("all", n))
  if (is.factor(fit$strata)) return(strip_label(as.character(fit$strata)))   # summary.survfit
  strip_label(as.character(rep(names(fit$strata), fit$strata)))
}

run <- function(call) eval(parse(text = call), envir = globalenv())

out <- list(
  meta = list(
    R = R.version.string,
    survival = as.character(packageVersion("survival")),
    script = "tests/reference/km_logrank.R",
    note = paste("survfit tables are summary(fit, censored = TRUE) (all distinct times);",
                 "std.err is of the survival (summary scale).",
                 "Group labels are the stratum labels without the 'var=' prefix.",
                 "NA/NaN/Inf are null.")
  ),
  inline = inline,
  km = list(), at = list(), median = list(), logrank = list()
)

# ---- Kaplan-Meier tables -------------------------------------------------------------------
km_case <- function(name, data, formula, args, conf.type = "log", conf.int = 0.95) {
  call <- sprintf("survfit(%s, data = %s, conf.type = '%s', conf.int = %s)",
                  formula, data, conf.type, format(conf.int))
  fit <- run(call)
  assign(paste0("fit_", name), fit, envir = globalenv())
  s <- summary(fit, censored = TRUE)
  tab <- list(
    group = group_col(s, length(s$time)), time = s$time, n_risk = s$n.risk,
    n_event = s$n.event, n_censor = s$n.censor, surv = s$surv, std_err = s$std.err,
    lower = s$lower, upper = s$upper, cumhaz = s$cumhaz
  )
  out$km[[name]] <<- list(
    call = paste0("fit <- ", call, "; summary(fit, censored = TRUE)"),
    data = data, args = c(args, list(conf_type = conf.type, conf_level = conf.int)),
    result = tab
  )
  # median, as print.survfit (summary(fit)$table) and quantile(fit, 0.5); the two differ
  # only when the curve ends exactly at 0.5 (print: the time it reaches 0.5; quantile: the
  # midpoint of that time and the last time).  lms_prognosis follows print.survfit.
  q <- quantile(fit, 0.5)
  tb <- summary(fit)$table
  if (is.null(dim(tb))) tb <- t(as.matrix(tb))
  lvl <- if (is.null(fit$strata)) "all" else strip_label(names(fit$strata))
  ci <- paste0(format(conf.int), c("LCL", "UCL"))
  out$median[[name]] <<- list(
    call = paste0("fit <- ", call, "; summary(fit)$table[, c('records', 'events', 'median', '",
                  ci[1], "', '", ci[2], "')]; quantile(fit, 0.5)"),
    data = data, args = c(args, list(conf_type = conf.type, conf_level = conf.int)),
    result = list(group = lvl, n = unname(tb[, "records"]), events = unname(tb[, "events"]),
                  median = unname(tb[, "median"]), lower = unname(tb[, ci[1]]),
                  upper = unname(tb[, ci[2]]),
                  quantile_median = unname(as.vector(q$quantile)),
                  quantile_lower = unname(as.vector(q$lower)),
                  quantile_upper = unname(as.vector(q$upper)))
  )
}

km_case("lung_sex_log", "lung", "Surv(time, event) ~ sex", list(group = "sex"))
km_case("lung_loglog", "lung", "Surv(time, event) ~ 1", list(group = NULL), "log-log")
km_case("lung_plain", "lung", "Surv(time, event) ~ 1", list(group = NULL), "plain")
km_case("lung_sex_loglog_90", "lung", "Surv(time, event) ~ sex", list(group = "sex"), "log-log", 0.9)
km_case("lung_sex_plain", "lung", "Surv(time, event) ~ sex", list(group = "sex"), "plain")
km_case("veteran_celltype_log", "veteran", "Surv(time, event) ~ celltype", list(group = "celltype"))
km_case("veteran_celltype_plain", "veteran", "Surv(time, event) ~ celltype", list(group = "celltype"), "plain")
km_case("veteran_celltype_loglog", "veteran", "Surv(time, event) ~ celltype", list(group = "celltype"), "log-log")
km_case("ovarian_log", "ovarian", "Surv(time, event) ~ 1", list(group = NULL))
km_case("ovarian_rx_log", "ovarian", "Surv(time, event) ~ rx", list(group = "rx"))
km_case("ovarian_rx_loglog", "ovarian", "Surv(time, event) ~ rx", list(group = "rx"), "log-log")
km_case("colon_rx_log", "colon", "Surv(time, event) ~ rx", list(group = "rx"))
km_case("pbc_death_log", "pbc", "Surv(time, event) ~ 1", list(group = NULL))
km_case("lung_tied_log", "lung_tied", "Surv(time, event) ~ 1", list(group = NULL))
km_case("lung_tied_sex_loglog", "lung_tied", "Surv(time, event) ~ sex", list(group = "sex"), "log-log")
km_case("lung_tied_sex_plain", "lung_tied", "Surv(time, event) ~ sex", list(group = "sex"), "plain")
km_case("lung_tied_ecog_log", "lung_tied", "Surv(time, event) ~ ph.ecog", list(group = "ph.ecog"))
km_case("inline_half", "inline_half", "Surv(time, event) ~ 1", list(group = NULL))
km_case("inline_half_end", "inline_half_end", "Surv(time, event) ~ 1", list(group = NULL))
km_case("inline_high", "inline_high", "Surv(time, event) ~ 1", list(group = NULL))
km_case("inline_two", "inline_two", "Surv(time, event) ~ arm", list(group = "arm"))
km_case("inline_two_loglog", "inline_two", "Surv(time, event) ~ arm", list(group = "arm"), "log-log")

# ---- summary(fit, times=) ------------------------------------------------------------------
at_case <- function(name, fitname, times, extend) {
  fit <- get(paste0("fit_", fitname))
  s <- summary(fit, times = times, extend = extend)
  out$at[[name]] <<- list(
    call = paste0(out$km[[fitname]]$call, "\n",
                  sprintf("summary(fit, times = c(%s), extend = %s)",
                          paste(format(times), collapse = ", "), extend)),
    km = fitname, times = times, extend = extend,
    result = list(group = group_col(s, length(s$time)), time = s$time, n_risk = s$n.risk,
                  n_event = s$n.event, n_censor = s$n.censor, surv = s$surv,
                  std_err = s$std.err, lower = s$lower, upper = s$upper, cumhaz = s$cumhaz)
  )
}
lung_times <- c(365, 0, 100, 100.5, 500, 883, 1022, 2000)   # unsorted on purpose
at_case("lung_sex_times", "lung_sex_log", lung_times, FALSE)
at_case("lung_sex_times_extend", "lung_sex_log", lung_times, TRUE)
at_case("lung_plain_times", "lung_plain", c(0, 5, 11.5, 200, 1022), FALSE)
at_case("veteran_times", "veteran_celltype_log", c(0, 30, 90.5, 180, 365, 600, 1000), FALSE)
at_case("veteran_times_extend", "veteran_celltype_loglog", c(0, 30, 90.5, 180, 365, 600, 1000), TRUE)
at_case("lung_tied_times", "lung_tied_log", c(0, 0.5, 1, 6, 12, 24, 36), FALSE)
at_case("lung_tied_sex_times_extend", "lung_tied_sex_plain", c(0, 1, 6, 12, 24, 30, 36), TRUE)
at_case("ovarian_times", "ovarian_rx_log", c(0, 100, 365.25, 730.5, 1100, 1500), FALSE)
at_case("inline_two_times", "inline_two", c(0, 1, 2.5, 6, 7, 8, 10), TRUE)

# ---- survdiff ------------------------------------------------------------------------------
# trend: survdiff does not print a trend test; it is computed here from survdiff's own
# obs - exp (summed over strata) and var:  chisq = (w'(O-E))^2 / (w' V w), 1 df.
lr_case <- function(name, data, formula, args, rho = 0, trend_scores = NULL) {
  call <- sprintf("survdiff(%s, data = %s, rho = %s)", formula, data, format(rho))
  d <- run(call)
  o <- if (is.matrix(d$obs)) rowSums(d$obs) else d$obs
  e <- if (is.matrix(d$exp)) rowSums(d$exp) else d$exp
  res <- list(group = strip_label(names(d$n)), n = as.vector(d$n), observed = o, expected = e,
              o_minus_e = o - e, variance = diag(d$var), var = unname(d$var),
              chisq = d$chisq, df = sum(e > 0) - 1,
              p = pchisq(d$chisq, sum(e > 0) - 1, lower.tail = FALSE))
  entry <- list(call = paste0("d <- ", call), data = data, args = c(args, list(rho = rho)),
                result = res)
  if (!is.null(trend_scores)) {
    w <- trend_scores
    u <- sum(w * (o - e))
    v <- as.numeric(t(w) %*% d$var %*% w)
    entry$trend_call <- paste0(
      "d <- ", call, "; o <- ", if (is.matrix(d$obs)) "rowSums(d$obs)" else "d$obs",
      "; e <- ", if (is.matrix(d$exp)) "rowSums(d$exp)" else "d$exp",
      sprintf("; w <- c(%s)", paste(format(w), collapse = ", ")),
      "; chisq <- sum(w * (o - e))^2 / drop(t(w) %*% d$var %*% w); pchisq(chisq, 1, lower.tail = FALSE)")
    entry$trend_scores <- w
    entry$trend <- list(chisq = u^2 / v, df = 1, p = pchisq(u^2 / v, 1, lower.tail = FALSE),
                        statistic = u, variance = v)
  }
  out$logrank[[name]] <<- entry
}

lr_case("lung_sex", "lung", "Surv(time, event) ~ sex", list(group = "sex"), trend_scores = c(1, 2))
lr_case("lung_sex_rho1", "lung", "Surv(time, event) ~ sex", list(group = "sex"), rho = 1)
lr_case("veteran_celltype", "veteran", "Surv(time, event) ~ celltype", list(group = "celltype"),
        trend_scores = 1:4)
lr_case("veteran_celltype_scores", "veteran", "Surv(time, event) ~ celltype", list(group = "celltype"),
        trend_scores = c(0, 1, 3, 7))
lr_case("veteran_celltype_rho1", "veteran", "Surv(time, event) ~ celltype", list(group = "celltype"),
        rho = 1, trend_scores = 1:4)
lr_case("veteran_celltype_rho05", "veteran", "Surv(time, event) ~ celltype", list(group = "celltype"),
        rho = 0.5)
lr_case("veteran_celltype_strata_trt", "veteran", "Surv(time, event) ~ celltype + strata(trt)",
        list(group = "celltype", strata = "trt"), trend_scores = 1:4)
lr_case("veteran_celltype_strata_trt_rho1", "veteran", "Surv(time, event) ~ celltype + strata(trt)",
        list(group = "celltype", strata = "trt"), rho = 1)
lr_case("ovarian_rx", "ovarian", "Surv(time, event) ~ rx", list(group = "rx"))
lr_case("colon_rx", "colon", "Surv(time, event) ~ rx", list(group = "rx"), trend_scores = 1:3)
lr_case("colon_rx_strata_sex", "colon", "Surv(time, event) ~ rx + strata(sex)",
        list(group = "rx", strata = "sex"), trend_scores = 1:3)
lr_case("pbc_trt", "pbc", "Surv(time, event) ~ trt", list(group = "trt"))
lr_case("pbc_stage", "pbc", "Surv(time, event) ~ stage", list(group = "stage"), trend_scores = 1:4)
lr_case("lung_tied_sex", "lung_tied", "Surv(time, event) ~ sex", list(group = "sex"))
lr_case("lung_tied_ecog", "lung_tied", "Surv(time, event) ~ ph.ecog", list(group = "ph.ecog"),
        trend_scores = 0:3)
lr_case("lung_tied_ecog_strata_sex_rho1", "lung_tied", "Surv(time, event) ~ ph.ecog + strata(sex)",
        list(group = "ph.ecog", strata = "sex"), rho = 1, trend_scores = 0:3)
lr_case("inline_two", "inline_two", "Surv(time, event) ~ arm", list(group = "arm"))

writeLines(toJSON(out, digits = NA, na = "null", auto_unbox = TRUE, null = "null", pretty = 1),
           "km_logrank.json")
cat("km_logrank.json:", length(out$km), "KM,", length(out$at), "summary(times=),",
    length(out$median), "median,", length(out$logrank), "survdiff entries\n")
