# Reference values for lms_prognosis.evaluate.concordance (Harrell's and Uno's C, R's tie rules
# and infinitesimal-jackknife variance).  Run from tests/reference/:  Rscript concordance.R
# Writes concordance.json: one record per case with the R call, the data it used (so Python
# reads the identical numbers), the counts, the concordance and R's `var` (IJ variance).
# Convention: the predictor is a *risk* (larger = shorter survival), hence reverse = TRUE.
suppressPackageStartupMessages({library(survival); library(jsonlite)})

lung <- read.csv("data/lung.csv")
veteran <- read.csv("data/veteran.csv")
lung_tied <- read.csv("data/lung_tied.csv")

cases <- list()
add_case <- function(name, data, xname, call_text) {
  fit <- eval(parse(text = call_text))
  keep <- !is.na(data[[xname]])
  cases[[length(cases) + 1]] <<- list(
    name = name,
    call = call_text,
    time = data$time[keep], event = data$event[keep], x = data[[xname]][keep],
    concordance = unname(fit$concordance),
    var = unname(fit$var),
    concordant = unname(fit$count["concordant"]),
    discordant = unname(fit$count["discordant"]),
    tied_x = unname(fit$count["tied.x"]),
    tied_y = unname(fit$count["tied.y"]),
    tied_xy = unname(fit$count["tied.xy"])
  )
}

tiny1 <- data.frame(time = c(1, 2, 2, 3, 4), event = c(1, 1, 0, 1, 0), x = c(5, 3, 3, 3, 1))
tiny2 <- data.frame(time = c(2, 2, 3), event = c(1, 1, 1), x = c(2, 1, 1))
tiny3 <- data.frame(time = c(1, 1, 2, 3, 3, 5), event = c(1, 0, 1, 1, 1, 0),
                    x = c(0.5, 0.2, 0.9, 0.1, 0.1, 0.3))
for (tw in c("n", "S", "S/G", "n/G2")) {
  add_case(paste0("tiny1_", tw), tiny1, "x",
           sprintf('concordance(Surv(time, event) ~ x, data = tiny1, timewt = "%s", reverse = TRUE)', tw))
  add_case(paste0("tiny3_", tw), tiny3, "x",
           sprintf('concordance(Surv(time, event) ~ x, data = tiny3, timewt = "%s", reverse = TRUE)', tw))
}
add_case("tiny2_n", tiny2, "x",
         'concordance(Surv(time, event) ~ x, data = tiny2, timewt = "n", reverse = TRUE)')

for (tw in c("n", "S", "S/G", "n/G2")) {
  add_case(paste0("lung_age_", tw), lung, "age",
           sprintf('concordance(Surv(time, event) ~ age, data = lung, timewt = "%s", reverse = TRUE)', tw))
  add_case(paste0("lung_ecog_", tw), lung, "ph.ecog",
           sprintf('concordance(Surv(time, event) ~ ph.ecog, data = lung, timewt = "%s", reverse = TRUE)', tw))
  add_case(paste0("veteran_karno_", tw), veteran, "karno",
           sprintf('concordance(Surv(time, event) ~ karno, data = veteran, timewt = "%s", reverse = FALSE)', tw))
  add_case(paste0("lung_tied_ecog_", tw), lung_tied, "ph.ecog",
           sprintf('concordance(Surv(time, event) ~ ph.ecog, data = lung_tied, timewt = "%s", reverse = TRUE)', tw))
}
# Uno's C with truncation tau (R: ymax)
add_case("lung_age_nG2_ymax365", lung, "age",
         'concordance(Surv(time, event) ~ age, data = lung, timewt = "n/G2", ymax = 365, reverse = TRUE)')
add_case("veteran_karno_nG2_ymax200", veteran, "karno",
         'concordance(Surv(time, event) ~ karno, data = veteran, timewt = "n/G2", ymax = 200, reverse = FALSE)')
add_case("lung_ecog_n_ymax500", lung, "ph.ecog",
         'concordance(Surv(time, event) ~ ph.ecog, data = lung, timewt = "n", ymax = 500, reverse = TRUE)')

out <- list(
  generated_by = "tests/reference/concordance.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  note = "reverse = TRUE: x is a risk score (larger = shorter survival). veteran karno uses reverse = FALSE (higher Karnofsky = longer survival), i.e. risk = -karno.",
  cases = cases
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "concordance.json")
cat(sprintf("concordance.json: %d cases\n", length(cases)))
