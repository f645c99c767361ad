# Reference numbers for read_cohort(start_date=, end_date=), made by R itself.
# Run from tests/reference/ (make_all.sh does):  Rscript cohort_dates.R  ->  cohort_dates.json
# Writes data/cohort_dates.csv: 200 pairs of dates (1990-2024, seed 1, some across leap days)
# in the forms the reader accepts: ISO (%Y-%m-%d), dotted day first (%d.%m.%Y) and slashed
# day first (%d/%m/%Y, with a day > 12 so the order can be told). R parses each form with
# as.Date(x, format) and computes months = as.numeric(end - start) / (365.25 / 12); the call
# is stored beside the numbers. An end before the start is kept in the CSV (the reader
# excludes it); R's months there are negative.
suppressPackageStartupMessages(library(jsonlite))
set.seed(1)
n <- 200
start <- as.Date("1990-01-01") + sample(0:12000, n, replace = TRUE)
end <- start + sample(c(-30, 0:4000), n, replace = TRUE)
end[1:3] <- as.Date(c("2020-03-01", "2016-02-29", "2000-03-01"))
start[1:3] <- as.Date(c("2020-02-28", "2015-02-28", "1999-02-28"))
# day 13 or later in the first rows of the slashed form: the day/month order is then known
start[4] <- as.Date("2001-01-13")
end[5:6] <- start[5:6] - c(30, 1)  # ends before the start: excluded by the reader
df <- data.frame(
  id = sprintf("p%03d", seq_len(n)),
  event = rep(c(0L, 1L), length.out = n),
  start_iso = format(start, "%Y-%m-%d"), end_iso = format(end, "%Y-%m-%d"),
  start_dot = format(start, "%d.%m.%Y"), end_dot = format(end, "%d.%m.%Y"),
  start_slash = format(start, "%d/%m/%Y"), end_slash = format(end, "%d/%m/%Y"),
  stringsAsFactors = FALSE)
write.csv(df, "data/cohort_dates.csv", row.names = FALSE)

out <- list()
rec <- function(name, expr) {
  call <- paste(deparse(substitute(expr), width.cutoff = 500L), collapse = " ")
  months <- eval(expr, parent.frame())
  out[[name]] <<- list(call = call, id = df$id, months = months)
}
rec("iso", as.numeric(as.Date(df$end_iso, "%Y-%m-%d") - as.Date(df$start_iso, "%Y-%m-%d")) / (365.25 / 12))
rec("dot", as.numeric(as.Date(df$end_dot, "%d.%m.%Y") - as.Date(df$start_dot, "%d.%m.%Y")) / (365.25 / 12))
rec("slash", as.numeric(as.Date(df$end_slash, "%d/%m/%Y") - as.Date(df$start_slash, "%d/%m/%Y")) / (365.25 / 12))
out$r_version <- R.version.string
write_json(out, "cohort_dates.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
