# Reference numbers for lms_prognosis.nonparametric.cif / gray: the Aalen-Johansen cumulative
# incidence of R survfit (multi-state: Surv(time, factor(event))), its infinitesimal-jackknife
# std.err and CIs, summary(fit, times=), cmprsk::cuminc's estimate and variance, and
# cmprsk::cuminc's Gray test (groups, strata, rho), made by R itself.
# Run from tests/reference/:  Rscript competing_nonparametric.R  ->  competing_nonparametric.json
# Data: data/mgus2.csv (written here from survival::mgus2: event 0 censored, 1 progression,
# 2 death without progression, as in the survival vignette), data/lms_competing.csv (a
# simulated LMS cohort, see README.md) and tiny inline data sets stored in the JSON.
# Every entry stores the R call that made its numbers ("call"); numbers have 15 significant
# digits; NA/NaN are null.
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
  library(jsonlite)
})

# ---- data ------------------------------------------------------------------------------------
m <- survival::mgus2
mgus2 <- data.frame(
  time = ifelse(m$pstat == 0, m$futime, m$ptime),
  event = ifelse(m$pstat == 0, 2 * m$death, 1),
  sex = as.character(m$sex), age = m$age, hgb = m$hgb, creat = m$creat, mspike = m$mspike
)
write.csv(mgus2, file.path("data", "mgus2.csv"), row.names = FALSE, na = "")
rd <- function(name) read.csv(file.path("data", paste0(name, ".csv")))
mgus2 <- rd("mgus2")
lms_competing <- rd("lms_competing")
lms_competing$grade <- factor(lms_competing$grade)

