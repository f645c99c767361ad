#!/bin/sh
# Install R and the packages benchmarks/run_all.py compares against, from Debian's packages
# (no CRAN access needed): survival, rms, cmprsk, riskRegression, mice.
# Usage (as root): sh benchmarks/install_r.sh
set -e
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'quit(status = !all(sapply(c("survival", "rms", "cmprsk", "riskRegression", "mice"), requireNamespace, quietly = TRUE)))'; then
    echo "R and every package already installed"; exit 0
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    r-base-core r-cran-survival r-cran-rms r-cran-cmprsk r-cran-riskregression r-cran-mice
Rscript -e 'for (p in c("survival", "rms", "cmprsk", "riskRegression", "mice")) cat(p, as.character(packageVersion(p)), "\n")'
