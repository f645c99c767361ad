"""Benchmark: fit_cox with formula terms, case weights, clusters and (start, stop] data.

The same data as ``bench_cox.py`` (8 covariates, times to 0.1 month); one fit per variant,
median wall time of a few runs, and the ratio to the plain fit (how much each feature costs).
The concordance of a counting-process fit (computed on first access, one event time at a
time) is timed separately.

    .venv/bin/python benchmarks/bench_cox_terms.py [--sizes 1000,10000]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd
from bench_cox import COVS, make_data

from lms_prognosis.cox.fit import fit_cox


def _median_time(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def variants(df: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, list[str], dict]]:
    rng = np.random.default_rng(2)
    n = len(df)
    d = df.assign(w=rng.uniform(0.5, 2.0, n), centre=rng.integers(0, 20, n), entry=-1.0)
    terms = ["ns(x0, df=4)", "x1*x2"] + COVS[3:]
    return {
        "plain": (d, COVS, {}),
        "terms (ns + interaction)": (d, terms, {}),
        "weights": (d, COVS, {"weights": "w"}),
        "cluster (robust se)": (d, COVS, {"cluster": "centre"}),
        "start (counting process)": (d, COVS, {"start": "entry"}),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    print(f"{'n':>7} {'variant':<28} {'ms':>9} {'x plain':>8}")
    for n in (int(float(s)) for s in args.sizes.split(",")):
        base = None
        for name, (d, covs, kw) in variants(make_data(n)).items():
            fit_cox(d, covs, **kw)  # warm-up (imports formulaic once)
            t = _median_time(lambda d=d, covs=covs, kw=kw: fit_cox(d, covs, **kw), args.repeat)
            base = t if base is None else base
            print(f"{n:>7} {name:<28} {1e3 * t:>9.2f} {t / base:>8.2f}")
        d, covs, kw = variants(make_data(n))["start (counting process)"]
        fit = fit_cox(d, covs, **kw)
        t0 = time.perf_counter()
        _ = fit.concordance
        print(f"{n:>7} {'C of the counting fit':<28} {1e3 * (time.perf_counter() - t0):>9.2f}")


if __name__ == "__main__":
    main()
