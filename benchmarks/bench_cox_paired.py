"""Paired timing of ``fit_cox``: this tree against another checkout (issue 11: no slower).

Each measurement runs in a fresh process (``PYTHONPATH`` = the tree measured, working
directory a temporary folder so ``-c`` does not import the checkout it is started from), the
two trees alternating round by round so that a busy machine slows both alike. Inside a
process the data (``bench_cox.make_data`` of this tree: 8 covariates, built once per n and
read from a pickle by both trees) are fitted once to warm up, then timed ``--repeat`` times; the best of those is the process's figure.
The table gives, per n, the best over the rounds for each tree and the median over rounds of
the per-round ratio new / old of the best wall time and of the best CPU time of the process
(below 1: this tree is faster; on a shared machine the CPU ratio is the steadier one).

``--in-process`` runs both trees in one process instead (the baseline's package copied under
the name ``lms_prognosis_baseline``, its imports renamed), blocks of fits of the two
alternating: on a machine whose speed differs from process to process (a VM where two fresh
processes of the same code differ by up to 30%) the per-block ratios are much steadier. The
table then gives the best block of each and the median of the per-round ratios.

Usage::

    .venv/bin/python benchmarks/bench_cox_paired.py --baseline /tmp/old_tree \
        [--sizes 1000,10000,100000,1000000] [--rounds 5] [--in-process]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
sys.path.insert(0, str(HERE))

from bench_cox import make_data  # noqa: E402

_FIT = """
import json, sys, time, warnings
import pandas as pd
import lms_prognosis
from lms_prognosis import fit_cox
df = pd.read_pickle(sys.argv[1])
repeat = int(sys.argv[2])
covs = [c for c in df.columns if c not in ("time", "event")]
best = cpu = float("inf")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    fit_cox(df, covs)
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fit_cox(df, covs)
        best = min(best, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
print(json.dumps({"best": best, "cpu": cpu, "file": lms_prognosis.__file__}))
"""


def _run(tree: Path, data: Path, repeat: int) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    with tempfile.TemporaryDirectory() as cwd:  # not the checkout: "-c" puts cwd on sys.path
        out = subprocess.run(
            [sys.executable, "-c", _FIT, str(data), str(repeat)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            cwd=cwd,
        )
    got = json.loads(out.stdout.strip().splitlines()[-1])
    if not got["file"].startswith(str(tree)):
        raise RuntimeError(f"imported {got['file']}, not the tree {tree}")
    return float(got["best"]), float(got["cpu"])


_BOTH = """
import json, sys, time, warnings
import pandas as pd
sys.path.insert(0, sys.argv[1])
from lms_prognosis import fit_cox as new
from lms_prognosis_baseline import fit_cox as old
df = pd.read_pickle(sys.argv[2])
repeat, rounds = int(sys.argv[3]), int(sys.argv[4])
covs = [c for c in df.columns if c not in ("time", "event")]
times = {"new": [], "old": []}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    new(df, covs), old(df, covs)
    for r in range(rounds):
        for name in (("new", "old") if r % 2 == 0 else ("old", "new")):
            fit = new if name == "new" else old
            t = time.perf_counter()
            for _ in range(repeat):
                fit(df, covs)
            times[name].append((time.perf_counter() - t) / repeat)
print(json.dumps(times))
"""


def _baseline_copy(tree: Path, into: Path) -> None:
    """The baseline's package as ``lms_prognosis_baseline`` (its imports renamed)."""
    target = into / "lms_prognosis_baseline"
    shutil.copytree(tree / "lms_prognosis", target)
    for path in target.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"\blms_prognosis\b", "lms_prognosis_baseline", text), "utf-8")


def _in_process(baseline: Path, n: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _baseline_copy(baseline, Path(tmp))
        data = Path(tmp) / "data.pkl"
        make_data(n).to_pickle(data)
        env = {**os.environ, "PYTHONPATH": str(TREE)}
        out = subprocess.run(
            [sys.executable, "-c", _BOTH, tmp, str(data), str(_repeats(n) // 4 or 1), str(rounds)],
            env=env, capture_output=True, text=True, check=True, cwd=tmp,
        )  # fmt: skip
    times = json.loads(out.stdout.strip().splitlines()[-1])
    ratios = [a / b for a, b in zip(times["new"], times["old"], strict=True)]
    print(
        f"{n:>9} {min(times['new']) * 1e3:8.3f}ms {min(times['old']) * 1e3:8.3f}ms "
        f"{statistics.median(ratios):14.3f} {'':>10}   in one process, {rounds} rounds "
        f"(quartiles of the ratio {statistics.quantiles(ratios, n=4)[0]:.3f}-"
        f"{statistics.quantiles(ratios, n=4)[2]:.3f})",
        flush=True,
    )


def _repeats(n: int) -> int:
    return 200 if n <= 1_000 else 40 if n <= 10_000 else 8 if n <= 100_000 else 5


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, type=Path, help="the other checkout")
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--in-process", action="store_true", help="both trees in one process")
    args = ap.parse_args()
    trees = {"new": TREE, "old": args.baseline.resolve()}
    print(f"fit_cox, 8 covariates, Efron; load average {os.getloadavg()[0]:.2f}")
    print(f"{'n':>9} {'new best':>10} {'old best':>10} {'ratio new/old':>14} "
          f"{'CPU ratio':>10}   per-round wall ratios")  # fmt: skip
    for n in [int(float(s)) for s in args.sizes.split(",")]:
        if args.in_process:
            _in_process(trees["old"], n, max(args.rounds, 4))
            continue
        best: dict[str, list[float]] = {k: [] for k in trees}
        cpu: dict[str, list[float]] = {k: [] for k in trees}
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data.pkl"
            make_data(n).to_pickle(data)  # the same rows for both trees
            for r in range(args.rounds):
                names = list(trees) if r % 2 == 0 else list(trees)[::-1]  # alternate the first
                for name in names:
                    wall, used = _run(trees[name], data, _repeats(n))
                    best[name].append(wall)
                    cpu[name].append(used)
        ratios = [a / b for a, b in zip(best["new"], best["old"], strict=True)]
        cpu_ratios = [a / b for a, b in zip(cpu["new"], cpu["old"], strict=True)]
        shown = " ".join(f"{x:.3f}" for x in ratios)
        print(
            f"{n:>9} {min(best['new']) * 1e3:8.3f}ms {min(best['old']) * 1e3:8.3f}ms "
            f"{statistics.median(ratios):14.3f} {statistics.median(cpu_ratios):10.3f}   {shown}",
            flush=True,
        )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
