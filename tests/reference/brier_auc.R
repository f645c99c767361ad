# Reference values for lms_prognosis.evaluate.brier_score and time_dependent_auc: the IPCW
# Brier score and the cumulative/dynamic AUC of riskRegression::Score (cens.model = "km").
# Run from tests/reference/:  Rscript brier_auc.R   -> brier_auc.json
#
# Score weights a case (event by the horizon t) by 1 / G(T_i-) and a control (time > t) by
# 1 / G(t), with G the reverse Kaplan-Meier curve of prodlim (at a tied time the events leave
# the risk set before the censorings are counted). scikit-survival weights cases by 1 / G(T_i)
# instead; the two differ when an event time equals a censoring time (lung_tied, tiny_ties).
#
# Each case stores the data (so Python reads the identical numbers), the predicted event
# probabilities Score used (predictRisk, n x times), and Brier and AUC per time, with the R
# call beside them.
suppressPackageStartupMessages({
  library(survival); library(riskRegression); library(prodlim); library(jsonlite)
})

lung <- read.csv("data/lung.csv")
lung <- lung[complete.cases(lung[, c("time", "event", "age", "sex", "ph.ecog")]), ]
lung_tied <- read.csv("data/lung_tied.csv")
lung_tied <- lung_tied[complete.cases(lung_tied[, c("time", "event", "age", "sex", "ph.ecog")]), ]
# a small hand case: censorings at the event times 2, 3 and 5, two tied risks
tiny_ties <- data.frame(time = c(1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 8),
                        event = c(1, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0))
tiny_risk <- cbind(c(0.9, 0.7, 0.2, 0.6, 0.3, 0.3, 0.5, 0.4, 0.1, 0.2, 0.45, 0.05),
                   c(0.95, 0.8, 0.3, 0.7, 0.4, 0.4, 0.6, 0.5, 0.2, 0.3, 0.55, 0.1))

cases <- list()
add_case <- function(name, data, model_call, score_call, times, covariates) {
  data <- as.data.frame(data)  # Score turns a data.frame into a data.table by reference
  fit <- eval(parse(text = model_call))
  sc <- eval(parse(text = score_call))
  risk <- if (is.matrix(fit)) fit else predictRisk(fit, newdata = data, times = times)
  brier <- sc$Brier$score[model != "Null model"]
  auc <- sc$AUC$score
  stopifnot(all.equal(brier$times, times), all.equal(auc$times, times))
  cases[[length(cases) + 1]] <<- list(
    name = name,
    model_call = model_call,
    call = score_call,
    covariates = covariates,
    data = as.list(as.data.frame(data)[, c("time", "event", covariates), drop = FALSE]),
    times = times,
    predicted_risk = unname(risk),
    brier = brier$Brier,
    auc = auc$AUC
  )
}

lung_times <- c(90, 180, 365, 540)
add_case("lung", lung,
         "coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung, x = TRUE)",
         paste0('Score(list(cox = fit), formula = Surv(time, event) ~ 1, data = lung, ',
                'metrics = c("brier", "auc"), times = c(90, 180, 365, 540), ',
                'cens.model = "km", null.model = FALSE, se.fit = FALSE)'),
         lung_times, c("age", "sex", "ph.ecog"))
add_case("lung_tied", lung_tied,
         "coxph(Surv(time, event) ~ age + sex + ph.ecog, data = lung_tied, x = TRUE)",
         paste0('Score(list(cox = fit), formula = Surv(time, event) ~ 1, data = lung_tied, ',
                'metrics = c("brier", "auc"), times = c(3, 6, 12, 18), ',
                'cens.model = "km", null.model = FALSE, se.fit = FALSE)'),
         c(3, 6, 12, 18), c("age", "sex", "ph.ecog"))
add_case("tiny_ties", tiny_ties, "tiny_risk",
         paste0('Score(list(m = tiny_risk), formula = Surv(time, event) ~ 1, data = tiny_ties, ',
                'metrics = c("brier", "auc"), times = c(3, 5), cens.model = "km", ',
                'null.model = FALSE, se.fit = FALSE)'),
         c(3, 5), character(0))

# the censoring weights themselves on tiny_ties, for the docstring's claim
g <- prodlim(Hist(time, event) ~ 1, data = tiny_ties, reverse = TRUE)
weights <- list(
  call = paste0("g <- prodlim(Hist(time, event) ~ 1, data = tiny_ties, reverse = TRUE); ",
                "predictSurvIndividual(g, lag = 1) (G(T_i-)); ",
                "predict(g, times = tiny_ties$time) (G(T_i))"),
  G_minus = predictSurvIndividual(g, lag = 1),
  G = predict(g, times = tiny_ties$time)
)

out <- list(
  meta = list(R = R.version.string,
              survival = as.character(packageVersion("survival")),
              riskRegression = as.character(packageVersion("riskRegression")),
              prodlim = as.character(packageVersion("prodlim")),
              note = paste("predicted_risk = predictRisk(fit, newdata = data, times = times):",
                           "event probability 1 - S(t), rows = patients, columns = times")),
  cases = cases,
  weights = weights
)
write(toJSON(out, digits = NA, auto_unbox = TRUE, matrix = "rowmajor", dataframe = "columns",
             pretty = FALSE),
      "brier_auc.json")
cat("wrote brier_auc.json:", length(cases), "cases\n")
