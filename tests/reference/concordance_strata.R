# Reference values for lms_prognosis.evaluate.concordance(..., strata=): pairs formed within
# strata, counts summed over strata, the infinitesimal-jackknife variance of the pooled C
# (R survival::concordance(Surv(time, event) ~ x + strata(s), reverse = TRUE)).
# Run from tests/reference/:  Rscript concordance_strata.R  -> concordance_strata.json
# lung has 18 institutions (> 10 strata: R stacks them as (start, stop] data for timewt "n");
# lung$inst and lung$ph.ecog have one missing value each (left out by R's na.omit).
suppressPackageStartupMessages({library(survival); library(jsonlite)})

lung <- read.csv("data/lung.csv")
lung_tied <- read.csv("data/lung_tied.csv")
lung$w <- lung$age / 50          # case weights for the weighted cases
tiny <- data.frame(time = c(1, 2, 2, 3, 4, 5, 6, 7), event = c(1, 1, 0, 1, 0, 0, 0, 0),
                   x = c(5, 3, 3, 3, 1, 2, 1, 4), s = c("a", "a", "a", "a", "a", "b", "b", "b"))

cases <- list()
add_case <- function(name, data_name, risk, strata, call_text, timewt = "n", ymax = NULL,
                     weights = NULL) {
  fit <- eval(parse(text = call_text))
  # with <= 10 strata R keeps one row of counts per stratum (keepstrata = 10): sum them
  count <- if (is.matrix(fit$count)) colSums(fit$count) else fit$count
  cases[[length(cases) + 1]] <<- list(
    name = name, call = call_text, data = data_name, risk = risk, strata = strata,
    timewt = timewt, ymax = ymax, weights = weights,
    n = fit$n,
    concordance = unname(fit$concordance), var = unname(fit$var),
    concordant = unname(count["concordant"]), discordant = unname(count["discordant"]),
    tied_x = unname(count["tied.x"]), tied_y = unname(count["tied.y"]),
    tied_xy = unname(count["tied.xy"])
  )
}

add_case("lung_age_inst", "lung", "age", "inst",
         'concordance(Surv(time, event) ~ age + strata(inst), data = lung, reverse = TRUE)')
add_case("lung_ecog_inst", "lung", "ph.ecog", "inst",
         'concordance(Surv(time, event) ~ ph.ecog + strata(inst), data = lung, reverse = TRUE)')
add_case("lung_age_sex", "lung", "age", "sex",
         'concordance(Surv(time, event) ~ age + strata(sex), data = lung, reverse = TRUE)')
add_case("lung_ecog_sex_nG2_ymax365", "lung", "ph.ecog", "sex",
         'concordance(Surv(time, event) ~ ph.ecog + strata(sex), data = lung, timewt = "n/G2", ymax = 365, reverse = TRUE)',
         timewt = "n/G2", ymax = 365)
add_case("lung_age_sex_SG", "lung", "age", "sex",
         'concordance(Surv(time, event) ~ age + strata(sex), data = lung, timewt = "S/G", reverse = TRUE)',
         timewt = "S/G")
add_case("lung_karno_inst_weights", "lung", "ph.karno", "inst",
         'concordance(Surv(time, event) ~ ph.karno + strata(inst), data = lung, weights = w, reverse = TRUE)',
         weights = "w")
add_case("lung_tied_ecog_sex", "lung_tied", "ph.ecog", "sex",
         'concordance(Surv(time, event) ~ ph.ecog + strata(sex), data = lung_tied, reverse = TRUE)')
add_case("lung_tied_ecog_inst", "lung_tied", "ph.ecog", "inst",
         'concordance(Surv(time, event) ~ ph.ecog + strata(inst), data = lung_tied, reverse = TRUE)')
# stratum b has no event: it adds no pair and no influence
add_case("tiny_no_event_stratum", "tiny", "x", "s",
         'concordance(Surv(time, event) ~ x + strata(s), data = tiny, reverse = TRUE)')

out <- list(
  generated_by = "tests/reference/concordance_strata.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  note = paste("reverse = TRUE: x is a risk score (larger = shorter survival). Data: data/<data>.csv;",
               "lung$w = lung$age / 50; tiny is inline in `tiny`. var is R's infinitesimal-jackknife",
               "variance of the pooled C (dfbeta from every stratum against the pooled totals)."),
  tiny = tiny,
  cases = cases
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"), "concordance_strata.json")
cat(sprintf("concordance_strata.json: %d cases\n", length(cases)))
