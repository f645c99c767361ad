# Reference numbers for lms_prognosis.cox.pool: Rubin's rules as R's mice::pool, on the SAME
# completed data sets the Python tests pool.
#   Rscript tests/reference/mice_pool.R      ->  tests/reference/mice_pool.json
# Data: tests/reference/data/mice_pool_<case>.csv, written by mice_pool_data.py (the
# imputations are lms_prognosis's own; long format, column `imp` = 1..m). R fits coxph on each
# completed data set (Efron ties) and pools with mice::pool (mice 3.x, Rubin's rules with
# Barnard-Rubin df). dfcom is mice's default for coxph, mice:::get.dfcom:
# model$nevent - length(coef(model)), unless a case gives it.
# Every entry stores the R call that made its numbers; NA/NaN/Inf are null.
suppressPackageStartupMessages({
  library(survival)
  library(mice)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
if (length(script)) setwd(dirname(normalizePath(script)))

num <- function(x) unname(as.numeric(x))

read_long <- function(name) {
  d <- read.csv(file.path("data", paste0("mice_pool_", name, ".csv")))
  if ("grade" %in% names(d)) d$grade <- factor(d$grade, levels = c(1, 2, 3))
  d
}

run_case <- function(data_name, formula, dfcom = NULL, ties = "efron") {
  long <- read_long(data_name)
  fits <- lapply(split(long, long$imp), function(d)
    coxph(as.formula(formula), data = d, ties = ties))
  mira <- as.mira(fits)
  pooled <- if (is.null(dfcom)) pool(mira) else pool(mira, dfcom = dfcom)
  s <- summary(pooled, conf.int = TRUE, conf.level = 0.95)
  p <- pooled$pooled
  call <- sprintf(paste0("fits <- lapply(split(long, long$imp), function(d) coxph(%s, data = d,",
                         " ties = '%s')); pooled <- pool(as.mira(fits)%s); ",
                         "summary(pooled, conf.int = TRUE); pooled$pooled"),
                  formula, ties, if (is.null(dfcom)) "" else sprintf(", dfcom = %s", dfcom))
  # Harrell's C of each fit, pooled on the logit scale (Marshall 2009) by mice::pool.scalar
  cc <- sapply(fits, function(f) f$concordance[["concordance"]])
  cse <- sapply(fits, function(f) f$concordance[["std"]])
  ps <- pool.scalar(qlogis(cc), (cse / (cc * (1 - cc)))^2, n = Inf)
  list(
    concordance = list(
      call = paste0("cc <- sapply(fits, function(f) f$concordance[['concordance']]); ",
                    "se <- sapply(fits, function(f) f$concordance[['std']]); ",
                    "ps <- pool.scalar(qlogis(cc), (se / (cc * (1 - cc)))^2, n = Inf); ",
                    "plogis(ps$qbar)"),
      c = num(cc), se = num(cse), estimate = plogis(ps$qbar), qbar_logit = ps$qbar,
      t_logit = ps$t, df = ps$df, riv = ps$r, fmi = ps$fmi
    ),
    call = call, data = paste0("mice_pool_", data_name), formula = formula, ties = ties,
    dfcom_given = if (is.null(dfcom)) NULL else dfcom,
    per_fit = list(
      coef = lapply(fits, function(f) num(coef(f))),
      se = lapply(fits, function(f) num(sqrt(diag(vcov(f))))),
      nevent = num(sapply(fits, function(f) f$nevent))
    ),
    pooled = list(
      term = as.character(p$term), m = num(p$m), estimate = num(p$estimate),
      ubar = num(p$ubar), b = num(p$b), t = num(p$t), dfcom = num(p$dfcom),
      df = num(p$df), riv = num(p$riv), lambda = num(p$lambda), fmi = num(p$fmi)
    ),
    summary = list(
      estimate = num(s$estimate), std_error = num(s$std.error), statistic = num(s$statistic),
      df = num(s$df), p_value = num(s$p.value), conf_low = num(s[["2.5 %"]]),
      conf_high = num(s[["97.5 %"]])
    )
  )
}

cases <- list(
  sim = run_case("sim", "Surv(time, event) ~ age + grade + aneuploidy + vascular_invasion"),
  sim_breslow = run_case("sim", "Surv(time, event) ~ grade + aneuploidy", ties = "breslow"),
  sim_dfcom = run_case("sim", "Surv(time, event) ~ aneuploidy + vascular_invasion", dfcom = 30),
  lung = run_case("lung", "Surv(time, event) ~ age + sex + ph.ecog + ph.karno + meal.cal + wt.loss")
)

# the missing-data pattern of the lung covariates before imputation, as mice::md.pattern
lung_raw <- read.csv(file.path("data", "lung.csv"))
lung_covs <- c("age", "sex", "ph.ecog", "ph.karno", "meal.cal", "wt.loss")
mdp <- md.pattern(lung_raw[, lung_covs], plot = FALSE)
pattern_rows <- seq_len(nrow(mdp) - 1)
md_pattern <- list(
  call = paste0("md.pattern(read.csv('data/lung.csv')[, c('age', 'sex', 'ph.ecog', ",
                "'ph.karno', 'meal.cal', 'wt.loss')], plot = FALSE)"),
  data = "lung", covariates = lung_covs,
  columns = colnames(mdp)[seq_len(ncol(mdp) - 1)],
  n = num(as.integer(rownames(mdp)[pattern_rows])),
  pattern = unname(lapply(pattern_rows, function(i) num(mdp[i, seq_len(ncol(mdp) - 1)]))),
  n_missing = num(mdp[pattern_rows, ncol(mdp)]),
  missing_per_column = num(mdp[nrow(mdp), seq_len(ncol(mdp) - 1)])
)

meta <- list(
  R = R.version.string, survival = as.character(packageVersion("survival")),
  mice = as.character(packageVersion("mice")), script = "tests/reference/mice_pool.R",
  note = paste("per_fit: coxph coef and se on each completed data set; pooled: pool(fit)$pooled;",
               "summary: summary(pool(fit), conf.int = TRUE). Terms in R's order (grade2, grade3",
               "are Python's grade[2], grade[3]). dfcom default = nevent - length(coef).")
)
writeLines(toJSON(list(meta = meta, cases = cases, md_pattern = md_pattern), auto_unbox = TRUE, digits = NA,
                  pretty = TRUE, null = "null", na = "null"), "mice_pool.json")
