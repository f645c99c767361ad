# Reference numbers for the report's fitted-model sections (lms_prognosis.report), made by R.
# Run from tests/reference/ (make_all.sh does):  Rscript report_model.R  ->  report_model.json
#
# Data: the shipped synthetic cohort (lms_prognosis/data/synthetic_somatic_500.csv, the same
# file as data/synthetic/somatic_500_seed2026.csv), no missing values.
# 1. fitted: the report's multivariable Cox model on its dichotomised factors (age >= 60,
#    necrosis any, vascular invasion, aneuploidy, size > 5 cm, depth, grade; first level the
#    reference), Efron ties; the baseline survival S0(t) = survfit(fit, newdata = the reference
#    patient) at 12, 36, 60 months, and survfit for three patients.
# 2. spline: age and size as rms::rcs(x, 4) (Harrell's default knots) beside the other factors;
#    coefficients, the Wald tests of non-linearity (anova(cph)) and the LR test against the
#    model with age and size linear (anova(coxph, coxph)).
# 3. slope: recalibration of a published model's slope as well as its baseline: the slope b of
#    coxph(Surv ~ lp), the baseline of coxph(Surv ~ offset(b * lp)) (survfit at lp = 0), and
#    5-year survival exp(-H0(60) exp(b lp)) of the first patients.
suppressPackageStartupMessages({library(survival); library(rms); library(jsonlite)})
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
if (length(script)) setwd(dirname(normalizePath(script)))
num <- function(x) unname(as.numeric(x))

d <- read.csv("../../lms_prognosis/data/synthetic_somatic_500.csv", stringsAsFactors = FALSE)
d$age_ge_60 <- factor(ifelse(d$age >= 60, "ge60", "lt60"), levels = c("lt60", "ge60"))
d$necrosis_any <- factor(ifelse(d$necrosis != "none", "present", "none"),
                         levels = c("none", "present"))
d$vascular_invasion <- factor(ifelse(d$vascular_invasion == "True", "present", "absent"),
                              levels = c("absent", "present"))
d$aneuploidy <- factor(ifelse(d$aneuploidy == "True", "aneuploid", "diploid"),
                       levels = c("diploid", "aneuploid"))
d$size_gt_5cm <- factor(ifelse(d$size_cm > 5, "gt5", "le5"), levels = c("le5", "gt5"))
d$depth <- factor(d$depth, levels = c("superficial", "deep"))
d$grade <- factor(d$grade, levels = c(1, 2, 3))
out <- list()

# ---- 1. the fitted model, its baseline survival and three patients ----
f_call <- paste("coxph(Surv(time, event == 1) ~ age_ge_60 + necrosis_any + vascular_invasion +",
                "aneuploidy + size_gt_5cm + depth + grade, data = d)")
fit <- eval(parse(text = f_call))
ref <- d[1, ]
for (v in c("age_ge_60", "necrosis_any", "vascular_invasion", "aneuploidy", "size_gt_5cm",
            "depth", "grade")) ref[[v]] <- factor(levels(d[[v]])[1], levels = levels(d[[v]]))
s0 <- summary(survfit(fit, newdata = ref), times = c(12, 36, 60))
sp <- summary(survfit(fit, newdata = d[1:3, ]), times = c(12, 36, 60))
out$fitted <- list(
  call = f_call, n = fit$n, n_events = fit$nevent,
  coef = num(coef(fit)), se = num(sqrt(diag(vcov(fit)))), names = names(coef(fit)),
  means = num(fit$means),
  baseline_call = "summary(survfit(fit, newdata = <every factor at its first level>), times = c(12, 36, 60))",
  times = num(s0$time), s0 = num(s0$surv), s0_lower = num(s0$lower), s0_upper = num(s0$upper),
  s0_cumhaz = num(s0$cumhaz),
  patients_call = "summary(survfit(fit, newdata = d[1:3, ]), times = c(12, 36, 60))",
  patients_surv = lapply(1:3, function(j) num(sp$surv[, j])),
  patients_lp = num(predict(fit, newdata = d[1:3, ], type = "lp", reference = "zero")),
  concordance_call = "concordance(fit)$concordance (Harrell, R default timewt = \"n\")",
  concordance = num(concordance(fit)$concordance))

# ---- 2. the spline model and its tests of non-linearity ----
dd <- datadist(d); options(datadist = "dd")
s_call <- paste("cph(Surv(time, event == 1) ~ rcs(age, 4) + rcs(size_cm, 4) + necrosis_any +",
                "vascular_invasion + aneuploidy + depth + grade, data = d, x = TRUE, y = TRUE)")
sfit <- eval(parse(text = s_call))
l_call <- paste("coxph(Surv(time, event == 1) ~ age + size_cm + necrosis_any +",
                "vascular_invasion + aneuploidy + depth + grade, data = d)")
c_call <- paste("coxph(Surv(time, event == 1) ~ rcs(age, 4) + rcs(size_cm, 4) + necrosis_any +",
                "vascular_invasion + aneuploidy + depth + grade, data = d)")
