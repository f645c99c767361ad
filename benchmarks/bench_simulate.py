"""simulate_cohort at n = 1e6 (target < 10 s), and the Harrell C of both parameter sets.

    .venv/bin/python benchmarks/bench_simulate.py [--n 1000000] [--repeat 3] [--c-n 100000]

Prints the best of ``--repeat`` wall times for ``simulate_cohort(n)`` (somatic and all-site
profiles; the one-off baseline calibration, about 0.3 s per parameter set and process, is
warmed up first and reported separately), the peak traced memory of one call, and the Harrell
C of the true linear predictor on a simulated cohort of ``--c-n`` patients for each parameter
set, next to the values the domain brief (section 6.3) expects (about 0.70 and 0.81; those
came from independent covariates, ours have grade-dependent necrosis, vascular invasion and
aneuploidy). C is computed by ``lms_prognosis.concordance`` and by lifelines'
``concordance_index`` alongside.
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc

import numpy as np

from lms_prognosis.simulate.cohorts import simulate_cohort


def best_time(fn, repeat: int) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--c-n", type=int, default=100_000)
    args = ap.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")

    t0 = time.perf_counter()
    simulate_cohort(10, seed=1)
    simulate_cohort(10, model="gustafson1992", seed=1)
    print(f"one-off baseline calibration (both sets, cached): {time.perf_counter() - t0:.2f} s")

    for profile in ("somatic", "all_site"):
        t = best_time(lambda p=profile: simulate_cohort(args.n, profile=p, seed=2), args.repeat)
        print(f"simulate_cohort(n={args.n:,}, profile={profile!r}): best of {args.repeat} "
              f"= {t:.2f} s  ({'under' if t < 10 else 'OVER'} the 10 s target; "
              f"{10 / t:.1f}x margin)")
    tracemalloc.start()
    simulate_cohort(args.n, seed=3)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"peak traced memory, n={args.n:,}: {peak / 2**20:.0f} MiB")

    from lifelines.utils import concordance_index

    from lms_prognosis.evaluate import concordance
    expected = {"default": 0.70, "gustafson1992": 0.81}
    for model, exp in expected.items():
        coh = simulate_cohort(args.c_n, model=model, seed=2026)
        d, lp = coh.data, coh.truth.linear_predictor
        c_ll = concordance_index(d["time"], -lp, d["event"])
        res = concordance(d, lp)
        line = (f"Harrell C, true LP, {model:<13} n={args.c_n:,}: lifelines {c_ll:.3f}; "
                f"lms_prognosis {res.c:.3f} (SE {res.se:.3f})")
        print(line + f"; domain 6.3 expects about {exp:.2f}; events {int(d['event'].sum()):,}")


if __name__ == "__main__":
    main()
