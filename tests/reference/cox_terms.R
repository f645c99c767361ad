# Reference fixtures for formula terms, case weights, clusters and (start, stop] data in
# lms_prognosis.cox.fit_cox, made by R's survival, splines and rms packages.
#   Rscript tests/reference/cox_terms.R     (run from the repository root or tests/reference)
# Writes tests/reference/cox_terms.json and data/cox_terms_lung.csv, data/cox_terms_heart.csv.
# Every number sits next to the R call that produced it ("call" fields); "python" gives the
# fit_cox arguments that express the same model.
suppressPackageStartupMessages({
  library(survival)
  library(splines)
  library(rms)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
if (length(script)) setwd(dirname(normalizePath(script)))

num <- function(x) unname(as.numeric(x))
mat <- function(x) unname(lapply(seq_len(nrow(x)), function(i) as.numeric(x[i, ])))

# ---- data ----
lung0 <- read.csv("data/lung.csv")
n <- nrow(lung0)
ecog <- lung0$ph.ecog
ecog[!is.na(ecog) & ecog == 3] <- 2  # one patient with ECOG 3: merged into 2
lung <- data.frame(time = lung0$time, event = lung0$event, age = lung0$age, sex = lung0$sex,
                   sexf = ifelse(lung0$sex == 1, "male", "female"),
                   ecog = ifelse(is.na(ecog), NA, as.character(ecog)),
                   wt_loss = lung0$wt.loss, inst = lung0$inst,
                   wt = 0.5 + ((seq_len(n) - 1) %% 4) / 4)
write.csv(lung, "data/cox_terms_lung.csv", row.names = FALSE, na = "")
heart2 <- data.frame(start = heart$start, stop = heart$stop, event = heart$event,
                     age = heart$age, surgery = heart$surgery, transplant = heart$transplant,
                     id = heart$id)
write.csv(heart2, "data/cox_terms_heart.csv", row.names = FALSE, na = "")
lung <- read.csv("data/cox_terms_lung.csv", colClasses = c(ecog = "character"), na.strings = "")
lung$ecog <- factor(lung$ecog)
lung$sexf <- factor(lung$sexf)
heart2 <- read.csv("data/cox_terms_heart.csv")
pbc <- read.csv("data/pbc.csv")
pbc <- pbc[!is.na(pbc$trt), c("time", "event", "age", "bili")]
ovarian <- read.csv("data/ovarian.csv")
datasets <- list(lung = lung, heart = heart2, pbc = pbc, ovarian = ovarian)
files <- list(lung = "data/cox_terms_lung.csv", heart = "data/cox_terms_heart.csv",
              pbc = "data/pbc.csv", ovarian = "data/ovarian.csv")

wald_terms <- function(fit) {
  labs <- names(fit$assign)
  if (any(is.na(coef(fit)))) stop("NA coefficient in ", deparse(fit$call), ": ", paste(names(coef(fit)), collapse = " "))
  lapply(setNames(labs, labs), function(t) {
    j <- fit$assign[[t]]
    b <- coef(fit)[j]
    v <- vcov(fit)[j, j, drop = FALSE]
    chisq <- as.numeric(t(b) %*% solve(v, b))
    list(chisq = chisq, df = length(j), p = pchisq(chisq, length(j), lower.tail = FALSE))
  })
}

run_case <- function(data_name, rhs, python, surv = "Surv(time, event)", weights = NULL,
                     cluster = NULL, newdata = NULL, times = NULL, zph = TRUE,
                     categorical = character(0), rows = NULL, ties = "efron", strata = NULL) {
  d <- datasets[[data_name]]
  if (!is.null(rows)) d <- d[rows, ]
  fstr <- paste(surv, "~", rhs, if (!is.null(strata)) paste0("+ strata(", strata, ")") else "")
  extra <- if (ties != "efron") sprintf(", ties = \"%s\"", ties) else ""
  wt <- NULL
  cl <- NULL
  if (!is.null(weights)) { wt <- d[[weights]]; extra <- paste0(extra, ", weights = ", weights) }
  if (!is.null(cluster)) { cl <- d[[cluster]]; extra <- paste0(extra, ", cluster = ", cluster) }
  call <- sprintf("coxph(%s, data = %s%s)", fstr, data_name, extra)
  fit <- eval(bquote(coxph(as.formula(.(fstr)), data = d, weights = .(wt), cluster = .(cl),
                           ties = .(ties))))
  s <- summary(fit)
  out <- list(
    data = files[[data_name]], call = call, python = python,
    terms = names(coef(fit)),
    term_labels = names(fit$assign),
    assign = unname(lapply(fit$assign, function(j) j - 1L)),
    coef = list(call = "coef(fit)", value = num(coef(fit))),
    se = list(call = "sqrt(diag(vcov(fit)))  (robust when cluster is given)",
              value = num(sqrt(diag(vcov(fit))))),
    vcov = list(call = "vcov(fit)", value = mat(vcov(fit))),
    loglik = list(call = "fit$loglik", value = num(fit$loglik)),
    n = list(call = "fit$n", value = fit$n),
    nevent = list(call = "fit$nevent", value = fit$nevent),
    means = list(call = "fit$means", value = num(fit$means)),
    score = list(call = "fit$score", value = num(fit$score)),
    wald = list(call = "fit$wald.test", value = num(fit$wald.test)),
    concordance = list(call = "summary(fit)$concordance", value = num(s$concordance)),
    wald_terms = list(call = "t(b) %*% solve(vcov(fit)[j, j], b) for j = fit$assign[[term]]",
                      value = wald_terms(fit))
  )
  if (!is.null(fit$naive.var)) {
    out$naive_se <- list(call = "sqrt(diag(fit$naive.var))", value = num(sqrt(diag(fit$naive.var))))
    out$robust_score <- list(call = "fit$rscore  (robust score test)", value = num(fit$rscore))
  }
  if (!is.null(newdata)) {
    out$newdata <- newdata
    nd <- as.data.frame(newdata)
    for (v in categorical) nd[[v]] <- factor(nd[[v]], levels = levels(d[[v]]))
    out$predict_lp <- list(call = "predict(fit, newdata = nd, type = 'lp', reference = 'sample')",
                           value = num(predict(fit, newdata = nd, type = "lp",
                                               reference = "sample")))
    out$times <- times
    sf <- survfit(fit, newdata = nd)
    ss <- summary(sf, times = times)
    out$survfit <- list(call = "summary(survfit(fit, newdata = nd), times = times)",
                        layout = "rows: times; columns: newdata rows",
                        time = num(ss$time), surv = mat(as.matrix(ss$surv)),
                        std_err = mat(as.matrix(ss$std.err)), lower = mat(as.matrix(ss$lower)),
                        upper = mat(as.matrix(ss$upper)), cumhaz = mat(as.matrix(ss$cumhaz)))
  }
  if (zph) {
    z <- cox.zph(fit)
    out$zph <- list(call = "cox.zph(fit)", terms = rownames(z$table),
                    chisq = num(z$table[, "chisq"]), df = num(z$table[, "df"]),
                    p = num(z$table[, "p"]))
  }
  out
}

nd_lung <- list(age = c(30, 50, 65, 90), sex = c(1, 2, 1, 2), ecog = c("0", "1", "2", "1"),
                sexf = c("male", "female", "male", "female"), wt_loss = c(0, 10, 20, 60))
lung_times <- c(90, 180, 365, 730)
cases <- list(
  lung_interaction = run_case("lung", "age + ecog + age:ecog + sex",
                              list(covariates = I(c("age", "ecog", "age:ecog", "sex"))),
                              newdata = nd_lung, times = lung_times, categorical = "ecog"),
  lung_star = run_case("lung", "age * sex + ecog", list(covariates = I(c("age*sex", "ecog"))),
                       newdata = nd_lung, times = lung_times, categorical = "ecog"),
  lung_interaction_only = run_case("lung", "age:ecog + sex",
                                   list(covariates = I(c("age:ecog", "sex"))), zph = TRUE),
  lung_factor_factor = run_case("lung", "ecog * sexf + age",
                                list(covariates = I(c("ecog*sexf", "age"))),
                                newdata = nd_lung, times = lung_times,
                                categorical = c("ecog", "sexf")),
  lung_ns = run_case("lung", "ns(age, df = 3) + sex",
                     list(covariates = I(c("ns(age, df=3)", "sex"))),
                     newdata = nd_lung, times = lung_times),
  lung_ns_knots = run_case("lung", "ns(age, knots = c(55, 65, 70)) + sex",
                           list(covariates = I(c("ns(age, knots=[55, 65, 70])", "sex"))),
                           newdata = nd_lung, times = lung_times),
  lung_rcs = run_case("lung", "rcs(age, 4) + sex", list(covariates = I(c("rcs(age, 4)", "sex"))),
                      newdata = nd_lung, times = lung_times),
  lung_ns_missing = run_case("lung", "ns(wt_loss, df = 3) + ecog",
                             list(covariates = I(c("ns(wt_loss, df=3)", "ecog")))),
  pbc_ns = run_case("pbc", "ns(bili, df = 4) + age",
                    list(covariates = I(c("ns(bili, df=4)", "age"))),
                    newdata = list(bili = c(0.5, 2, 10, 30), age = c(40, 50, 60, 70)),
                    times = c(365, 1825, 3650)),
  pbc_rcs = run_case("pbc", "rcs(bili, 5) + age", list(covariates = I(c("rcs(bili, 5)", "age"))),
                     newdata = list(bili = c(0.5, 2, 10, 30), age = c(40, 50, 60, 70)),
                     times = c(365, 1825, 3650)),
  ovarian_rcs = run_case("ovarian", "rcs(age, 3)", list(covariates = I(c("rcs(age, 3)")))),
  lung_weights = run_case("lung", "age + sex + ecog",
                          list(covariates = I(c("age", "sex", "ecog")), weights = "wt"),
                          weights = "wt", newdata = nd_lung, times = lung_times,
                          categorical = "ecog"),
  lung_cluster = run_case("lung", "age + sex + ecog",
                          list(covariates = I(c("age", "sex", "ecog")), cluster = "inst"),
                          cluster = "inst", newdata = nd_lung, times = lung_times,
                          categorical = "ecog"),
  lung_weights_cluster = run_case("lung", "ns(age, df = 3) + sex",
                                  list(covariates = I(c("ns(age, df=3)", "sex")), weights = "wt",
                                       cluster = "inst"),
                                  weights = "wt", cluster = "inst", newdata = nd_lung,
                                  times = lung_times),
  heart = run_case("heart", "age + surgery + transplant",
                   list(covariates = I(c("age", "surgery", "transplant")), start = "start",
                        time = "stop"),
                   surv = "Surv(start, stop, event)",
                   newdata = list(age = c(-10, 0, 5), surgery = c(0, 1, 0),
                                  transplant = c(0, 1, 1)),
                   times = c(10, 50, 200, 1000)),
  heart_cluster = run_case("heart", "age * transplant + surgery",
                           list(covariates = I(c("age*transplant", "surgery")), start = "start",
                                time = "stop", cluster = "id"),
                           surv = "Surv(start, stop, event)", cluster = "id",
                           newdata = list(age = c(-10, 0, 5), surgery = c(0, 1, 0),
                                          transplant = c(0, 1, 1)),
                           times = c(10, 50, 200, 1000)),
  lung_weights_breslow = run_case("lung", "age + sex + ecog",
                                  list(covariates = I(c("age", "sex", "ecog")), weights = "wt",
                                       ties = "breslow"),
                                  weights = "wt", ties = "breslow", newdata = nd_lung,
                                  times = lung_times, categorical = "ecog"),
  lung_strata_weights_cluster = run_case("lung", "rcs(age, 4) + ecog",
                                         list(covariates = I(c("rcs(age, 4)", "ecog")),
                                              weights = "wt", cluster = "inst", strata = "sex"),
                                         weights = "wt", cluster = "inst", strata = "sex"),
  heart_strata = run_case("heart", "age + transplant",
                          list(covariates = I(c("age", "transplant")), start = "start",
                               time = "stop", strata = "surgery"),
                          surv = "Surv(start, stop, event)", strata = "surgery")
)

# ---- partial effects: (X(v) - X(ref)) b and sqrt(d' V d), X from model.matrix(fit, data = nd) ----
partial <- function(data_name, rhs, python, variable, values, reference, at, categorical = character(0)) {
  d <- datasets[[data_name]]
  fit <- coxph(as.formula(paste("Surv(time, event) ~", rhs)), data = d)
  nd <- as.data.frame(c(list(time = 1, event = 1), at))[rep(1, length(values) + 1), , drop = FALSE]
  nd[[variable]] <- c(values, reference)
  for (v in categorical) nd[[v]] <- factor(nd[[v]], levels = levels(d[[v]]))
  X <- model.matrix(fit, data = nd)
  D <- sweep(X[seq_along(values), , drop = FALSE], 2, X[length(values) + 1, ])
  lhr <- as.numeric(D %*% coef(fit))
  se <- sqrt(rowSums((D %*% vcov(fit)) * D))
  list(call = sprintf("coxph(Surv(time, event) ~ %s, data = %s); D = model.matrix(fit, data = nd) - reference row; D %%*%% coef(fit); sqrt(diag(D %%*%% vcov(fit) %%*%% t(D)))", rhs, data_name),
       data = files[[data_name]], python = python, variable = variable, values = values,
       reference = reference, at = at, log_hr = lhr, se = se)
}
partials <- list(
  lung_rcs = partial("lung", "rcs(age, 4) + sex", I(c("rcs(age, 4)", "sex")), "age",
                     c(35, 45, 55, 65, 75, 85), 60, list(sex = 1)),
  lung_ns = partial("lung", "ns(age, df = 3) + sex", I(c("ns(age, df=3)", "sex")), "age",
                    c(35, 45, 55, 65, 75, 85), 60, list(sex = 2)),
  lung_interaction = partial("lung", "age + ecog + age:ecog + sex",
                             I(c("age", "ecog", "age:ecog", "sex")), "age",
                             c(45, 55, 65, 75), 60, list(sex = 1, ecog = "1"), "ecog")
)

# ---- the bases themselves ----
x_lung <- lung$age
x_pbc <- pbc$bili
newx <- c(30, 39, 50, 60, 70, 82, 95)
nsb <- function(x, df, newx) {
  b <- ns(x, df = df)
  list(call = sprintf("ns(x, df = %d); predict(basis, newx)", df), df = df,
       knots = num(attr(b, "knots")), boundary = num(attr(b, "Boundary.knots")),
       newx = newx, basis = mat(predict(b, newx)))
}
rcsb <- function(x, nk, newx) {
  k <- rcspline.eval(x, nk = nk, knots.only = TRUE)
  list(call = sprintf("rcspline.eval(x, nk = %d, knots.only = TRUE); rcspline.eval(newx, knots, inclx = TRUE)", nk),
       nk = nk, knots = num(k), newx = newx,
       basis = mat(rcspline.eval(newx, knots = k, inclx = TRUE)))
}
bases <- list(
  ns_lung_age = lapply(1:5, function(df) nsb(x_lung, df, newx)),
  ns_pbc_bili = lapply(c(2, 4, 6), function(df) nsb(x_pbc, df, c(0.3, 1, 3, 10, 28, 40))),
  rcs_lung_age = lapply(3:7, function(nk) rcsb(x_lung, nk, newx)),
  rcs_pbc_bili = lapply(3:6, function(nk) rcsb(x_pbc, nk, c(0.3, 1, 3, 10, 28, 40))),
  rcs_ovarian_age = lapply(3:5, function(nk) rcsb(ovarian$age, nk, c(35, 50, 60, 75)))
)

meta <- list(
  generated_by = "tests/reference/cox_terms.R",
  R = R.version.string,
  survival = as.character(packageVersion("survival")),
  splines = as.character(packageVersion("splines")),
  rms = as.character(packageVersion("rms")),
  Hmisc = as.character(packageVersion("Hmisc")),
  notes = paste("lung: ph.ecog 3 (one patient) merged into 2; wt = 0.5 + ((row - 1) %% 4) / 4.",
                "rcs() is rms::rcs (rcspline.eval, inclx = TRUE, norm = 2).",
                "ns() and rcs() knots come from every non-missing value of the variable in",
                "the data, as model.frame evaluates them before na.omit.")
)
writeLines(toJSON(list(meta = meta, cases = cases, bases = bases, partial = partials),
                  auto_unbox = TRUE,
                  digits = NA, pretty = TRUE, null = "null", na = "null"),
           "cox_terms.json")
cat("wrote cox_terms.json with", length(cases), "cases\n")
