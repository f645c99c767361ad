"""Benchmark: Harrell's C at n = 1e5 and 1e6, ours vs lifelines, scikit-survival and R.

Same data for all (exponential times rounded to 0.01 so there are tied times, a continuous
risk score, ~55% events). Ours is timed with the standard error (R's infinitesimal jackknife,
what ``lp.concordance`` computes) and without. scikit-survival's ``concordance_index_censored``
is quadratic and is only run at n <= --sksurv-max (default 1e5); lifelines'
``concordance_index`` at every n. R ``concordance(Surv(time, event) ~ x, reverse = TRUE)``
(which always computes its variance) is timed inside Rscript (``system.time``) in the same run
when Rscript is present.

Peak memory: ``tracemalloc`` peak of one more call each (numpy reports its arrays to
tracemalloc), ours with the standard error against lifelines, in the same process, the input
arrays allocated before. Printed side by side with the ratios (lifelines / ours for time,
ours / lifelines for memory; issue 16's goals: under 1 s and at most 2x lifelines' memory at
1e6).

    .venv/bin/python benchmarks/bench_concordance.py [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
import tracemalloc

import numpy as np
import pandas as pd

from lms_prognosis._concordance import concordance_core


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(np.exp(-x))
    c = rng.exponential(1.5, size=n)
    return pd.DataFrame({"time": np.round(np.minimum(t, c), 2) + 0.01,
                         "event": (t <= c).astype(int), "x": x})


def best_of(f, reps: int = 3) -> tuple[float, object]:
    out = None
    best = np.inf
    for _ in range(reps):
        t0 = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_mib(f) -> float:
    """tracemalloc peak (MiB) of one call of ``f``."""
    tracemalloc.start()
    f()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


R_SCRIPT = """
suppressPackageStartupMessages(library(survival))
d <- read.csv("{path}")
tm <- system.time(fit <- concordance(Surv(time, event) ~ x, data = d, reverse = TRUE))[["elapsed"]]
cat(sprintf("RESULT %.4f %.12f\\n", tm, fit$concordance))
"""


def time_r(df: pd.DataFrame) -> tuple[float, float] | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "d.csv")
        df.to_csv(path, index=False, float_format="%.17g")
        script = os.path.join(tmp, "c.R")
        with open(script, "w") as fh:
            fh.write(R_SCRIPT.format(path=path))
        out = subprocess.run(["Rscript", script], capture_output=True, text=True, timeout=900)
    for line in out.stdout.splitlines():
        if line.startswith("RESULT"):
            _, tm, c = line.split()
            return float(tm), float(c)
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--sksurv-max", type=int, default=100_000)
    args = ap.parse_args()
    from lifelines.utils import concordance_index
    from sksurv.metrics import concordance_index_censored

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"Harrell's C, {os.cpu_count()} cores, load average {load:.1f}; best of 3 "
          f"(1 for the slow competitors)")
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        d = make_data(n)
        t, e, x = d["time"].to_numpy(), d["event"].to_numpy(), d["x"].to_numpy()
        ours = lambda t=t, e=e, x=x: concordance_core(t, e, x, influence=False)  # noqa: E731
        ll = lambda t=t, e=e, x=x: concordance_index(t, -x, e)  # noqa: E731
        t_se, res = best_of(ours)
        t_nose, _ = best_of(lambda t=t, e=e, x=x: concordance_core(t, e, x, std_err=False))
        t_ll, c_ll = best_of(ll, reps=1)
        mem_ours, mem_ll = peak_mib(ours), peak_mib(ll)
        if n <= args.sksurv_max:
            t_sk, c_sk = best_of(lambda t=t, e=e, x=x: concordance_index_censored(
                e.astype(bool), t, x)[0], reps=1)
        else:
            t_sk, c_sk = np.nan, np.nan
        r = time_r(d)
        rows.append({"n": n, "ours_with_se_s": t_se, "ours_no_se_s": t_nose,
                     "R_concordance_s": r[0] if r else np.nan, "lifelines_s": t_ll,
                     "lifelines/ours": t_ll / t_se,
                     "R/ours": (r[0] / t_se) if r else np.nan,
                     "sksurv_s": t_sk, "ours_peak_MiB": mem_ours, "lifelines_peak_MiB": mem_ll,
                     "mem_ours/lifelines": mem_ours / mem_ll,
                     "c_ours": res["c"], "c_R": r[1] if r else np.nan,
                     "c_lifelines": c_ll, "c_sksurv": c_sk})
    pd.set_option("display.width", 220)
    out = pd.DataFrame(rows)
    print(out.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    print("sksurv skipped (NaN) above --sksurv-max: it is quadratic. Ours equals R's C; R "
          "always computes its variance, so compare R with ours_with_se_s.")


if __name__ == "__main__":
    main()
