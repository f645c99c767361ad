# Reference numbers for lms_prognosis.report.table_one, made by R itself (base R + stats).
# Run from tests/reference/ (make_all.sh does):  Rscript table_one.R  ->  table_one.json
# Data: the shipped synthetic cohort (lms_prognosis/data/synthetic_somatic_500.csv).
# Every entry stores the R call that made its value ("call"). Numbers have 15 significant digits.
suppressPackageStartupMessages(library(jsonlite))

d <- read.csv("../../lms_prognosis/data/synthetic_somatic_500.csv", stringsAsFactors = FALSE)
d$grade <- factor(d$grade, levels = c("1", "2", "3"))
d$necrosis <- factor(d$necrosis, levels = c("none", "<50%", ">=50%"))
small <- d[1:36, ]  # vascular invasion by depth: an expected count < 5 -> Fisher's exact test

out <- list()
rec <- function(name, expr) {
  call <- paste(deparse(substitute(expr), width.cutoff = 500L), collapse = " ")
  out[[name]] <<- list(call = call, value = unname(eval(expr, parent.frame())))
}

# Table 1 cells: quartiles (type 7), mean and SD
rec("age_quartiles", quantile(d$age, c(0.25, 0.5, 0.75), type = 7))
rec("age_mean", mean(d$age))
rec("age_sd", sd(d$age))
rec("size_quartiles_female", quantile(d$size_cm[d$sex == "female"], c(0.25, 0.5, 0.75), type = 7))
rec("grade_counts", as.vector(table(d$grade)))

# tests by sex (two groups) and by grade (three groups)
rec("p_age_by_sex_wilcox", wilcox.test(age ~ sex, data = d)$p.value)
rec("p_size_by_sex_wilcox", wilcox.test(size_cm ~ sex, data = d)$p.value)
rec("p_age_by_grade_kruskal", kruskal.test(age ~ grade, data = d)$p.value)
rec("p_grade_by_sex_chisq", chisq.test(table(d$grade, d$sex))$p.value)
rec("p_depth_by_sex_chisq_yates", chisq.test(table(d$depth, d$sex), correct = TRUE)$p.value)
rec("p_necrosis_by_sex_chisq", chisq.test(table(d$necrosis, d$sex))$p.value)
rec("small_vi_by_depth_min_expected",
    suppressWarnings(min(chisq.test(table(small$vascular_invasion, small$depth))$expected)))
rec("p_small_vi_by_depth_fisher", fisher.test(table(small$vascular_invasion, small$depth))$p.value)

# standardised mean differences (continuous; Yang & Dalton for categorical)
smd_cont <- function(x, g) {
  a <- x[g == levels(factor(g))[1]]; b <- x[g == levels(factor(g))[2]]
  abs(mean(a) - mean(b)) / sqrt((var(a) + var(b)) / 2)
}
smd_cat <- function(x, g) {
  tab <- table(x, g)
  p <- tab[, 1] / sum(tab[, 1]); q <- tab[, 2] / sum(tab[, 2])
  p <- p[-1]; q <- q[-1]
  S <- (diag(p, length(p)) - p %o% p + diag(q, length(q)) - q %o% q) / 2
  sqrt(drop(t(p - q) %*% solve(S) %*% (p - q)))
}
rec("smd_age_by_sex", smd_cont(d$age, d$sex))
rec("smd_grade_by_sex", smd_cat(d$grade, d$sex))
rec("smd_necrosis_by_sex", smd_cat(d$necrosis, d$sex))

out$meta <- list(R = R.version.string)
writeLines(toJSON(out, auto_unbox = TRUE, digits = I(15), pretty = TRUE),
           "table_one.json")
