# Reference numbers for lms_prognosis.fit_cox(..., penalty=...): penalised Cox coefficients at
# fixed lambdas from R's glmnet(family = "cox"), made by R.
# Run from tests/reference/:  Rscript glmnet.R   ->  glmnet.json
# Data: the shipped synthetic cohort (../../lms_prognosis/data/synthetic_somatic_500.csv) and
# lung (data/lung.csv, written by datasets.R), complete cases over the model's variables.
# The objective is glmnet's: -(1/n) log PL(beta) (Breslow ties) + lambda * ((1 - alpha) / 2 *
# ||beta||_2^2 + alpha * ||beta||_1), on columns standardised by glmnet (standardize = TRUE:
# centred, divided by the standard deviation with divisor n), coefficients returned on the
# original scale. alpha here is the package's l1_ratio; lambda is the package's alpha.
# thresh = 1e-14 so that glmnet's own tolerance does not limit the agreement.
suppressPackageStartupMessages({
  library(survival)
  library(glmnet)
  library(jsonlite)
})

cohort <- read.csv(file.path("..", "..", "lms_prognosis", "data", "synthetic_somatic_500.csv"))
cohort$grade <- factor(cohort$grade)
cohort$necrosis <- factor(cohort$necrosis, levels = c("none", "<50%", ">=50%"))
lung <- read.csv(file.path("data", "lung.csv"))
run <- function(call) eval(parse(text = call), envir = globalenv())

py_names <- function(nm, data) {
  for (v in names(data)) {
    if (is.factor(data[[v]])) {
      for (lv in levels(data[[v]])) nm[nm == paste0(v, lv)] <- paste0(v, "[", lv, "]")
    }
  }
  sub("^vascular_invasion(TRUE|True)$", "vascular_invasion", nm)
}

out <- list(
  meta = list(
    R = R.version.string,
    glmnet = as.character(packageVersion("glmnet")),
    survival = as.character(packageVersion("survival")),
    script = "tests/reference/glmnet.R",
    note = paste("coef(glmnet(x, Surv(time, event), family = 'cox', alpha, lambda,",
                 "standardize = TRUE, thresh = 1e-14, maxit = 1e7)) at each lambda;",
                 "x = model.matrix(formula, complete cases)[, -1]. Breslow ties.")
  ),
  fits = list()
)

case <- function(name, data, formula, alpha, lambda, covariates) {
  d <- run(data)
  vars <- all.vars(as.formula(formula))
  d <- d[complete.cases(d[, c("time", "event", vars)]), ]
  x <- model.matrix(as.formula(formula), d)[, -1, drop = FALSE]
  y <- Surv(d$time, d$event)
  call <- sprintf(paste("glmnet(model.matrix(%s, %s)[, -1], Surv(time, event), family = 'cox',",
                        "alpha = %s, lambda = c(%s), standardize = TRUE, thresh = 1e-14,",
                        "maxit = 1e7)"),
                  formula, data, alpha, paste(lambda, collapse = ", "))
  fit <- glmnet(x, y, family = "cox", alpha = alpha, lambda = lambda, standardize = TRUE,
                thresh = 1e-14, maxit = 1e7)
  b <- as.matrix(coef(fit))
  out$fits[[name]] <<- list(
    call = call,
    args = list(covariates = covariates, l1_ratio = alpha),
    n = nrow(d),
    lambda = fit$lambda,
    terms = py_names(rownames(b), d),
    coef = unname(lapply(seq_len(ncol(b)), function(j) unname(b[, j])))
  )
}

lam <- c(0.1, 0.05, 0.02, 0.01, 0.002)
case("cohort_lasso", "cohort", "~ age + size_cm + grade + necrosis + vascular_invasion", 1, lam,
     c("age", "size_cm", "grade", "necrosis", "vascular_invasion"))
case("cohort_enet", "cohort", "~ age + size_cm + grade + necrosis + vascular_invasion", 0.5, lam,
     c("age", "size_cm", "grade", "necrosis", "vascular_invasion"))
case("cohort_ridge", "cohort", "~ age + size_cm + grade + necrosis + vascular_invasion", 0, lam,
     c("age", "size_cm", "grade", "necrosis", "vascular_invasion"))
case("lung_lasso", "lung", "~ age + sex + ph.ecog + ph.karno + wt.loss", 1,
     c(0.08, 0.04, 0.01, 0.001), c("age", "sex", "ph.ecog", "ph.karno", "wt.loss"))
case("lung_ridge", "lung", "~ age + sex + ph.ecog + ph.karno + wt.loss", 0,
     c(0.5, 0.1, 0.01), c("age", "sex", "ph.ecog", "ph.karno", "wt.loss"))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "glmnet.json")
