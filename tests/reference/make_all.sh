#!/usr/bin/env bash
# Regenerate the R reference fixtures in tests/reference/*.json.
# CI does not run this: the JSON files are committed. Needs root for apt-get.
#   bash tests/reference/make_all.sh
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'library(survival); library(jsonlite); library(riskRegression); library(rms); library(cmprsk); library(mice)' >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core r-cran-survival r-cran-jsonlite r-cran-rms r-cran-riskregression r-cran-prodlim r-cran-cmprsk r-cran-mice r-cran-hmisc
fi
# datasets.R first: the other scripts read the CSVs it writes
# cs_aggregate.R needs mstate (not in Debian): install its source into a private library
# (R CMD INSTALL -l /tmp/rlib <github:hputter/mstate>) and set R_LIBS=/tmp/rlib
for script in datasets.R $(ls *.R | grep -v '^datasets.R$'); do
  echo "Rscript $script"
  Rscript "$script"
done
