# Reference values for evaluation on the cumulative-incidence scale (competing risks):
#   * Brier score and time-dependent AUC with cause = : riskRegression::Score(..., cause =,
#     cens.model = "km"), on predicted risks (CIF at the horizon) read back from a CSV;
#   * Wolbers' C for a cause: survival::concordance on the data with competing events moved
#     beyond the last time (censored), truncated at the horizon (ymax);
#   * calibration of a predicted CIF at a horizon: riskRegression::plotCalibration(method =
#     "quantile", cens.method = "local") (mean predicted and Aalen-Johansen observed per
#     decile group), prodlim::jackknife pseudo-values of the Aalen-Johansen CIF, and their
#     restricted-cubic-spline smoother lm(pseudo ~ rcs(cloglog(predicted))).
# Run from tests/reference/:  Rscript competing_evaluate.R  -> competing_evaluate.json
# Writes data/competing_mgus2.csv (survival::mgus2, complete cases of the model covariates:
# time = months to progression or last contact/death, event 0 censored, 1 progression (PCM),
# 2 death without progression) with the predictions of a cause-specific Cox model (CSC) and a
# Fine-Gray model (FGR), and data/competing_lms_pred.csv (the simulated LMS cohort
# data/competing_lms.csv, whole months, many ties, with CSC predictions).
pdf(NULL)  # plotCalibration(plot = FALSE) still opens a device: no Rplots.pdf
suppressPackageStartupMessages({
  library(survival); library(riskRegression); library(prodlim); library(jsonlite); library(Hmisc)
})

m <- survival::mgus2
m$time <- ifelse(m$pstat == 1, m$ptime, m$futime)
m$event <- ifelse(m$pstat == 1, 1L, 2L * m$death)
m <- m[complete.cases(m[, c("age", "sex", "hgb", "mspike")]), c("time", "event", "age", "sex", "hgb", "mspike")]
m$sex <- as.character(m$sex)
rownames(m) <- NULL
lms <- read.csv("data/competing_lms.csv")
lms$grade <- factor(lms$grade)

times_m <- c(60, 120, 240)
times_l <- c(24, 60)
csc_m <- CSC(Hist(time, event) ~ age + sex + hgb + mspike, data = m)
fgr_m <- FGR(Hist(time, event) ~ age + sex + hgb + mspike, data = m, cause = 1)
csc_l <- CSC(Hist(time, event) ~ age + grade + size_cm + vascular_invasion, data = lms)
pred_cols <- function(fit, data, times, cause, prefix) {
  p <- predictRisk(fit, newdata = data, times = times, cause = cause)
  colnames(p) <- paste0(prefix, "_", times)
  as.data.frame(p)
}
pm <- cbind(m, pred_cols(csc_m, m, times_m, 1, "csc1"), pred_cols(csc_m, m, times_m, 2, "csc2"),
            pred_cols(fgr_m, m, times_m, 1, "fgr1"))
pl <- cbind(lms, pred_cols(csc_l, lms, times_l, 1, "csc1"), pred_cols(csc_l, lms, times_l, 2, "csc2"))
write.csv(pm, "data/competing_mgus2.csv", row.names = FALSE, na = "")
write.csv(pl, "data/competing_lms_pred.csv", row.names = FALSE, na = "")
# read back: R and Python score the identical (15-digit) numbers
pm <- read.csv("data/competing_mgus2.csv")
pl <- read.csv("data/competing_lms_pred.csv")

