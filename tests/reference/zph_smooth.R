# Reference numbers for the smooth and band of lms_prognosis.plotting.plot_schoenfeld
# (PHTest.smooth), made by R's own survival:::plot.cox.zph (survival 3.5.3).
#   Rscript tests/reference/zph_smooth.R   (from the repository root or tests/reference)
# Writes tests/reference/zph_smooth.json.
#
# plot.cox.zph(z, resid = TRUE, se = TRUE, df = 4, nsmo = 40) draws, for each term i,
#   lines(pred.x, yhat); lines(pred.x, yup); lines(pred.x, ylow)
# with pred.x 40 points spanning z$x, yhat the fit of z$y[, i] on ns(c(pred.x, z$x), df = 4,
# intercept = TRUE) (knots from the grid and the data together), and
# yup/ylow = yhat +/- 2 * sqrt(z$var[i, i] * seval), seval = diag(P (X'X)^-1 P').
# The numbers below are the arguments of those lines() calls, caught by running
# survival:::plot.cox.zph itself with `lines` replaced by a recorder (nothing recomputed here).
# The data are the CSVs cox.R writes (data/cox_lung.csv, data/cox_veteran.csv).
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
if (length(script)) setwd(dirname(normalizePath(script)))

num <- function(x) unname(as.numeric(x))

drawn <- function(z, i) {
  rec <- list()
  f <- survival:::plot.cox.zph
  environment(f) <- list2env(
    list(lines = function(x, y, ...) rec[[length(rec) + 1L]] <<- list(x = num(x), y = num(y))),
    parent = asNamespace("survival"))
  grDevices::pdf(NULL)
  f(z, var = i)
  grDevices::dev.off()
  rec
}

lung <- read.csv("data/cox_lung.csv")
lung$ph.ecog <- factor(lung$ph.ecog)
vet <- read.csv("data/cox_veteran.csv")
vet$celltype <- factor(vet$celltype, levels = c("squamous", "smallcell", "adeno", "large"))

cases <- list(
  lung_km = list(data = "data/cox_lung.csv", formula = "Surv(time, event) ~ age + sex + ph.ecog",
                 d = lung, transform = "km", covariates = c("age", "sex", "ph.ecog"),
                 categorical = list(ph.ecog = levels(lung$ph.ecog))),
  veteran_rank = list(data = "data/cox_veteran.csv",
                      formula = "Surv(time, event) ~ trt + celltype + karno", d = vet,
                      transform = "rank", covariates = c("trt", "celltype", "karno"),
                      categorical = list(celltype = levels(vet$celltype))),
  lung_identity = list(data = "data/cox_lung.csv", formula = "Surv(time, event) ~ age + sex",
                       d = lung, transform = "identity", covariates = c("age", "sex"),
                       categorical = setNames(list(), character(0)))
)

out <- list()
for (nm in names(cases)) {
  cs <- cases[[nm]]
  fit <- coxph(as.formula(cs$formula), data = cs$d)
  z <- cox.zph(fit, transform = cs$transform)
  terms <- colnames(z$y)
  smooth <- list()
  for (i in seq_along(terms)) {
    rec <- drawn(z, i)
    smooth[[terms[i]]] <- list(pred_x = rec[[1]]$x, yhat = rec[[1]]$y,
                               yup = rec[[2]]$y, ylow = rec[[3]]$y,
                               var = z$var[i, i])
  }
  out[[nm]] <- list(
    data = cs$data,
    call = sprintf(paste0("z <- cox.zph(coxph(%s, data = d), transform = \"%s\"); ",
                          "survival:::plot.cox.zph(z, var = i)  # defaults: resid = TRUE, ",
                          "se = TRUE, df = 4, nsmo = 40; lines() 1: yhat, 2: yup, 3: ylow"),
                   cs$formula, cs$transform),
    python = list(covariates = I(cs$covariates), categorical = cs$categorical,
                  transform = cs$transform),
    terms = I(terms),
    smooth = smooth)
}
out$meta <- list(generated_by = "tests/reference/zph_smooth.R", R = R.version.string,
                 survival = as.character(packageVersion("survival")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE), "zph_smooth.json")
