"""Cumulative incidence at n = 1e5 and 1e6: lms_prognosis vs lifelines vs scikit-survival.

Same data for all, in one run: two competing exponential causes (death from LMS at 1/80 per
month, other causes at 1/200), uniform censoring over 15 years, times rounded to 0.1 month.
Prints, per n, the wall and CPU time of each library and the ratios ``wall / our wall`` and
``cpu / our cpu`` (the machine is shared: CPU time is the steadier of the two).
Ours is the best of ``--repeat`` calls after a warm-up; lifelines and scikit-survival are
timed once at n >= 1e6 (a single lifelines call there takes minutes), best of ``--repeat``
below.

    .venv/bin/python benchmarks/bench_cif.py [--sizes 100000,1000000] [--repeat 3]

What each call computes:
* ours: ``cumulative_incidence(df)``: every cause, n at risk, events, censorings, the
  estimate, survfit's infinitesimal-jackknife std error, log CI and cmprsk's variance;
* lifelines: ``AalenJohansenFitter().fit(t, e, event_of_interest=k)`` for k = 1 and 2 (one
  cause per fit), with its default variance and its default jitter of tied times;
* scikit-survival: ``cumulative_incidence_competing_risks(e, t, conf_type="log-log")``
  (every cause, Aalen variance, log-log CI).
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t_lms = rng.exponential(80.0, size=n)
    t_other = rng.exponential(200.0, size=n)
    t_cens = rng.uniform(0.0, 180.0, size=n)
    t_event = np.minimum(t_lms, t_other)
    event = np.where(t_cens < t_event, 0, np.where(t_lms <= t_other, 1, 2))
    return pd.DataFrame({"time": np.round(np.minimum(t_event, t_cens), 1), "event": event})


def best_time(fn: Callable[[], object], repeat: int, warm: bool) -> tuple[float, float]:
    """Best wall and CPU time over ``repeat`` calls (the machine may be shared)."""
    if warm:
        fn()
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import lifelines
    import sksurv
    from lifelines import AalenJohansenFitter
    from sksurv.nonparametric import cumulative_incidence_competing_risks

    from lms_prognosis import __version__
    from lms_prognosis.nonparametric.cif import cumulative_incidence

    print(
        f"lms_prognosis {__version__}, lifelines {lifelines.__version__}, scikit-survival "
        f"{sksurv.__version__}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"Python {platform.python_version()}"
    )
    small = make_data(1000)  # imports and first-call costs of the other libraries
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        AalenJohansenFitter(seed=1).fit(small.time, small.event, 1)
        cumulative_incidence_competing_risks(small.event.to_numpy(), small.time.to_numpy())
    header = (
        f"{'n':>10}  {'library':<17}{'wall [s]':>10}{'cpu [s]':>10}{'x ours':>9}{'cpu x ours':>12}"
    )
    summary = []
    for n in (int(s) for s in args.sizes.split(",")):
        df = make_data(n)
        t, e = df.time.to_numpy(), df.event.to_numpy()

        def ll_fits(t: np.ndarray = t, e: np.ndarray = e) -> None:
            for k in (1, 2):
                AalenJohansenFitter(seed=1).fit(t, e, k)

        tasks: dict[str, Callable[[], object]] = {
            "lms_prognosis": lambda df=df: cumulative_incidence(df),
            "scikit-survival": lambda t=t, e=e: cumulative_incidence_competing_risks(
                e, t, conf_type="log-log"
            ),
            "lifelines": ll_fits,
        }
        # the estimates must agree before timing means anything
        ours = cumulative_incidence(df).table
        last = ours[ours.cause == 1].cif.iloc[-1]
        sk = cumulative_incidence_competing_risks(e, t)[1][1, -1]
        print(
            f"\nn = {n:,}; {df.time.nunique()} distinct times; events "
            f"{np.bincount(e).tolist()} (censored, cause 1, cause 2); last CIF of cause 1: "
            f"ours {last:.10f}, scikit-survival {sk:.10f}"
        )
        print(header)
        print("-" * len(header))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = {}
            for lib, fn in tasks.items():
                ours_lib = lib == "lms_prognosis"
                rep = args.repeat if ours_lib or n < 1_000_000 else 1
                res[lib] = best_time(fn, rep, warm=ours_lib)
        base, base_cpu = res["lms_prognosis"]
        for lib, (sec, cpu) in res.items():
            print(
                f"{n:>10,}  {lib:<17}{sec:>10.4f}{cpu:>10.4f}{sec / base:>9.1f}"
                f"{cpu / base_cpu:>12.1f}"
            )
        summary.append((n, base, res))
    print()
    for n, base, res in summary:
        others = ", ".join(
            f"{lib} {sec / base:.0f}x slower" if sec > base else f"{lib} {base / sec:.1f}x faster"
            for lib, (sec, _) in res.items()
            if lib != "lms_prognosis"
        )
        print(f"n = {n:>9,}: ours {base:.4f} s; {others}")


if __name__ == "__main__":
    main()
