# Reference numbers for lms_prognosis.nonparametric.median_follow_up, made by R itself.
# Run from tests/reference/ (make_all.sh does):  Rscript followup.R  ->  followup.json
# Median follow-up by the reverse Kaplan-Meier method (Schemper & Smith 1996): the censoring
# indicator is the "event", so survfit(Surv(time, event == 0) ~ 1); for 0/1 status this is
# R's survfit(Surv(time, 1 - status) ~ 1). A competing event (code 2) ends follow-up like a
# death does, so it is censored in the reverse curve. Every entry stores the R call ("call")
# beside its numbers: n, the number of censored patients (the reverse curve's events), and
# print.survfit's median with its confidence limits (summary(fit)$table).
suppressPackageStartupMessages({library(survival); library(jsonlite)})

shipped <- read.csv("../../lms_prognosis/data/synthetic_somatic_500.csv", stringsAsFactors = FALSE)
lung <- read.csv("data/lung.csv")
pbc <- read.csv("data/pbc.csv")
# near-ties: times 1e-11 apart are one time for R (aeqSurv, timefix = TRUE); without the
# rule the median would be 5, not 6
near <- data.frame(time = c(1, 11, 8, 3.000000000001, 9, 4.00000000001, 10.99999999999, 4, 6,
                            10, 4.00000000003, 3, 12, 3, 3, 4, 2, 6, 3, 5),
                   event = c(0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0))

out <- list()
rec <- function(name, data_name, expr, conf_type = "log", event_column = "event") {
  call <- paste(deparse(substitute(expr), width.cutoff = 500L), collapse = " ")
  fit <- eval(expr, parent.frame())
  tab <- summary(fit)$table
  out[[name]] <<- list(call = call, data = data_name, event_column = event_column,
                       conf_type = conf_type,
                       n = unname(tab["n.start"]), n_censored = unname(tab["events"]),
                       median = unname(tab["median"]), lower = unname(tab["0.95LCL"]),
                       upper = unname(tab["0.95UCL"]))
}

rec("shipped", "shipped", survfit(Surv(time, 1 - event) ~ 1, data = shipped))
rec("lung", "lung", survfit(Surv(time, event == 0) ~ 1, data = lung))
rec("lung_loglog", "lung", survfit(Surv(time, event == 0) ~ 1, data = lung, conf.type = "log-log"),
    conf_type = "log-log")
rec("lung_plain", "lung", survfit(Surv(time, event == 0) ~ 1, data = lung, conf.type = "plain"),
    conf_type = "plain")
rec("pbc_competing", "pbc", survfit(Surv(time, event_cr == 0) ~ 1, data = pbc),
    event_column = "event_cr")
rec("near_ties", "inline_near", survfit(Surv(time, event == 0) ~ 1, data = near))

out$inline <- list(near = near)
out$meta <- list(R = R.version.string, survival = as.character(packageVersion("survival")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE, na = "null"),
           "followup.json")
