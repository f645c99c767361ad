# Reference fixtures for the aggregate-only standard errors of cause-specific absolute risk
# (lms_prognosis.cox.CauseSpecificResult.predict_cif(..., se_method = "mstate" / "aggregate")):
# * "mstate": R's mstate (de Wreede, Fiocco & Putter, J Stat Softw 2011;38(7)),
#   msfit(..., variance = TRUE) then probtrans(..., variance = TRUE) on the stacked
#   cause-specific Cox model (Breslow and Efron ties);
# * "aggregate": the delta method of Cheng, Fine & Wei (Biometrics 1998;54:219-228) written
#   here in plain R from survival's coxph + coxph.detail (hazard, varhaz, means), Breslow ties
#   (coxph.detail's Efron means are averages over the tied deaths, not the per-death terms).
#   Rscript tests/reference/cs_aggregate.R   (from the repository root or tests/reference)
# Needs mstate (not in Debian): R CMD INSTALL -l /tmp/rlib <mstate source>, then
#   R_LIBS=/tmp/rlib Rscript tests/reference/cs_aggregate.R
# (made with mstate 0.3.3 from github:hputter/mstate commit 3ca3c5f).
# Reads data/lms_sim_cr.csv (see competing_regression.R): untied as it is, and tied as
# "time = ceiling(time)" (whole months, 120 distinct times; Python does the same).
# Writes cs_aggregate.json, with the R call beside every number.
suppressPackageStartupMessages({
  library(survival)
  library(mstate)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
if (length(script)) setwd(dirname(normalizePath(script)))
num <- function(x) unname(as.numeric(x))
mat <- function(x) unname(lapply(seq_len(nrow(x)), function(i) as.numeric(x[i, ])))

sim <- read.csv("data/lms_sim_cr.csv")
sim$grade <- factor(sim$grade, levels = c("1", "2", "3"))
tied <- sim
tied$time <- ceiling(tied$time)
datasets <- list(untied = sim, tied = tied)
tmat <- trans.comprisk(2, names = c("alive", "cause1", "cause2"))

# The stacked data set of the two cause-specific models (one row per patient and cause, the
# covariates of cause k in columns "<term>.k", 0 in the other cause's rows), as msprep +
# expand.covs build it; the right-censored form Surv(time, status) keeps it short.
stack_data <- function(d, rhs) {
  X <- model.matrix(as.formula(paste("~", rhs)), data = d)[, -1, drop = FALSE]
  long <- lapply(1:2, function(k) {
    out <- data.frame(id = seq_len(nrow(d)), time = d$time, status = as.integer(d$event == k),
                      trans = k)
    for (k2 in 1:2) for (j in colnames(X)) out[[paste0(j, ".", k2)]] <- if (k2 == k) X[, j] else 0
    out
  })
  list(long = do.call(rbind, long), terms = colnames(X))
}

case <- function(data_name, covs, ties, newdata, times) {
  d <- datasets[[data_name]]
  rhs <- paste(covs, collapse = " + ")
  st <- stack_data(d, rhs)
  xs <- as.vector(outer(st$terms, 1:2, paste, sep = "."))
  fit <- coxph(as.formula(paste("Surv(time, status) ~", paste(xs, collapse = " + "),
                                "+ strata(trans)")),
               data = st$long, ties = ties, control = coxph.control(eps = 1e-12, toler.chol = 1e-14, iter.max = 50))
  ndf <- newdata
  ndf$grade <- factor(ndf$grade, levels = levels(d$grade))
  Xn <- model.matrix(as.formula(paste("~", rhs)), data = ndf)[, -1, drop = FALSE]
  res <- lapply(seq_len(nrow(Xn)), function(i) {
    nd <- data.frame(trans = 1:2, strata = 1:2)
    for (k2 in 1:2) for (j in st$terms) nd[[paste0(j, ".", k2)]] <- ifelse(nd$trans == k2, Xn[i, j], 0)
    msf <- msfit(fit, newdata = nd, variance = TRUE, trans = tmat)
    pt <- probtrans(msf, predt = 0, variance = TRUE)[[1]]
    k <- vapply(times, function(u) max(which(pt$time <= u)), 1L)
    list(cif1 = pt$pstate2[k], cif2 = pt$pstate3[k], se1 = pt$se2[k], se2 = pt$se3[k])
  })
  pick <- function(nm) mat(do.call(rbind, lapply(res, `[[`, nm)))
  list(
    data = "data/lms_sim_cr.csv",
    python = list(covariates = I(covs), ties = ties, levels = list(grade = c("1", "2", "3")),
                  time = if (data_name == "tied") "ceiling(time)" else "time"),
    n = nrow(d), n_times = length(unique(d$time)),
    call = sprintf(paste0(
      "long: one row per patient and cause k (status = event == k, trans = k, covariates x.k); ",
      "fit <- coxph(Surv(time, status) ~ %s + strata(trans), data = long, ties = \"%s\", ",
      "control = coxph.control(eps = 1e-12)); for each patient: nd <- data.frame(trans = 1:2, ",
      "strata = 1:2, <its covariates in x.k of row k>); msf <- msfit(fit, nd, variance = TRUE, ",
      "trans = trans.comprisk(2)); pt <- probtrans(msf, predt = 0, variance = TRUE)[[1]]; ",
      "value at the last pt$time <= t"), paste(xs, collapse = " + "), ties),
    coef = list(call = "coef(fit)  (terms .1: cause 1, .2: cause 2)", names = xs,
                value = num(coef(fit))),
    newdata = newdata, times = times,
    cif = list(cause1 = list(call = "pt$pstate2 (rows: patients, columns: times)",
                             value = pick("cif1")),
               cause2 = list(call = "pt$pstate3", value = pick("cif2"))),
    se = list(cause1 = list(call = "pt$se2 (rows: patients, columns: times)", value = pick("se1")),
              cause2 = list(call = "pt$se3", value = pick("se2")))
  )
}

# ---- the delta method over the coefficients and the baseline increments (plain R) ----
# F_k(t) = sum_{u <= t} S(u-) dA_k(u), dA_j = r_j dH0_j, S(u) = prod (1 - dA_1 - dA_2).
# var F_k(t) = sum_j sum_{u <= t} c_j(u)^2 r_j^2 varhaz_j(u) + sum_j g_j' V_j g_j,
# c_j(u) = [j == k] S(u-) - (F_k(t) - F_k(u)) / (1 - dA_1(u) - dA_2(u)) (derivative of the
# product limit in dA_j(u)), g_j = sum_u c_j(u) r_j (z_j - xbar_j(u)) dH0_j(u), with
# z_j = x - fit_j$means and xbar_j = coxph.detail's means - fit_j$means (the same centring).
delta_case <- function(data_name, covs, newdata, times) {
  d <- datasets[[data_name]]
  rhs <- paste(covs, collapse = " + ")
  fits <- lapply(1:2, function(k) coxph(as.formula(sprintf("Surv(time, event == %d) ~ %s", k, rhs)),
                                       data = d, ties = "breslow",
                                       control = coxph.control(eps = 1e-12, toler.chol = 1e-14)))
  grid <- sort(unique(d$time))
  ndf <- newdata
  ndf$grade <- factor(ndf$grade, levels = levels(d$grade))
  Xn <- model.matrix(as.formula(paste("~", rhs)), data = ndf)[, -1, drop = FALSE]
  one <- function(x) {
    terms <- lapply(fits, function(f) {
      det <- coxph.detail(f)
      at <- match(det$time, grid)
      dh0 <- numeric(length(grid)); vh <- numeric(length(grid))
      xm <- matrix(0, length(grid), length(coef(f)))
      dh0[at] <- det$hazard; vh[at] <- det$varhaz
      xm[at, ] <- sweep(det$means, 2, f$means) * det$hazard  # centred as z
      z <- x - f$means
      list(r = exp(sum(z * coef(f))), z = z, dh0 = dh0, vh = vh, xdh0 = xm, V = vcov(f))
    })
    dA <- sapply(terms, function(h) h$r * h$dh0)
    tot <- rowSums(dA)
    S <- cumprod(1 - tot); Sb <- c(1, S[-length(S)])
    Fk <- apply(dA, 2, function(a) cumsum(Sb * a))
    res <- list(cif = matrix(NA, 2, length(times)), se = matrix(NA, 2, length(times)))
    for (i in seq_along(times)) {
      if (!any(grid <= times[i])) {  # before the first time: F = 0, se 0
        res$cif[, i] <- 0; res$se[, i] <- 0; next
      }
      p <- max(which(grid <= times[i]))
      for (k in 1:2) {
        v <- 0
        for (j in 1:2) {
          h <- terms[[j]]
          cc <- (j == k) * Sb[1:p] - (Fk[p, k] - Fk[1:p, k]) / (1 - tot[1:p])
          v <- v + sum(cc^2 * h$r^2 * h$vh[1:p])
          g <- h$r * colSums(cc * (outer(h$dh0[1:p], h$z) - h$xdh0[1:p, , drop = FALSE]))
          v <- v + drop(t(g) %*% h$V %*% g)
        }
        res$cif[k, i] <- Fk[p, k]; res$se[k, i] <- sqrt(v)
      }
    }
    res
  }
  res <- lapply(seq_len(nrow(Xn)), function(i) one(Xn[i, ]))
  pick <- function(nm, k) mat(do.call(rbind, lapply(res, function(r) r[[nm]][k, ])))
  list(
    data = "data/lms_sim_cr.csv",
    python = list(covariates = I(covs), ties = "breslow", levels = list(grade = c("1", "2", "3")),
                  time = if (data_name == "tied") "ceiling(time)" else "time"),
    call = sprintf(paste0(
      "fit_k <- coxph(Surv(time, event == k) ~ %s, ties = \"breslow\"); det <- coxph.detail(fit_k) ",
      "(hazard, varhaz, means on the distinct times); r_k = exp((x - fit_k$means) b_k); the ",
      "formula above (delta_case in cs_aggregate.R)"), rhs),
    newdata = newdata, times = times,
    cif = list(cause1 = list(call = "F_1(t) (rows: patients, columns: times)", value = pick("cif", 1)),
               cause2 = list(call = "F_2(t)", value = pick("cif", 2))),
    se = list(cause1 = list(call = "sqrt(var F_1(t)) (rows: patients, columns: times)",
                            value = pick("se", 1)),
              cause2 = list(call = "sqrt(var F_2(t))", value = pick("se", 2)))
  )
}

nd <- data.frame(age = c(50, 70, 63), grade = c("1", "3", "2"), size_cm = c(5, 15, 9.5))
tm <- c(0.5, 6, 12, 36, 60, 100, 119)
cases <- list(
  untied_efron = case("untied", c("age", "grade", "size_cm"), "efron", nd, tm),
  tied_breslow = case("tied", c("age", "grade", "size_cm"), "breslow", nd, tm),
  tied_efron = case("tied", c("age", "grade", "size_cm"), "efron", nd, tm)
)
delta <- list(
  untied_breslow = delta_case("untied", c("age", "grade", "size_cm"), nd, tm),
  tied_breslow = delta_case("tied", c("age", "grade", "size_cm"), nd, tm)
)
out <- list(
  made_with = list(R = R.version.string, survival = as.character(packageVersion("survival")),
                   mstate = as.character(packageVersion("mstate"))),
  mstate = cases,
  delta = delta
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null", pretty = TRUE),
           "cs_aggregate.json")
