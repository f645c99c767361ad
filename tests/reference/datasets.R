# Write R's survival data sets as CSV for the Python tests (tests/reference/data/*.csv).
# Run from tests/reference/:  Rscript datasets.R   (make_all.sh runs it first, alphabetically).
# Recoding (see README.md): every file has `time` and `event` (0 = censored, 1 = event).
# R scripts that make fixtures read these CSVs back, so R and Python see identical numbers.
suppressPackageStartupMessages(library(survival))
dir.create("data", showWarnings = FALSE)
out <- function(df, name) {
  write.csv(df, file.path("data", paste0(name, ".csv")), row.names = FALSE, na = "")
  cat(sprintf("data/%s.csv: %d rows, %d columns\n", name, nrow(df), ncol(df)))
}
first_cols <- function(df) df[, c("time", "event", setdiff(names(df), c("time", "event")))]

# lung: status 1 = censored, 2 = dead  ->  event = status - 1.  time in days.
lung_csv <- survival::lung
lung_csv$event <- as.integer(lung_csv$status == 2)
lung_csv$status <- NULL
out(first_cols(lung_csv), "lung")

# veteran: status already 0/1.  time in days.  celltype levels squamous, smallcell, adeno, large.
vet <- survival::veteran
vet$event <- as.integer(vet$status)
vet$status <- NULL
vet$celltype <- as.character(vet$celltype)
out(first_cols(vet), "veteran")

# ovarian: futime -> time (days), fustat (0/1) -> event.
ova <- survival::ovarian
names(ova)[names(ova) == "futime"] <- "time"
names(ova)[names(ova) == "fustat"] <- "event"
out(first_cols(ova), "ovarian")

# colon: the death rows only (etype == 2); status already 0/1.  time in days.
col <- survival::colon[survival::colon$etype == 2, ]
col$event <- as.integer(col$status)
col$status <- NULL
col$rx <- as.character(col$rx)
out(first_cols(col), "colon")

# pbc: status 0 = censored, 1 = transplant, 2 = dead.
#   event    = 1 if dead, else 0 (transplant censored), as in the survival vignettes;
#   event_cr = package competing-risk coding: 0 censored, 1 dead, 2 transplant.
pbc_csv <- survival::pbc
pbc_csv$event <- as.integer(pbc_csv$status == 2)
pbc_csv$event_cr <- c(0L, 2L, 1L)[pbc_csv$status + 1]
pbc_csv$status <- NULL
pbc_csv$sex <- as.character(pbc_csv$sex)
out(first_cols(pbc_csv), "pbc")

# lung_tied: heavily tied, with zeros.  time = round(days / 30.4375) whole months (8 become 0),
# and rows 1, 16, 31, ... (every 15th) set to time 0 as well (events and censorings).
tied <- lung_csv
tied$time <- round(tied$time / 30.4375)
tied$time[seq(1, nrow(tied), by = 15)] <- 0
out(first_cols(tied), "lung_tied")
