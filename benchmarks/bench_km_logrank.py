"""Kaplan-Meier and log-rank at n = 1e6: lms_prognosis vs lifelines vs scikit-survival.

Same data for all, in one run: exponential survival in months by grade (1/2/3), uniform
censoring, times rounded to 0.1 month (as issue 4). Prints the best of ``--repeat`` wall times,
the best CPU time, the ratio of
``wall time / our wall time``, and each call's peak traced memory
(tracemalloc; numpy buffers are traced). Also prints the process's peak RSS at the end.

    .venv/bin/python benchmarks/bench_km_logrank.py [--n 1000000] [--repeat 3]

What each call computes: ours gives the full table (n at risk, events, censorings, survival,
Greenwood std error, log CI, Nelson-Aalen) per group; lifelines ``KaplanMeierFitter.fit``
(survival, log-log CI, event table) once per group; scikit-survival
``kaplan_meier_estimator(conf_type="log-log")`` once per group. Log-rank: ours k groups with
the variance matrix; lifelines ``logrank_test`` (2 groups) / ``multivariate_logrank_test``
(3 groups); scikit-survival ``compare_survival``.
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    grade = rng.choice([1, 2, 3], size=n, p=[0.2, 0.35, 0.45])
    rate = np.array([0.006, 0.012, 0.025])[grade - 1]  # per month
    t_event = rng.exponential(1.0 / rate)
    t_cens = rng.uniform(0.0, 180.0, size=n)
    time_ = np.round(np.minimum(t_event, t_cens), 1)
    event = (t_event <= t_cens).astype(np.int64)
    return pd.DataFrame({"time": time_, "event": event, "grade": grade})


def best_time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (the machine may be shared) over ``repeat`` calls."""
    fn()  # warm-up (imports, caches)
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def peak_mb(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import lifelines
    import sksurv
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test as ll_logrank
    from lifelines.statistics import multivariate_logrank_test as ll_multi
    from sksurv.compare import compare_survival
    from sksurv.nonparametric import kaplan_meier_estimator

    from lms_prognosis import __version__
    from lms_prognosis.nonparametric.km import kaplan_meier, logrank_test

    df = make_data(args.n)
    two = df[df.grade != 2]
    t, e, g = df.time.to_numpy(), df.event.to_numpy(), df.grade.to_numpy()
    y_all = np.empty(len(df), dtype=[("event", bool), ("time", float)])
    y_all["event"], y_all["time"] = e.astype(bool), t
    y_two = y_all[g != 2]
    g_two = g[g != 2]

    def ll_km_groups() -> None:
        for k in (1, 2, 3):
            m = g == k
            KaplanMeierFitter().fit(t[m], e[m])

    def sk_km_groups() -> None:
        for k in (1, 2, 3):
            m = g == k
            kaplan_meier_estimator(e[m].astype(bool), t[m], conf_type="log-log")

    tasks: dict[str, dict[str, Callable[[], object]]] = {
        "KM, 1 curve": {
            "lms_prognosis": lambda: kaplan_meier(df),
            "lifelines": lambda: KaplanMeierFitter().fit(t, e),
            "scikit-survival": lambda: kaplan_meier_estimator(e.astype(bool), t,
                                                              conf_type="log-log"),
        },
        "KM, 3 groups": {
            "lms_prognosis": lambda: kaplan_meier(df, group="grade"),
            "lifelines": ll_km_groups,
            "scikit-survival": sk_km_groups,
        },
        "log-rank, 2 groups": {
            "lms_prognosis": lambda: logrank_test(two, group="grade"),
            "lifelines": lambda: ll_logrank(two.time[two.grade == 1], two.time[two.grade == 3],
                                            two.event[two.grade == 1], two.event[two.grade == 3]),
            "scikit-survival": lambda: compare_survival(y_two, g_two),
        },
        "log-rank, 3 groups": {
            "lms_prognosis": lambda: logrank_test(df, group="grade"),
            "lifelines": lambda: ll_multi(df.time, df.grade, df.event),
            "scikit-survival": lambda: compare_survival(y_all, g),
        },
    }

    print(f"n = {args.n:,}; {df.time.nunique()} distinct times; {df.event.mean():.0%} events; "
          f"best of {args.repeat}")
    print(f"lms_prognosis {__version__}, lifelines {lifelines.__version__}, scikit-survival "
          f"{sksurv.__version__}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"Python {platform.python_version()}")
    # the three must agree before timing means anything
    ours = logrank_test(df, group="grade").chisq
    theirs = ll_multi(df.time, df.grade, df.event).test_statistic
    sk = compare_survival(y_all, g)[0]
    print(f"3-group chisq: ours {ours:.6f}, lifelines {theirs:.6f}, scikit-survival {sk:.6f}")
    km = kaplan_meier(df)
    ll = KaplanMeierFitter().fit(t, e).survival_function_.iloc[-1, 0]
    print(f"last KM value: ours {km.table.surv.iloc[-1]:.10f}, lifelines {ll:.10f}\n")

    header = (f"{'task':<20}{'library':<17}{'wall [s]':>10}{'cpu [s]':>10}{'peak MB':>10}"
              f"{'x ours':>9}")
    print(header)
    print("-" * len(header))
    summary = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for task, libs in tasks.items():
            res = {lib: (*best_time(fn, args.repeat), peak_mb(fn)) for lib, fn in libs.items()}
            base = res["lms_prognosis"][0]
            for lib, (sec, cpu, mb) in res.items():
                print(f"{task:<20}{lib:<17}{sec:>10.4f}{cpu:>10.4f}{mb:>10.1f}{sec / base:>9.1f}")
            fastest = min((r[0], lib) for lib, r in res.items() if lib != "lms_prognosis")
            summary.append((task, base, fastest))
    print()
    for task, base, (sec, lib) in summary:
        verdict = "faster" if base < sec else "SLOWER"
        print(f"{task:<20} ours {base:.4f} s vs fastest other ({lib}) {sec:.4f} s: "
              f"{sec / base:.1f}x, {verdict}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak RSS (all libraries, data included): {rss:.0f} MB")


if __name__ == "__main__":
    main()