lfit <- eval(parse(text = l_call))
cfit <- eval(parse(text = c_call))
an <- anova(sfit)
rn <- rownames(an)
nl <- which(trimws(rn) == "Nonlinear")   # the first belongs to age, the second to size_cm
tot <- which(rn == "TOTAL NONLINEAR")
lr <- anova(lfit, cfit)
wald <- function(cols) {  # b' V^-1 b over the non-linear coefficients of the coxph fit
  b <- coef(cfit)[cols]
  chi <- drop(t(b) %*% solve(vcov(cfit)[cols, cols], b))
  c(chi, length(cols), pchisq(chi, length(cols), lower.tail = FALSE))
}
nl_age <- grep("^rcs\\(age, 4\\)age'", names(coef(cfit)))
nl_size <- grep("^rcs\\(size_cm, 4\\)size_cm'", names(coef(cfit)))
out$spline <- list(
  call = c_call, cph_call = s_call, linear_call = l_call,
  coef = num(coef(cfit)), se = num(sqrt(diag(vcov(cfit)))), names = names(coef(cfit)),
  loglik = num(cfit$loglik), knots_age = num(sfit$Design$parms$age),
  knots_size = num(sfit$Design$parms$size_cm),
  anova_call = "anova(cph(...)): rows 'Nonlinear' (age, size_cm) and 'TOTAL NONLINEAR'",
  wald_age = num(an[nl[1], c("Chi-Square", "d.f.", "P")]),
  wald_size = num(an[nl[2], c("Chi-Square", "d.f.", "P")]),
  wald_total = num(an[tot, c("Chi-Square", "d.f.", "P")]),
  wald_coxph_call = "b' solve(V, b) over the coefficients named rcs(x, 4)x', x'' of coxph(spline)",
  wald_coxph_age = num(wald(nl_age)), wald_coxph_size = num(wald(nl_size)),
  wald_coxph_total = num(wald(c(nl_age, nl_size))),
  lr_call = "anova(coxph(linear), coxph(spline))",
  lr = num(c(lr$Chisq[2], lr$Df[2], lr[["Pr(>|Chi|)"]][2])))

# ---- 3. slope and baseline recalibration of the published models ----
raw <- read.csv("../../lms_prognosis/data/synthetic_somatic_500.csv", stringsAsFactors = FALSE)
lp_fun <- list(
  gustafson1992 = function(x) log(8) * (x$age >= 60) + log(4) * (x$vascular_invasion == "True") +
    log(4) * (x$aneuploidy == "True") + log(3) * (x$necrosis != "none"),
  # lms_default design values: domain 6.2's HRs shrunk as round(hr^0.85, 2) (docs/evidence.md)
  lms_default = function(x) log(1.65) * (x$age >= 60) + log(1.8) * (x$vascular_invasion == "True") +
    log(1.65) * (x$aneuploidy == "True") + log(1.41) * (x$necrosis != "none") +
    log(1.8) * (x$size_cm > 5) + log(1.49) * (x$depth == "deep") +
    log(1.65) * (x$grade == 2) + log(2.54) * (x$grade == 3) +
    log(1.3) * (x$margin %in% c("R1", "R2")) + log(0.9) * (x$site == "trunk") +
    log(1.6) * (x$site == "retroperitoneum") + log(1.75) * (x$site == "uterus"))
for (model in names(lp_fun)) for (ties in c("breslow", "efron")) {
  x <- raw
  x$lp <- lp_fun[[model]](x)
  s_fit <- coxph(Surv(time, event == 1) ~ lp, data = x)
  b <- unname(coef(s_fit))
  x$off <- b * x$lp
  o_fit <- coxph(Surv(time, event == 1) ~ offset(off), data = x, ties = ties)
  sf <- survfit(o_fit, newdata = data.frame(off = 0))
  h60 <- summary(sf, times = 60)$cumhaz
  out[[paste0("slope_", model, "_", ties)]] <- list(
    model = model, ties = ties,
    slope_call = "coxph(Surv(time, event == 1) ~ lp, data = x)",
    slope = b, slope_se = unname(sqrt(vcov(s_fit)[1, 1])),
    baseline_call = sprintf(paste0("survfit(coxph(Surv(time, event == 1) ~ offset(b * lp), ",
                                   "ties = \"%s\"), newdata = data.frame(off = 0))"), ties),
    time = num(sf$time), cumhaz = num(sf$cumhaz),
    surv60_call = "exp(-summary(sf, times = 60)$cumhaz * exp(b * lp[1:5]))",
    surv60_first = num(exp(-h60 * exp(b * x$lp[1:5]))),
    recal_slope_call = "coef(coxph(Surv(time, event == 1) ~ I(b * lp)))  (1 by construction)",
    recal_slope = unname(coef(coxph(Surv(time, event == 1) ~ off, data = x))))
}
out$meta <- list(R = R.version.string, survival = as.character(packageVersion("survival")),
                 rms = as.character(packageVersion("rms")),
                 data = "lms_prognosis/data/synthetic_somatic_500.csv")
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE, na = "null"),
           "report_model.json")
