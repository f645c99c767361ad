# A life table to compare the simulator's other-cause mortality against (it is a design value,
# not taken from this table): R survival::survexp.us (US life tables, daily hazards by age, sex
# and calendar year), year 2010, per-year hazard = 365.25 * daily rate, at ages 50-90.
# Run from tests/reference/:  Rscript other_cause_mortality.R  -> other_cause_mortality.json
suppressPackageStartupMessages({library(survival); library(jsonlite)})
ages <- seq(50, 90, by = 5)
rate <- function(sex) unname(365.25 * survexp.us[as.character(ages), sex, "2010"])
out <- list(
  generated_by = "tests/reference/other_cause_mortality.R",
  r_version = R.version.string,
  survival_version = as.character(packageVersion("survival")),
  call = '365.25 * survexp.us[as.character(age), sex, "2010"]',
  source = "survival::survexp.us: US Decennial/annual life tables (NCHS/Census) as shipped in R survival",
  age = ages, male = rate("male"), female = rate("female")
)
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "other_cause_mortality.json")
cat("other_cause_mortality.json written\n")