cases <- list()
score_case <- function(name, data_name, d, prefix, times, cause) {
  cols <- paste0(prefix, "_", times)
  call <- sprintf(paste0('Score(list(model = as.matrix(d[, c(%s)])), formula = Hist(time, event) ~ 1, ',
                         'data = d, times = c(%s), cause = %d, metrics = c("auc", "brier"), ',
                         'cens.model = "km", null.model = FALSE, se.fit = FALSE, plots = "calibration")'),
                  paste0('"', cols, '"', collapse = ", "), paste(times, collapse = ", "), cause)
  sc <- eval(parse(text = call))
  res <- list(name = name, data = data_name, call = call, columns = cols, times = times,
              cause = cause, n = nrow(d),
              brier = sc$Brier$score$Brier, auc = sc$AUC$score$AUC)
  # Wolbers' C at each horizon, risk = predicted CIF at that horizon
  d$time_w <- ifelse(d$event != 0 & d$event != cause, max(d$time) + 1, d$time)
  d$status_w <- as.integer(d$event == cause)
  res$wolbers_call <- paste0('concordance(Surv(time_w, status_w) ~ risk, data = d, ymax = tau, ',
                             'reverse = TRUE); time_w = ifelse(event != 0 & event != cause, ',
                             'max(time) + 1, time), status_w = (event == cause), risk = predicted CIF at tau')
  res$wolbers <- lapply(seq_along(times), function(j) {
    d$risk <- d[[cols[j]]]
    f <- concordance(Surv(time_w, status_w) ~ risk, data = d, ymax = times[j], reverse = TRUE)
    list(tau = times[j], concordance = unname(f$concordance), var = unname(f$var),
         concordant = unname(f$count["concordant"]), discordant = unname(f$count["discordant"]),
         tied_x = unname(f$count["tied.x"]), tied_y = unname(f$count["tied.y"]))
  })
  # calibration at each horizon
  res$calibration <- lapply(seq_along(times), function(j) {
    tp <- times[j]
    pc <- plotCalibration(sc, times = tp, method = "quantile", q = 10, cens.method = "local",
                          plot = FALSE)$plotFrames$model
    fit <- prodlim(Hist(time, event) ~ 1, data = d)
    pv <- as.numeric(jackknife(fit, times = tp, cause = cause))
    aj <- as.numeric(predict(fit, times = tp, cause = cause, type = "cuminc"))
    pred <- d[[cols[j]]]
    cll <- log(-log(1 - pred))
    kn <- quantile(cll, c(0.1, 0.5, 0.9))
    sm <- lm(pv ~ rcspline.eval(cll, knots = kn, inclx = TRUE))
    list(time_point = tp,
         grouped_call = sprintf('plotCalibration(score, times = %s, method = "quantile", q = 10, cens.method = "local", plot = FALSE)$plotFrames$model', tp),
         grouped_predicted = unname(pc$Pred), grouped_observed = unname(pc$Obs),
         aalen_johansen_call = sprintf('predict(prodlim(Hist(time, event) ~ 1, data = d), times = %s, cause = %d, type = "cuminc")', tp, cause),
         aalen_johansen = aj,
         pseudo_call = sprintf('jackknife(prodlim(Hist(time, event) ~ 1, data = d), times = %s, cause = %d)', tp, cause),
         pseudo = pv,
         smooth_call = 'lm(pseudo ~ rcspline.eval(cll, knots = quantile(cll, c(0.1, 0.5, 0.9)), inclx = TRUE)); cll = log(-log(1 - predicted))',
         smooth_fitted = unname(fitted(sm)),
         ici = mean(abs(fitted(sm) - pred)), e50 = median(abs(fitted(sm) - pred)),
         e90 = unname(quantile(abs(fitted(sm) - pred), 0.9)))
  })
  cases[[length(cases) + 1]] <<- res
}
score_case("mgus2_csc_cause1", "competing_mgus2", pm, "csc1", times_m, 1)
score_case("mgus2_csc_cause2", "competing_mgus2", pm, "csc2", times_m, 2)
score_case("mgus2_fgr_cause1", "competing_mgus2", pm, "fgr1", times_m, 1)
score_case("lms_csc_cause1", "competing_lms_pred", pl, "csc1", times_l, 1)
score_case("lms_csc_cause2", "competing_lms_pred", pl, "csc2", times_l, 2)

out <- list(
  generated_by = "tests/reference/competing_evaluate.R",
  r_version = R.version.string,
  versions = list(survival = as.character(packageVersion("survival")),
                  riskRegression = as.character(packageVersion("riskRegression")),
                  prodlim = as.character(packageVersion("prodlim"))),
  note = paste("Predicted risks are columns <prefix>_<time> of data/<data>.csv (CIF of the cause at",
               "that horizon). Score: cens.model = 'km' (reverse Kaplan-Meier; competing events are",
               "not censorings). Models: mgus2 CSC/FGR(Hist(time, event) ~ age + sex + hgb + mspike);",
               "LMS CSC(Hist(time, event) ~ age + grade + size_cm + vascular_invasion)."),
  cases = cases
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "competing_evaluate.json")
cat(sprintf("competing_evaluate.json: %d cases\n", length(cases)))
