# Reference values for lms_prognosis._survdata.timefix: R's survival:::aeqSurv, the rule behind
# `timefix = TRUE` in survfit, survdiff, coxph and concordance (times equal up to rounding error
# are one time).  Run from tests/reference/:  Rscript timefix.R   Writes timefix.json.
# Every number is written with sprintf("%.17g"), which reads back as the identical double, so
# the Python test compares exactly (no tolerance). Each case stores the R code that built its
# vectors (`build`), the aeqSurv call (`call`), the input vectors and R's output; NA is null.
suppressPackageStartupMessages({library(survival); library(jsonlite)})

num <- function(x) ifelse(is.na(x), NA_character_, sprintf("%.17g", x))
cases <- list()
add_case <- function(name, build, call_text) {
  env <- new.env()
  eval(parse(text = build), envir = env)
  res <- tryCatch(eval(parse(text = call_text), envir = env), error = function(e) e)
  rec <- list(name = name, build = build, call = call_text)
  if (!is.null(env$start)) rec$start <- num(env$start)
  rec$time <- num(env$time)
  if (!is.null(env$tolerance)) rec$tolerance <- num(env$tolerance)
  if (inherits(res, "error")) {
    rec$error <- conditionMessage(res)
  } else {
    res <- unclass(res)
    if (is.null(env$start)) {
      rec$fixed_time <- num(res[, 1])
      rec$n_changed <- sum(res[, 1] != env$time, na.rm = TRUE)
    } else {
      rec$fixed_start <- num(res[, 1])
      rec$fixed_time <- num(res[, 2])
      rec$n_changed <- sum(res[, 1] != env$start, na.rm = TRUE) +
        sum(res[, 2] != env$time, na.rm = TRUE)
    }
  }
  cases[[length(cases) + 1]] <<- rec
}
right <- "survival:::aeqSurv(Surv(time, rep(1, length(time))))"
counting <- "survival:::aeqSurv(Surv(start, time, rep(1, length(time))))"

add_case("relative_1e-10",
         "time <- c(1, 1 * (1 + 1e-10), 2, 3, 3 * (1 + 1e-10), 5)", right)
add_case("point_three", "time <- c(0.1 + 0.2, 0.3, 0.7, 0.1 * 3, 0.2 + 0.1)", right)
add_case("first_of_run_is_kept",
         "time <- c(0.3, 0.1 + 0.2, 0.9, 0.3 * 3, 0.8 + 0.1)", right)
add_case("chain_of_small_gaps",  # each gap 1e-8 < tolerance, the run spans 4e-8 > tolerance
         "time <- c(1, 1 + 1e-8, 1 + 2e-8, 1 + 3e-8, 1 + 4e-8, 2)", right)
add_case("relative_rule_large_values",  # gap 1e-3 is far above 1.5e-8 but 1e-9 of the mean
         "time <- c(1e6, 1e6 + 1e-3, 2e6, 3e6)", right)
add_case("absolute_rule_small_values",
         "time <- c(0, 1e-9, 2e-9, 5e-9, 1)", right)
add_case("ties_with_zero", "time <- c(0, 0, 1e-12, 0.5, 0.5 + 1e-12)", right)
add_case("missing", "time <- c(NA, 4, 4 * (1 + 1e-11), 7, NA, 7 + 1e-12)", right)
# R's findInterval sends Inf to the last cut (7) when anything is merged, and leaves it when
# nothing is: lms_prognosis keeps non-finite values as they are (survival_data refuses them
# before timefix runs), so the test checks this case on the finite values only.
add_case("infinite_quirk", "time <- c(4, 4 * (1 + 1e-11), Inf, 7)", right)
add_case("grid_trap_tenths",  # 1.7 and the next double: both give 17 when multiplied by 10
         "time <- c(1.7, 1.7 + 2^-52, 2.5, 3.4)", right)
add_case("grid_trap_hundredths",
         "time <- c(0.35, 0.35 + 2^-54, 1.25, 2)", right)
# dy / mean(abs(y)) within a few ulps of the tolerance: the third value sets the mean so that
# the first gap sits on the boundary; R's long-double mean decides, and so must ours
for (k in c(-8, -2, -1, 0, 1, 2, 8)) {
  add_case(paste0("relative_boundary_", k),
           sprintf(paste("tol <- sqrt(.Machine$double.eps); y2 <- 1000 + tol * 2000;",
                         "dy <- y2 - 1000; z <- 3 * dy / tol - 2000 - dy;",
                         "z <- z + %d * 2^-41; time <- c(1000, y2, z)"), k), right)
}
add_case("grid_whole_days", "time <- c(0, 1, 1, 2, 30, 365, 3650)", right)
add_case("no_near_ties", "time <- c(0.5, 1.25, 2.125, 3.0625, 10)", right)
add_case("tolerance_argument",
         "time <- c(1, 1 + 1e-7, 1 + 1e-5, 2); tolerance <- 1e-6",
         "survival:::aeqSurv(Surv(time, rep(1, length(time))), tolerance = tolerance)")
add_case("random_exponential_with_jitter",
         paste("set.seed(11); time <- rexp(400, 1 / 60); i <- sample(400, 60);",
               "time[i[1:30]] <- time[i[31:60]] * (1 + runif(30, -1e-10, 1e-10))"), right)
add_case("random_dense",  # 20000 continuous times: R ties some by the relative rule alone
         "set.seed(12); time <- rexp(20000, 1 / 60)", right)
add_case("months_from_days", "set.seed(13); time <- sample(0:3650, 300) / 30.4375", right)
add_case("counting_start_stop",
         paste("start <- c(0, 1 * (1 + 1e-10), 2, 0, 2.5);",
               "time <- c(1, 2, 3 + 1e-12, 3, 4 * (1 + 1e-11))"), counting)
add_case("counting_negative_start",
         "start <- c(-2, -2 * (1 + 1e-11), -1, 0); time <- c(1, 1 + 1e-12, 2, 3)", counting)
add_case("counting_interval_collapses",  # (1, 1 + 1e-10] is empty once merged
         "start <- c(0, 1); time <- c(1, 1 + 1e-10)", counting)

out <- list(meta = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                        tolerance = num(sqrt(.Machine$double.eps)),
                        note = "numbers are strings in %.17g (exact doubles); null is NA"),
            cases = cases)
writeLines(toJSON(out, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null",
                  digits = NA), "timefix.json")
