# R side of benchmarks/run_all.py: times R's estimators on the data run_all.py wrote.
# Usage: Rscript run_all.R DATA.csv MISSING.csv OUT.csv REPEAT BOOT TAU
# Writes task, tool, seconds (median of REPEAT elapsed times), calls. A package that is not
# installed is skipped (its rows are absent); run_all.py says so in the table.
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
dm <- read.csv(args[2])
out <- args[3]
rep <- as.integer(args[4])
boot <- as.integer(args[5])
tau <- as.numeric(args[6])
suppressMessages(library(survival))
has <- function(p) requireNamespace(p, quietly = TRUE)
rows <- list()
bench <- function(task, tool, call, expr) {
  f <- function() eval(expr, envir = globalenv())
  f()  # warm-up, not timed
  t <- vapply(seq_len(rep), function(i) system.time(f())[["elapsed"]], numeric(1))
  rows[[length(rows) + 1]] <<- data.frame(task = task, tool = tool, seconds = median(t),
                                         call = call)
}
B <- function(task, tool, call) bench(task, tool, call, str2lang(call))

cox_formula <- Surv(time, event) ~ age + size_cm + mitoses + grade3 + vasc
assign("cox_formula", cox_formula, envir = globalenv())
assign("d", d, envir = globalenv())
assign("dm", dm, envir = globalenv())
assign("tau", tau, envir = globalenv())
assign("boot", boot, envir = globalenv())
fit <- coxph(cox_formula, data = d)
d$lp <- predict(fit, type = "lp")
assign("d", d, envir = globalenv())

B("kaplan_meier", "R survival", "survfit(Surv(time, event) ~ 1, data = d)")
B("logrank_test", "R survival", "survdiff(Surv(time, event) ~ grade, data = d)")
B("fit_cox", "R survival", "coxph(cox_formula, data = d, ties = 'efron')")
B("concordance", "R survival", "concordance(Surv(time, event) ~ lp, data = d, reverse = TRUE)")
B("km.rmst", "R survival", "summary(survfit(Surv(time, event) ~ 1, data = d), rmean = tau)$table")
B("fit_parametric", "R survival",
  "survreg(Surv(time, event) ~ age + size_cm + mitoses + grade3 + vasc, data = d, dist = 'weibull')")
B("fit_cause_specific", "R survival", paste(
  "list(coxph(Surv(time, ev == 1) ~ age + size_cm + mitoses + grade3 + vasc, data = d),",
  "coxph(Surv(time, ev == 2) ~ age + size_cm + mitoses + grade3 + vasc, data = d))"))
B("cumulative_incidence", "R survival",
  "survfit(Surv(time, factor(ev, 0:2)) ~ 1, data = d)")
if (has("cmprsk")) {
  suppressMessages(library(cmprsk))
  B("cumulative_incidence", "R cmprsk", "cuminc(d$time, d$ev)")
  B("gray_test", "R cmprsk", "cuminc(d$time, d$ev, d$grade)")
  B("fit_fine_gray", "R cmprsk",
    "crr(d$time, d$ev, as.matrix(d[, c('age', 'size_cm', 'mitoses', 'grade3', 'vasc')]))")
}
if (has("rms")) {
  suppressMessages(library(rms))
  B("validate", "R rms", paste(
    "validate(cph(cox_formula, data = d, x = TRUE, y = TRUE, surv = TRUE),",
    "B = boot, dxy = TRUE)"))
}
if (has("riskRegression")) {
  suppressMessages(library(riskRegression))
  fx <- coxph(cox_formula, data = d, x = TRUE)
  assign("fx", fx, envir = globalenv())
  B("brier_score", "R riskRegression", paste(
    "Score(list(cox = fx), formula = Surv(time, event) ~ 1, data = d, times = tau,",
    "metrics = 'brier', null.model = FALSE, conf.int = FALSE)"))
  B("time_dependent_auc", "R riskRegression", paste(
    "Score(list(cox = fx), formula = Surv(time, event) ~ 1, data = d, times = tau,",
    "metrics = 'auc', null.model = FALSE, conf.int = FALSE)"))
}
if (has("mice")) {
  suppressMessages(library(mice))
  B("impute+pool", "R mice", paste(
    "{dm$H <- nelsonaalen(dm, time, event);",
    "pool(with(mice(dm, m = 5, seed = 1, printFlag = FALSE),",
    "coxph(Surv(time, event) ~ age + size_cm + mitoses + grade3 + vasc)))}"))
}
write.csv(do.call(rbind, rows), out, row.names = FALSE)
