"""Benchmark: multiple imputation (lp.impute, m = 20) and its truth recovery.

1. Time: ``lp.impute(cohort, m=20)`` on simulated LMS cohorts (every covariate of the
   schema in the imputation model; aneuploidy 60% and vascular invasion 20% missing, MAR on
   grade and the outcome), n = 1,000 and 10,000; then ``lp.fit_cox(imputed, ...)`` (20 Cox
   fits + pooling). Wall time of one run each, n_jobs = 1 and 2.
2. Truth recovery: R replicates of MAR cohorts (n, m below); mean bias of the complete-case
   (CC) and pooled (MI) log hazard ratios against the truth, their Monte-Carlo SE, the mean
   model SE and the coverage of the 95% CIs.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_impute.py [--sizes 1000,10000]
        [--reps 20] [--rep-n 3000] [--rep-m 10]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import lms_prognosis as lp

MISSING = {"aneuploidy": 0.6, "vascular_invasion": 0.2}


def cohort(n: int, seed: int) -> lp.Cohort:
    return lp.simulate_cohort(n, seed=seed, missing=MISSING, missing_mechanism="MAR")


def timing(sizes: list[int]) -> pd.DataFrame:
    rows = []
    for n in sizes:
        c = cohort(n, 1)
        for n_jobs in (1, 2):
            t0 = time.perf_counter()
            imp = lp.impute(c, m=20, seed=1, n_jobs=n_jobs)
            t1 = time.perf_counter()
            lp.fit_cox(imp.map(c.truth.design_frame), c.truth.covariates)
            t2 = time.perf_counter()
            rows.append(
                {
                    "n": n,
                    "m": 20,
                    "n_jobs": n_jobs,
                    "covariates": len(imp.covariates),
                    "imputed": len(imp.imputed),
                    "impute_s": round(t1 - t0, 2),
                    "fit_and_pool_s": round(t2 - t1, 2),
                }
            )
    return pd.DataFrame(rows)


def recovery(reps: int, n: int, m: int) -> pd.DataFrame:
    rows = []
    for r in range(reps):
        c = cohort(n, 100 + r)
        truth = c.truth
        imp = lp.impute(c, m=m, seed=1)
        mi = lp.fit_cox(imp.map(truth.design_frame), truth.covariates).hazard_ratios
        cc = lp.fit_cox(truth.design_frame(c.data), truth.covariates).hazard_ratios
        for name, fit in (("CC", cc), ("MI", mi)):
            for _, row in fit.iterrows():
                rows.append(
                    {
                        "rep": r,
                        "analysis": name,
                        "term": row["term"],
                        "truth": truth.log_hr[row["term"]],
                        "coef": row["coef"],
                        "se": row["se"],
                        "covered": np.log(row["lower"]) <= truth.log_hr[row["term"]]
                        and truth.log_hr[row["term"]] <= np.log(row["upper"]),
                    }
                )
    df = pd.DataFrame(rows)
    df["error"] = df["coef"] - df["truth"]
    g = df.groupby(["term", "analysis"], sort=False)
    out = pd.DataFrame(
        {
            "truth": g["truth"].first(),
            "bias": g["error"].mean(),
            "mcse": g["error"].std() / np.sqrt(reps),
            "emp_se": g["coef"].std(),
            "model_se": g["se"].mean(),
            "coverage": g["covered"].mean(),
        }
    ).unstack("analysis")
    out.columns = [f"{a}_{s}" for s, a in out.columns]
    order = ["truth"] + [
        f"{a}_{s}" for a in ("CC", "MI") for s in ("bias", "mcse", "emp_se", "model_se", "coverage")
    ]
    out["truth"] = out.pop("CC_truth")
    return out.drop(columns="MI_truth")[order]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--rep-n", type=int, default=3000)
    parser.add_argument("--rep-m", type=int, default=10)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    pd.set_option("display.width", 200)
    print("1. time for lp.impute(m=20) and the pooled Cox fit (one run each)")
    print(timing([int(s) for s in args.sizes.split(",")]).to_string(index=False))
    print(
        f"\n2. truth recovery, {args.reps} replicates, n={args.rep_n}, m={args.rep_m}, "
        f"MAR on grade and the outcome ({MISSING})"
    )
    print(recovery(args.reps, args.rep_n, args.rep_m).round(3).to_string())


if __name__ == "__main__":
    main()
