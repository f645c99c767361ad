# Reference fixtures for lms_prognosis.cox, made by R's survival package itself.
#   Rscript tests/reference/cox.R        (run from the repository root or from tests/reference)
# Writes tests/reference/cox.json and the data it used as tests/reference/data/cox_<case>.csv.
# Every number in the JSON sits next to the R call that produced it ("call" fields).
# Event coding in the CSV files is 0/1 (R's 1/2 `status` converted here, explicitly).
# jsonlite writes NA, NaN and Inf as null.
suppressPackageStartupMessages({
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
if (length(script)) setwd(dirname(normalizePath(script)))
dir.create("data", showWarnings = FALSE)

num <- function(x) unname(as.numeric(x))
mat <- function(x) unname(lapply(seq_len(nrow(x)), function(i) as.numeric(x[i, ])))

# ---- data sets (complete columns the models use; NA kept so Python drops the same rows) ----
lung2 <- data.frame(time = lung$time, event = as.integer(lung$status == 2), age = lung$age,
                    sex = lung$sex, ph.ecog = factor(lung$ph.ecog), wt.loss = lung$wt.loss)
vet <- data.frame(time = veteran$time, event = veteran$status, trt = veteran$trt,
                  celltype = veteran$celltype, karno = veteran$karno)
ova <- data.frame(time = ovarian$futime, event = ovarian$fustat, age = ovarian$age,
                  resid.ds = ovarian$resid.ds, rx = ovarian$rx, ecog.ps = ovarian$ecog.ps)
col2 <- subset(colon, etype == 2)
col2 <- data.frame(time = col2$time, event = col2$status, rx = col2$rx, sex = col2$sex,
                   age = col2$age, nodes = col2$nodes, extent = col2$extent,
                   obstruct = col2$obstruct)
pbc2 <- subset(pbc, !is.na(trt))
pbc2 <- data.frame(time = pbc2$time, event = as.integer(pbc2$status == 2), age = pbc2$age,
                   edema = pbc2$edema, log_bili = log(pbc2$bili),
                   log_albumin = log(pbc2$albumin), log_protime = log(pbc2$protime))
# heavily tied: lung times in whole months (30.4375 days), several equal to 0
months <- lung2
months$time <- round(lung$time / 30.4375)

# separation: no events in ph.ecog level 2 (R warns "coefficient may be infinite")
lungsep <- lung2
lungsep$event[!is.na(lungsep$ph.ecog) & lungsep$ph.ecog == "2"] <- 0L

datasets <- list(lung = lung2, veteran = vet, ovarian = ova, colon = col2, pbc = pbc2,
                 months = months, lungsep = lungsep)
for (nm in names(datasets)) {
  write.csv(datasets[[nm]], file.path("data", paste0("cox_", nm, ".csv")), row.names = FALSE,
            na = "")
}

# ---- one case: fit, tests, concordance, predictions, cox.zph ----
run_case <- function(data_name, rhs, categorical, ties = "efron", strata = NULL,
                     newdata = NULL, times = NULL, zph = TRUE) {
  d <- datasets[[data_name]]
  covs <- all.vars(as.formula(paste("~", rhs)))
  fstr <- paste0("Surv(time, event) ~ ", rhs,
                 if (!is.null(strata)) paste0(" + strata(", strata, ")") else "")
  call <- sprintf("coxph(%s, data = %s, ties = \"%s\")", fstr, data_name, ties)
  fit <- coxph(as.formula(fstr), data = d, ties = ties)
  s <- summary(fit)
  out <- list(
    data = paste0("data/cox_", data_name, ".csv"),
    call = call,
    python = list(covariates = I(covs), categorical = I(categorical), ties = ties,
                  strata = if (is.null(strata)) NULL else strata,
                  strata_levels = if (is.null(strata)) NULL else levels(factor(d[[strata]])),
                  levels = lapply(setNames(categorical, categorical),
                                  function(v) levels(factor(d[[v]])))),
    terms = names(coef(fit)),
    coef = list(call = "coef(fit)", value = num(coef(fit))),
    se = list(call = "sqrt(diag(vcov(fit)))", value = num(sqrt(diag(vcov(fit))))),
    vcov = list(call = "vcov(fit)", value = mat(vcov(fit))),
    hr_lower = list(call = "summary(fit)$conf.int[, 'lower .95']",
                    value = num(s$conf.int[, 3])),
    hr_upper = list(call = "summary(fit)$conf.int[, 'upper .95']",
                    value = num(s$conf.int[, 4])),
    z = list(call = "summary(fit)$coefficients[, 'z']", value = num(s$coefficients[, 4])),
    p = list(call = "summary(fit)$coefficients[, 'Pr(>|z|)']",
             value = num(s$coefficients[, 5])),
    loglik = list(call = "fit$loglik", value = num(fit$loglik)),
    iter = list(call = "fit$iter", value = fit$iter),
    n = list(call = "fit$n", value = fit$n),
    nevent = list(call = "fit$nevent", value = fit$nevent),
    dropped_rows = list(call = "as.integer(fit$na.action) - 1 (0-based)",
                        value = if (is.null(fit$na.action)) integer(0)
                                else as.integer(fit$na.action) - 1L),
    means = list(call = "fit$means", value = num(fit$means)),
    logtest = list(call = "-2 * (fit$loglik[1] - fit$loglik[2])  (summary(fit)$logtest)",
                   value = -2 * (fit$loglik[1] - fit$loglik[2])),
    waldtest = list(call = "fit$wald.test  (summary(fit)$waldtest rounds it to 2 decimals)",
                    value = num(fit$wald.test)),
    sctest = list(call = "fit$score  (summary(fit)$sctest)", value = num(fit$score)),
    test_df = list(call = "summary(fit)$logtest['df']", value = num(s$logtest["df"])),
    concordance = list(call = "summary(fit)$concordance",
                       value = num(s$concordance)),
    lp = list(call = "predict(fit, type = 'lp')", value = num(predict(fit, type = "lp")))
  )
  if (!is.null(newdata)) {
    out$newdata <- newdata
    nd <- as.data.frame(newdata)
    for (v in categorical) nd[[v]] <- factor(nd[[v]], levels = levels(factor(d[[v]])))
    out$predict_lp <- list(call = "predict(fit, newdata = nd, type = 'lp', reference = 'sample')",
                           value = num(predict(fit, newdata = nd, type = "lp",
                                               reference = "sample")))
    out$times <- times
    out$survfit <- list()
    for (ct in c("log", "log-log", "plain")) {
      sf <- survfit(fit, newdata = nd, conf.type = ct)
      ss <- summary(sf, times = times)
      out$survfit[[ct]] <- list(
        call = sprintf("summary(survfit(fit, newdata = nd, conf.type = \"%s\"), times = times)", ct),
        layout = if (is.null(strata)) "rows: times; columns: newdata rows"
                 else "one curve per newdata row (its stratum): rows newdata row, then time",
        time = num(ss$time),
        surv = mat(as.matrix(ss$surv)), std_err = mat(as.matrix(ss$std.err)),
        lower = mat(as.matrix(ss$lower)), upper = mat(as.matrix(ss$upper)),
        cumhaz = mat(as.matrix(ss$cumhaz)))
    }
  }
  if (zph) {
    out$zph <- list()
    for (tr in c("km", "rank", "identity")) {
      z <- cox.zph(fit, transform = tr)
      out$zph[[tr]] <- list(
        call = sprintf("cox.zph(fit, transform = \"%s\")", tr),
        terms = rownames(z$table),
        chisq = num(z$table[, "chisq"]), df = num(z$table[, "df"]), p = num(z$table[, "p"]),
        x = num(z$x), time = num(z$time), y = mat(as.matrix(z$y)))
    }
  }
  out
}

nd_lung <- list(age = c(50, 65, 75), sex = c(1, 2, 1), ph.ecog = c("0", "1", "2"))
cases <- list(
  lung_efron = run_case("lung", "age + sex + ph.ecog", "ph.ecog", "efron",
                        newdata = nd_lung, times = c(0, 90, 180, 365.25, 500, 730)),
  lung_breslow = run_case("lung", "age + sex + ph.ecog", "ph.ecog", "breslow",
                          newdata = nd_lung, times = c(90, 180, 365.25, 730)),
  lung_wtloss = run_case("lung", "age + sex + ph.ecog + wt.loss", "ph.ecog", "efron"),
  veteran_efron = run_case("veteran", "trt + celltype + karno", "celltype", "efron",
                           newdata = list(trt = c(1, 2), celltype = c("squamous", "large"),
                                          karno = c(60, 80)),
                           times = c(10, 30, 100, 200)),
  veteran_breslow = run_case("veteran", "trt + celltype + karno", "celltype", "breslow"),
  ovarian_efron = run_case("ovarian", "age + resid.ds + rx + ecog.ps", character(0), "efron",
                           newdata = list(age = c(50, 65), resid.ds = c(1, 2), rx = c(1, 2),
                                          ecog.ps = c(1, 2)),
                           times = c(100, 365, 700, 1000)),
  ovarian_breslow = run_case("ovarian", "age + resid.ds + rx + ecog.ps", character(0),
                             "breslow"),
  colon_efron = run_case("colon", "rx + sex + age + nodes + extent + obstruct", "rx", "efron",
                         newdata = list(rx = c("Obs", "Lev+5FU"), sex = c(0, 1),
                                        age = c(60, 70), nodes = c(2, 6), extent = c(3, 3),
                                        obstruct = c(0, 1)),
                         times = c(365, 1000, 2000, 3000)),
  colon_breslow = run_case("colon", "rx + sex + age + nodes + extent + obstruct", "rx",
                           "breslow"),
  pbc_efron = run_case("pbc", "age + edema + log_bili + log_albumin + log_protime",
                       character(0), "efron",
                       newdata = list(age = c(45, 60), edema = c(0, 0.5),
                                      log_bili = log(c(1, 4)), log_albumin = log(c(3.5, 3)),
                                      log_protime = log(c(10, 11))),
                       times = c(365, 1825, 3650)),
  pbc_breslow = run_case("pbc", "age + edema + log_bili + log_albumin + log_protime",
                         character(0), "breslow"),
  veteran_strata = run_case("veteran", "trt + karno", character(0), "efron", strata = "celltype",
                            newdata = list(trt = c(1, 2), karno = c(60, 80),
                                           celltype = c("squamous", "adeno")),
                            times = c(10, 30, 100)),
  lung_strata_breslow = run_case("lung", "age + ph.ecog", "ph.ecog", "breslow", strata = "sex"),
  months_efron = run_case("months", "age + sex + ph.ecog", "ph.ecog", "efron",
                          newdata = nd_lung, times = c(0, 1, 3, 6, 12, 24)),
  lungsep_efron = run_case("lungsep", "age + sex + ph.ecog", "ph.ecog", "efron", zph = FALSE),
  months_breslow = run_case("months", "age + sex + ph.ecog", "ph.ecog", "breslow",
                            newdata = nd_lung, times = c(0, 6, 12, 24))
)

meta <- list(
  generated_by = "tests/reference/cox.R",
  R = R.version.string,
  survival = as.character(packageVersion("survival")),
  notes = paste("coxph defaults: coxph.control(eps = 1e-9, iter.max = 20);",
                "survfit.coxph default stype = 2, ctype = 1 (breslow) / 2 (efron);",
                "summary(fit)$concordance is c(C, se(C)).")
)
writeLines(toJSON(list(meta = meta, cases = cases), auto_unbox = TRUE, digits = NA,
                  pretty = TRUE, null = "null", na = "null"),
           "cox.json")
cat("wrote cox.json with", length(cases), "cases\n")
