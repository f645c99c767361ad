"""Benchmark: Cox Efron fit with 8 covariates, ours vs lifelines and scikit-survival.

Same data for all three (times rounded to 0.1 month, ~60% events), n in 1e3 .. 1e6. Prints a
table of median wall times (and our CPU time), the ratio of the fastest competitor to ours
(> 1 means we are faster), the largest coefficient difference to them, and our peak traced
memory (tracemalloc; numpy allocations are traced).

    .venv/bin/python benchmarks/bench_cox.py [--sizes 1000,10000,100000,1000000]

scikit-survival's CoxPHSurvivalAnalysis is skipped at n >= --sksurv-max (default 1e5:
about 20 s per fit at 1e6 on a 2-core machine), and said so in the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from lms_prognosis.cox.fit import fit_cox

P = 8
COVS = [f"x{i}" for i in range(P)]


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, P))
    x[:, 0] = rng.normal(60, 10, n)  # an age-like covariate (not centred)
    x[:, 1] = rng.random(n) < 0.4  # a binary one
    beta = np.array([0.02, 0.5, -0.3, 0.2, 0.1, -0.1, 0.05, 0.0])
    lin = (x - x.mean(axis=0)) @ beta
    t = rng.exponential(40 * np.exp(-lin))
    c = rng.uniform(6, 120, n)
    df = pd.DataFrame(x, columns=COVS)
    df["time"] = np.maximum(np.round(np.minimum(t, c), 1), 0.1)
    df["event"] = (t <= c).astype(int)
    return df


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cpu_timed(fn, repeat: int) -> float:
    """Median CPU time of this process (user + system, all threads) per call."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def ours(df: pd.DataFrame) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_cox(df, COVS, ties="efron").coef.to_numpy()


def lifelines_fit(df: pd.DataFrame) -> np.ndarray:
    from lifelines import CoxPHFitter

    return CoxPHFitter().fit(df[[*COVS, "time", "event"]], "time", "event").params_.to_numpy()


def sksurv_fit(df: pd.DataFrame) -> np.ndarray:
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.util import Surv

    y = Surv.from_arrays(df["event"].astype(bool).to_numpy(), df["time"].to_numpy())
    model = CoxPHSurvivalAnalysis(ties="efron")
    model.fit(df[COVS].to_numpy(), y)
    return model.coef_


def peak_memory(df: pd.DataFrame) -> float:
    tracemalloc.start()
    ours(df)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--sksurv-max", type=float, default=1e5)
    args = ap.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print(f"Cox PH, Efron ties, {P} covariates, times rounded to 0.1 month; "
          f"{os.cpu_count()} CPUs; median wall time")
    header = (f"{'n':>9} {'ours':>10} {'ours cpu':>10} {'lifelines':>10} {'sksurv':>10} "
              f"{'fastest/ours':>13} {'max|dcoef|':>11} {'our peak MiB':>13}")
    print(header)
    print("-" * len(header))
    for n in sizes:
        df = make_data(n)
        repeat = 20 if n <= 1e3 else 7 if n <= 1e4 else 3 if n <= 1e5 else 2
        b_ours = ours(df)  # warm-up
        t_ours = timed(lambda df=df: ours(df), repeat)
        c_ours = cpu_timed(lambda df=df: ours(df), repeat)
        b_ll = lifelines_fit(df)
        t_ll = timed(lambda df=df: lifelines_fit(df), max(1, repeat // 2))
        if n < args.sksurv_max * 1.0001:
            b_sk = sksurv_fit(df)
            t_sk = timed(lambda df=df: sksurv_fit(df), max(1, repeat // 2))
            sk = f"{t_sk * 1e3:8.1f}ms"
            diff = max(np.max(np.abs(b_ours - b_ll)), np.max(np.abs(b_ours - b_sk)))
        else:
            t_sk = float("inf")
            sk = "   skipped"
            diff = np.max(np.abs(b_ours - b_ll))
        fastest = min(t_ll, t_sk)
        mem = peak_memory(df)
        print(f"{n:>9} {t_ours * 1e3:8.1f}ms {c_ours * 1e3:8.1f}ms {t_ll * 1e3:8.1f}ms {sk} "
              f"{fastest / t_ours:12.1f}x "
              f"{diff:11.1e} {mem:13.0f}")
    print(f"sksurv skipped at n > {args.sksurv_max:g} (its Efron fit takes ~20 s at 1e6 on 2 "
          "cores, per issue 4).")
    print("Wall times are for the same data in the same run; 'ours cpu' is our process CPU "
          "time, a guide when the machine is shared.")


if __name__ == "__main__":
    main()
