"""Before/after timings of the report and ``read_cohort``: this tree against another checkout.

Each measurement runs in a fresh process (``PYTHONPATH`` = the tree measured), the two trees
alternating so that a busy machine slows both alike; the median of ``--repeat`` runs of each
is printed with its CPU time (on a shared machine wall time includes waiting).

- ``report``: ``write_report`` on the shipped 500-patient cohort and on a simulated
  100,000-row one (simulation not timed). Goals (issue 16): under 5 s and under 15 s.
- ``read``: ``read_cohort`` of the clean cohort CSV of ``bench_read_cohort.py`` at 1e6 rows
  beside ``pandas.read_csv`` of the same file. Goal: at most 2x ``read_csv``.

Usage::

    .venv/bin/python benchmarks/bench_before_after.py --baseline /path/to/old/checkout
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent

_REPORT = """
import json, sys, tempfile, time
from pathlib import Path
import lms_prognosis as lp
n = int(sys.argv[1])
c = lp.load_synthetic() if n == 500 else lp.simulate_cohort(n=n, seed=1)
with tempfile.TemporaryDirectory() as d:
    t, p = time.perf_counter(), time.process_time()
    lp.write_report(c, Path(d) / "out", progress=False)
    print(json.dumps({"wall": time.perf_counter() - t, "cpu": time.process_time() - p}))
"""

_READ = """
import json, sys, time
import pandas as pd
from lms_prognosis.cohort.reader import read_cohort
path = sys.argv[1]
t, p = time.perf_counter(), time.process_time(); pd.read_csv(path)
w0, c0 = time.perf_counter() - t, time.process_time() - p
t, p = time.perf_counter(), time.process_time(); read_cohort(path)
print(json.dumps({"wall": time.perf_counter() - t, "cpu": time.process_time() - p,
                  "pandas_wall": w0, "pandas_cpu": c0}))
"""


def _run(tree: Path, code: str, arg: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "MPLBACKEND": "Agg"}
    with tempfile.TemporaryDirectory() as cwd:  # not the checkout: "-c" puts cwd on sys.path
        code = f"import lms_prognosis; assert lms_prognosis.__file__.startswith({str(tree)!r})\n{code}"
        out = subprocess.run([sys.executable, "-c", code, arg], env=env, capture_output=True,
                             text=True, check=True, cwd=cwd)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _compare(label: str, code: str, arg: str, trees: dict[str, Path], repeat: int) -> None:
    runs: dict[str, list[dict]] = {k: [] for k in trees}
    for _ in range(repeat):
        for name, tree in trees.items():
            runs[name].append(_run(tree, code, arg))
    for name, got in runs.items():
        med = {k: statistics.median(r[k] for r in got) for k in got[0]}
        extra = ""
        if "pandas_wall" in med:
            extra = (f"  read_csv {med['pandas_wall']:.3f} s wall / {med['pandas_cpu']:.3f} s "
                     f"CPU; ratio {med['wall'] / med['pandas_wall']:.2f}x wall, "
                     f"{med['cpu'] / med['pandas_cpu']:.2f}x CPU")  # fmt: skip
        print(f"{label:<28} {name:<8} median of {repeat}: {med['wall']:7.2f} s wall "
              f"{med['cpu']:7.2f} s CPU{extra}", flush=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True, help="checkout measured 'before'")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--what", default="report,read", help="report, read or both")
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of the read benchmark")
    a = ap.parse_args()
    trees = {"before": a.baseline.resolve(), "after": TREE}
    print(f"load average {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")
    if "report" in a.what:
        for n in (500, 100_000):
            _compare(f"write_report n={n:,}", _REPORT, str(n), trees, a.repeat)
    if "read" in a.what:
        sys.path.insert(0, str(HERE))
        from bench_read_cohort import make_cohort_csv

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "clean.csv"
            make_cohort_csv(path, a.rows, messy=False)
            _compare(f"read_cohort {a.rows:,} rows", _READ, str(path), trees, a.repeat)


if __name__ == "__main__":
    main()
