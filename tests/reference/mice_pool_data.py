"""Write the completed data sets that tests/reference/mice_pool.R pools with R's mice::pool.

    PYTHONPATH=. python tests/reference/mice_pool_data.py     (from the repository root)

The imputations are lms_prognosis's own (``lp.impute``, seeded); R only fits ``coxph`` on each
completed data set and pools them, so R and Python pool the SAME data sets. Long format as
mice's ``complete(imp, "long")``: column ``imp`` (1..m) then the data. Booleans are written as
0/1 and grade as 1/2/3 (R reads them as numbers; mice_pool.R makes grade a factor).

* ``mice_pool_sim.csv``: ``simulate_cohort(300, seed=4, missing={"aneuploidy": 0.4,
  "vascular_invasion": 0.2}, missing_mechanism="MAR")``, m = 5.
* ``mice_pool_lung.csv``: R's lung data (``data/lung.csv``; wt.loss, meal.cal, ph.karno and
  ph.ecog have missing values; one row without ph.ecog), m = 10.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

import lms_prognosis as lp

HERE = Path(__file__).resolve().parent


def long_format(imp: lp.Imputed, columns: list[str]) -> pd.DataFrame:
    parts = []
    for i, d in enumerate(imp.datasets, start=1):
        part = d[columns].copy()
        for c in columns:
            if pd.api.types.is_bool_dtype(part[c].dtype) or part[c].dtype == object:
                part[c] = part[c].astype(int)
            elif isinstance(part[c].dtype, pd.CategoricalDtype):
                part[c] = part[c].astype(str)
        part.insert(0, "imp", i)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    warnings.simplefilter("ignore")
    c = lp.simulate_cohort(
        300, seed=4, missing={"aneuploidy": 0.4, "vascular_invasion": 0.2}, missing_mechanism="MAR"
    )
    covs = ["age", "grade", "aneuploidy", "vascular_invasion", "size_cm", "necrosis"]
    imp = lp.impute(c, m=5, seed=1, covariates=covs)
    sim = long_format(imp, ["time", "event", "age", "grade", "aneuploidy", "vascular_invasion"])
    sim.to_csv(HERE / "data" / "mice_pool_sim.csv", index=False, float_format="%.15g")

    lung = pd.read_csv(HERE / "data" / "lung.csv")
    lcovs = ["age", "sex", "ph.ecog", "ph.karno", "meal.cal", "wt.loss"]
    imp = lp.impute(lung, m=10, seed=2, covariates=lcovs)
    out = long_format(imp, ["time", "event", *lcovs])
    out.to_csv(HERE / "data" / "mice_pool_lung.csv", index=False, float_format="%.15g")


if __name__ == "__main__":
    main()