inline <- list(
  # ties of both causes and censorings at the same times
  ties = data.frame(time = c(1, 2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 8, 9, 10, 2, 5, 8, 8),
                    event = c(1, 2, 0, 1, 1, 0, 2, 1, 0, 1, 0, 2, 1, 0, 1, 2, 1, 2),
                    arm = c(rep("a", 7), rep("b", 7), "a", "b", "a", "b")),
  # everyone at risk at the last time has an event: S drops to 0
  allfail = data.frame(time = c(1, 2, 3, 3, 4, 5, 5, 5),
                       event = c(2, 1, 0, 1, 2, 1, 2, 1)),
  # no competing events: the curve of cause 1 is 1 - KM
  nocomp = data.frame(time = c(2, 3, 3, 5, 6, 8, 9, 11, 12, 15),
                      event = c(1, 0, 1, 1, 0, 1, 0, 1, 0, 0)),
  # group b has no competing events
  emptycause = data.frame(time = c(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
                          event = c(1, 1, 0, 1, 2, 0, 1, 1, 0, 1, 2, 1),
                          arm = rep(c("a", "b"), 6))
)
for (nm in names(inline)) assign(paste0("inline_", nm), inline[[nm]])

run <- function(call) eval(parse(text = call), envir = globalenv())
strip_label <- function(s) sub("^[^=]*=", "", s)

out <- list(
  meta = list(
    R = R.version.string,
    survival = as.character(packageVersion("survival")),
    cmprsk = as.character(packageVersion("cmprsk")),
    script = "tests/reference/competing_nonparametric.R",
    note = paste("survfit tables: summary(fit, censored = TRUE), one row per distinct time per",
                 "group, with pstate/std.err/lower/upper of each cause (state) column;",
                 "cuminc_est / cuminc_var are cuminc's est and var at the same times",
                 "(the step function's value there: findInterval on cuminc's corners).",
                 "Group labels are stratum labels without 'var='. NA/NaN are null.")
  ),
  inline = inline, cif = list(), at = list(), gray = list()
)

# ---- cumulative incidence ---------------------------------------------------------------------
cif_case <- function(name, data, group = NULL, conf.type = "log", conf.int = 0.95) {
  rhs <- if (is.null(group)) "1" else group
  call <- sprintf("survfit(Surv(time, factor(event)) ~ %s, data = %s, conf.type = '%s', conf.int = %s)",
                  rhs, data, conf.type, format(conf.int))
  fit <- run(call)
  assign(paste0("fit_", name), fit, envir = globalenv())
  s <- summary(fit, censored = TRUE)
  states <- fit$states
  causes <- states[states != "(s0)"]
  grp <- if (is.null(s$strata)) rep("all", length(s$time)) else strip_label(as.character(s$strata))
  d <- get(data)
  if (!is.null(group)) d <- d[!is.na(d[[group]]), ]
  gvec <- if (is.null(group)) rep("all", nrow(d)) else as.character(d[[group]])
  ci_call <- sprintf("cuminc(%s$time, %s$event%s)", data, data,
                     if (is.null(group)) "" else sprintf(", %s$%s", data, group))
  res <- list()
  for (k in causes) {
    j <- match(k, states)
    ce <- cv <- numeric(length(s$time))
    for (g in unique(grp)) {
      rows <- which(grp == g)
      sel <- gvec == g
      z <- cuminc(d$time[sel], d$event[sel])
      zz <- z[[paste("1", k)]]
      if (is.null(zz)) {  # no events of cause k in this group: cuminc has no curve, i.e. 0
        ce[rows] <- 0
        cv[rows] <- 0
        next
      }
      idx <- findInterval(s$time[rows], zz$time)
      ce[rows] <- zz$est[idx]
      cv[rows] <- zz$var[idx]
    }
    res[[k]] <- list(
      group = grp, time = s$time, n_risk = s$n.risk[, 1], n_event = s$n.event[, j],
      n_censor = s$n.censor, cif = s$pstate[, j], std_err = s$std.err[, j],
      lower = s$lower[, j], upper = s$upper[, j], cuminc_est = ce, cuminc_var = cv
    )
  }
  out$cif[[name]] <<- list(
    call = paste0("fit <- ", call, "; summary(fit, censored = TRUE)"),
    cuminc_call = paste0(ci_call, " (per group, evaluated at the survfit times)"),
    data = data, args = list(group = group, conf_type = conf.type, conf_level = conf.int),
    n = sum(fit$n), causes = I(as.integer(causes)), result = res
  )
}

at_case <- function(name, fit_name, times, extend = FALSE) {
  fit <- get(paste0("fit_", fit_name))
  s <- summary(fit, times = times, extend = extend)
  states <- fit$states
  causes <- states[states != "(s0)"]
  grp <- if (is.null(s$strata)) rep("all", length(s$time)) else strip_label(as.character(s$strata))
  res <- list()
  for (k in causes) {
    j <- match(k, states)
    res[[k]] <- list(group = grp, time = s$time, n_risk = s$n.risk[, 1], n_event = s$n.event[, j],
                     cif = s$pstate[, j], std_err = s$std.err[, j], lower = s$lower[, j],
                     upper = s$upper[, j])
  }
  out$at[[name]] <<- list(
    cif = fit_name, times = times, extend = extend,
    call = sprintf("summary(fit_%s, times = c(%s), extend = %s)", fit_name,
                   paste(times, collapse = ", "), extend),
    result = res
  )
}

cif_case("mgus2", "mgus2")
cif_case("mgus2_sex", "mgus2", "sex")
for (ct in c("log-log", "plain", "logit")) cif_case(paste0("mgus2_sex_", ct), "mgus2", "sex", ct)
cif_case("mgus2_90", "mgus2", conf.int = 0.9)
cif_case("lms", "lms_competing")
cif_case("lms_grade", "lms_competing", "grade")
cif_case("ties", "inline_ties", "arm")
cif_case("allfail", "inline_allfail")
cif_case("nocomp", "inline_nocomp")
cif_case("emptycause", "inline_emptycause", "arm")

at_case("mgus2_sex", "mgus2_sex", c(0, 12, 60, 120, 240, 400))
at_case("mgus2_sex_extend", "mgus2_sex", c(0, 12, 60, 120, 240, 400), TRUE)
at_case("lms_grade", "lms_grade", c(0, 12, 60, 120), TRUE)
at_case("ties", "ties", c(0, 0.5, 2, 4.5, 9.5, 20), FALSE)

# ---- Gray's test -------------------------------------------------------------------------------
gray_case <- function(name, data, group, strata = NULL, rho = 0) {
  call <- sprintf("cuminc(%s$time, %s$event, %s$%s%s, rho = %s)", data, data, data, group,
                  if (is.null(strata)) "" else sprintf(", strata = %s$%s", data, strata), rho)
  z <- run(call)
  tests <- z$Tests
  out$gray[[name]] <<- list(
    call = paste0(call, "$Tests"), data = data,
    args = list(group = group, strata = strata, rho = rho),
    cause = as.integer(rownames(tests)), chisq = unname(tests[, "stat"]),
    p = unname(tests[, "pv"]), df = unname(tests[, "df"])
  )
}
gray_case("mgus2_sex", "mgus2", "sex")
gray_case("mgus2_sex_rho1", "mgus2", "sex", rho = 1)
gray_case("lms_grade", "lms_competing", "grade")
gray_case("lms_grade_site", "lms_competing", "grade", strata = "site")
gray_case("lms_grade_site_rho", "lms_competing", "grade", strata = "site", rho = 0.5)
gray_case("ties", "inline_ties", "arm")
gray_case("emptycause", "inline_emptycause", "arm")

writeLines(toJSON(out, digits = I(15), auto_unbox = TRUE, na = "null", null = "null",
                  pretty = TRUE), "competing_nonparametric.json")
cat("wrote competing_nonparametric.json\n")
