"""Benchmark: how ``fit_cox`` scales from 1e6 to 1e7 rows, and where the time goes.

Issue 16 asks for linear scaling to 1e7. Each size is fitted in a fresh process (data of
``bench_cox.make_data``: 8 covariates, times on a 0.1-month grid), warmed up once, then timed
``--repeat`` times; the table gives the median wall time, the process's user and system CPU
time and its page faults per fit, and the scaling exponent ``log10(t(1e7) / t(1e6))`` (1 is
linear).

It runs twice: with glibc's default allocator settings, and with
``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` raised (glibc's documented
environment tunables). By default glibc gives every array above 32 MB back to the kernel when
it is freed, so each such temporary of the next Newton step is fresh memory that the kernel
must fault in and zero (at 1e7 rows every (n,) array is 80 MB); with the tunables raised the
process keeps and reuses that memory. The difference between the two runs is the kernel's
cost of fresh pages, not arithmetic.

    .venv/bin/python benchmarks/bench_cox_scaling.py [--sizes 1000000,10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

_FIT = """
import json, resource, statistics, sys, time, warnings
sys.path.insert(0, sys.argv[1])
from bench_cox import COVS, make_data
from lms_prognosis import fit_cox
df = make_data(int(sys.argv[2]))
warnings.simplefilter("ignore")
fit_cox(df, COVS)
walls, users, systems, faults = [], [], [], []
for _ in range(int(sys.argv[3])):
    r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    fit_cox(df, COVS)
    walls.append(time.perf_counter() - t0)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    users.append(r1.ru_utime - r0.ru_utime)
    systems.append(r1.ru_stime - r0.ru_stime)
    faults.append(r1.ru_minflt - r0.ru_minflt)
med = statistics.median
print(json.dumps({"wall": med(walls), "user": med(users), "sys": med(systems),
                  "faults": med(faults)}))
"""

#: glibc keeps freed memory up to 16 GiB instead of returning arrays > 32 MB to the kernel
_KEEP = {"MALLOC_MMAP_THRESHOLD_": str(1 << 34), "MALLOC_TRIM_THRESHOLD_": str(1 << 34)}


def run(n: int, repeat: int, keep: bool) -> dict[str, float]:
    env = dict(os.environ)
    if keep:
        env.update(_KEEP)
    with tempfile.TemporaryDirectory() as tmp:  # not the checkout's folder: the installed package
        out = subprocess.run(
            [sys.executable, "-c", _FIT, str(HERE), str(n), str(repeat)],
            capture_output=True, text=True, env=env, cwd=tmp, check=True,
        )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print(
        f"fit_cox, 8 covariates, Efron; median of {args.repeat} fits per size, each size in "
        f"a fresh process; load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'allocator':>22} {'n':>10} {'wall':>9} {'user':>9} {'system':>9} {'faults':>10}")
    for keep in (False, True):
        label = "glibc tunables raised" if keep else "glibc defaults"
        got = {n: run(n, args.repeat, keep) for n in sizes}
        for n, r in got.items():
            print(
                f"{label:>22} {n:>10,} {r['wall']:8.3f}s {r['user']:8.3f}s {r['sys']:8.3f}s "
                f"{int(r['faults']):>10,}"
            )
        if len(sizes) >= 2:
            a, b = sizes[0], sizes[-1]
            slope = math.log(got[b]["wall"] / got[a]["wall"]) / math.log(b / a)
            print(f"{label:>22} scaling exponent {a:,} -> {b:,}: {slope:.2f} (1 = linear)")


if __name__ == "__main__":
    main()
