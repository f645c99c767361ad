"""One table: every public estimator of lms_prognosis beside lifelines, scikit-survival and R.

Every row comes from this one run on the same simulated cohort (``simulate_cohort`` with
competing risks, seed 1): the median wall time of ``--repeat`` calls after one untimed
warm-up, and ``ratio`` = time / the fastest peer's time on the same task (below 1: faster
than every peer; blank where no peer computes the same thing). R's rows are timed inside R
(``benchmarks/run_all.R``, ``system.time``, same repeats) on the same data written to CSV;
they are present when ``Rscript`` and the package are installed
(``benchmarks/install_r.sh`` installs them from Debian's packages).

What each task computes (same model, covariates and horizon for every tool):

- event: cause 1 (cause 2 counted as censored) except the competing-risk tasks;
- Cox, Weibull AFT, Fine-Gray, cause-specific: age, size_cm, mitoses, grade 3, vascular
  invasion; concordance of the Cox linear predictor; Brier/AUC of the Cox model at ``tau``;
- ``validate``: ``--boot`` bootstrap replicates (R: ``rms::validate``);
- ``impute+pool``: 20% of size_cm missing (MCAR, seed 1), m = 5, Cox pooled by Rubin's rules;
- ``report``: ``write_report`` on the cohort (nothing to compare it to);
- ``read_cohort``: the cohort written as CSV, beside ``pandas.read_csv`` of the same file.

Usage::

    .venv/bin/python benchmarks/run_all.py            # n = 5,000, 5 repeats
    .venv/bin/python benchmarks/run_all.py --quick    # n = 1,000, 3 repeats, under 2 min
    .venv/bin/python benchmarks/run_all.py --n 20000 --csv results.csv --no-r
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import lms_prognosis as lp

COVS = ["age", "size_cm", "mitoses", "grade3", "vasc"]
OURS = "lms_prognosis"
HERE = Path(__file__).resolve().parent


def make_data(n: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, Any]:
    """The numeric frame every tool reads, the same with 20% of size_cm missing, the cohort."""
    cohort = lp.simulate_cohort(n=n, seed=seed, competing_risks=True)
    c = cohort.data
    d = pd.DataFrame({
        "time": c["time"].to_numpy(float),
        "ev": c["event"].to_numpy(int),
        "age": c["age"].to_numpy(float),
        "size_cm": c["size_cm"].to_numpy(float),
        "mitoses": c["mitoses_per_10hpf"].to_numpy(float),
        "grade3": (c["grade"].astype(str) == "3").to_numpy(int),
        "vasc": c["vascular_invasion"].astype(bool).to_numpy(int),
        "grade": c["grade"].astype(str).to_numpy(),
    })  # fmt: skip
    d["event"] = (d["ev"] == 1).astype(int)
    rng = np.random.default_rng(seed)
    dm = d[["time", "event", *COVS]].copy()
    dm.loc[rng.random(n) < 0.2, "size_cm"] = np.nan
    return d, dm, cohort


def linear_predictor(d: pd.DataFrame) -> np.ndarray:
    """The Cox linear predictor every concordance/AUC row scores (larger = higher risk)."""
    risk = lp.fit_cox(d, COVS).predict_risk(d)
    return risk["linear_predictor"].to_numpy(float)


def median_time(fn: Callable[[], Any], repeat: int, warm: bool = True) -> float:
    if warm:
        fn()  # warm-up: imports, caches
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def ours(
    d: pd.DataFrame, dm: pd.DataFrame, cohort: Any, a: argparse.Namespace
) -> tuple[dict, Path]:
    cox = lp.fit_cox(d, COVS)
    dc = d.assign(lp=linear_predictor(d))
    out_dir = Path(tempfile.mkdtemp(prefix="run_all_"))
    csv = out_dir / "cohort.csv"
    cohort.data.to_csv(csv, index=False)
    counter = iter(range(10**6))
    tasks = {
        "kaplan_meier": lambda: lp.kaplan_meier(d),
        "logrank_test": lambda: lp.logrank_test(d, group="grade"),
        "fit_cox": lambda: lp.fit_cox(d, COVS),
        "concordance": lambda: lp.concordance(dc, "lp"),
        "brier_score": lambda: lp.brier_score(d, cox, a.tau),
        "time_dependent_auc": lambda: lp.time_dependent_auc(dc, "lp", a.tau),
        "calibration": lambda: lp.calibration(cox, d, time_point=a.tau),
        "validate": lambda: lp.validate(COVS, d, n_bootstrap=a.boot, seed=1, progress=False),
        "cumulative_incidence": lambda: lp.cumulative_incidence(d, event="ev"),
        "gray_test": lambda: lp.gray_test(d, event="ev", group="grade"),
        "fit_fine_gray": lambda: lp.fit_fine_gray(d, COVS, event="ev"),
        "fit_cause_specific": lambda: lp.fit_cause_specific(d, COVS, event="ev"),
        "impute+pool": lambda: lp.fit_cox(lp.impute(dm, m=5, seed=1), COVS),
        "km.rmst": lambda: lp.kaplan_meier(d).rmst(a.tau),
        "fit_parametric": lambda: lp.fit_parametric(d, COVS, distribution="weibull"),
        "read_cohort": lambda: lp.read_cohort(csv),
        "report": lambda: lp.write_report(
            cohort, out_dir / f"report{next(counter)}", progress=False
        ),
    }
    return tasks, csv


def lifelines_tasks(d: pd.DataFrame, a: argparse.Namespace) -> dict:
    from lifelines import (
        AalenJohansenFitter,
        CoxPHFitter,
        KaplanMeierFitter,
        WeibullAFTFitter,
    )
    from lifelines.statistics import multivariate_logrank_test
    from lifelines.utils import concordance_index, restricted_mean_survival_time

    cols = d[["time", "event", *COVS]]
    lpv = linear_predictor(d)

    def rmst() -> float:
        return restricted_mean_survival_time(KaplanMeierFitter().fit(d.time, d.event), t=a.tau)

    return {
        "kaplan_meier": lambda: KaplanMeierFitter().fit(d.time, d.event),
        "logrank_test": lambda: multivariate_logrank_test(d.time, d.grade, d.event),
        "fit_cox": lambda: CoxPHFitter().fit(cols, "time", "event"),
        "concordance": lambda: concordance_index(d.time, -lpv, d.event),
        "cumulative_incidence": lambda: AalenJohansenFitter(seed=1).fit(
            d.time, d.ev, event_of_interest=1
        ),
        "km.rmst": rmst,
        "fit_parametric": lambda: WeibullAFTFitter().fit(cols, "time", "event"),
    }


def sksurv_tasks(d: pd.DataFrame, a: argparse.Namespace) -> dict:
    from sksurv.compare import compare_survival
    from sksurv.linear_model import CoxPHSurvivalAnalysis
    from sksurv.metrics import brier_score, concordance_index_censored, cumulative_dynamic_auc
    from sksurv.nonparametric import (
        cumulative_incidence_competing_risks,
        kaplan_meier_estimator,
    )
    from sksurv.util import Surv

    y = Surv.from_arrays(d.event.astype(bool), d.time)
    x = d[COVS].to_numpy(float)
    model = CoxPHSurvivalAnalysis(ties="efron").fit(x, y)
    risk = model.predict(x)
    surv = np.array([f(a.tau) for f in model.predict_survival_function(x)])
    return {
        "kaplan_meier": lambda: kaplan_meier_estimator(d.event.astype(bool), d.time),
        "logrank_test": lambda: compare_survival(y, d.grade.to_numpy()),
        "fit_cox": lambda: CoxPHSurvivalAnalysis(ties="efron").fit(x, y),
        "concordance": lambda: concordance_index_censored(d.event.astype(bool), d.time, risk),
        "brier_score": lambda: brier_score(y, y, surv[:, None], [a.tau]),
        "time_dependent_auc": lambda: cumulative_dynamic_auc(y, y, risk, [a.tau]),
        "cumulative_incidence": lambda: cumulative_incidence_competing_risks(
            d.ev.to_numpy(), d.time.to_numpy(), conf_type="log-log"
        ),
    }


def r_rows(d: pd.DataFrame, dm: pd.DataFrame, a: argparse.Namespace) -> pd.DataFrame:
    if a.no_r or shutil.which("Rscript") is None:
        return pd.DataFrame(columns=["task", "tool", "seconds"])
    with tempfile.TemporaryDirectory(prefix="run_all_r_") as tmp:
        data, miss, out = (Path(tmp) / f for f in ("d.csv", "dm.csv", "out.csv"))
        d.to_csv(data, index=False)
        dm.to_csv(miss, index=False, na_rep="NA")
        cmd = ["Rscript", str(HERE / "run_all.R"), str(data), str(miss), str(out),
               str(a.repeat), str(a.boot), str(a.tau)]  # fmt: skip
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
        if run.returncode != 0 or not out.exists():
            print(f"R failed (rows left out):\n{run.stderr[-2000:]}")
            return pd.DataFrame(columns=["task", "tool", "seconds"])
        return pd.read_csv(out)[["task", "tool", "seconds"]]


def python_rows(tools: dict[str, dict], a: argparse.Namespace) -> list[dict]:
    rows = []
    for tool, tasks in tools.items():
        for task, fn in tasks.items():
            rep = 1 if (a.quick and task == "report") else a.repeat
            warm = not (a.quick and task == "report")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    secs = median_time(fn, rep, warm)
                except Exception as exc:  # a peer's failure is a row, not a crash
                    print(f"{tool} {task}: {type(exc).__name__}: {exc}")
                    secs = float("nan")
            rows.append({"task": task, "tool": tool, "seconds": secs})
            print(f"  {task:<22} {tool:<18} {secs:9.4f} s", flush=True)
    return rows


def table(rows: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    peers = rows[rows["tool"] != OURS].groupby("task")["seconds"].min()
    rows = rows.assign(ratio=rows["seconds"] / rows["task"].map(peers))
    rows["task"] = pd.Categorical(rows["task"], [t for t in order if t in set(rows["task"])])
    rows["is_ours"] = rows["tool"] != OURS
    rows = rows.sort_values(["task", "is_ours", "seconds"]).drop(columns="is_ours")
    return rows.reset_index(drop=True)


def markdown(out: pd.DataFrame) -> str:
    """The table one row per task: our time, each peer's, and our ratio to the fastest peer."""
    tools = [OURS, "lifelines", "scikit-survival", "pandas.read_csv"]
    r_tools = sorted(t for t in out["tool"].unique() if str(t).startswith("R "))
    head = ["task", *tools[:3], "R", "ratio to fastest peer"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for task, g in out.groupby("task", observed=True, sort=True):
        by = dict(zip(g["tool"], g["seconds"], strict=True))
        cells = [str(task)]
        for t in tools[:3]:
            v = by.get(t)
            if t == "lifelines" and v is None and "pandas.read_csv" in by:
                v, t = by["pandas.read_csv"], "pandas.read_csv"
            cells.append("" if v is None else f"{v:.3g} s" + (" (pandas.read_csv)" if
                         t == "pandas.read_csv" else ""))  # fmt: skip
        rs = [(by[t], t) for t in r_tools if t in by]
        cells.append("; ".join(f"{v:.3g} s ({t[2:]})" for v, t in sorted(rs)))
        ratio = g.loc[g["tool"] == OURS, "ratio"]
        cells.append("" if ratio.empty or pd.isna(ratio.iloc[0]) else f"{ratio.iloc[0]:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, load average {load:.1f} at the start")  # fmt: skip


def main(argv: list[str] | None = None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=None, help="patients (default 5000; quick 1000)")
    ap.add_argument("--repeat", type=int, default=None, help="timed calls (default 5; quick 3)")
    ap.add_argument("--boot", type=int, default=None, help="validate replicates (50; quick 20)")
    ap.add_argument("--tau", type=float, default=60.0, help="horizon in months")
    ap.add_argument("--quick", action="store_true", help="small n, 3 repeats: under 2 min")
    ap.add_argument("--no-r", action="store_true", help="leave R out")
    ap.add_argument("--csv", type=Path, default=HERE / "results" / "run_all.csv")
    a = ap.parse_args(argv)
    a.n = a.n or (1000 if a.quick else 5000)
    a.repeat = a.repeat or (3 if a.quick else 5)
    a.boot = a.boot or (20 if a.quick else 50)
    start = time.perf_counter()
    where = machine()
    print(f"run_all: n = {a.n:,}, median of {a.repeat}, validate B = {a.boot}, tau = {a.tau:g}")
    print(f"machine: {where}")
    d, dm, cohort = make_data(a.n)
    ours_tasks, csv = ours(d, dm, cohort, a)
    tools = {
        OURS: ours_tasks,
        "lifelines": lifelines_tasks(d, a),
        "scikit-survival": sksurv_tasks(d, a),
        "pandas.read_csv": {"read_cohort": lambda: pd.read_csv(csv)},
    }
    rows = pd.DataFrame(python_rows(tools, a))
    rows = pd.concat([rows, r_rows(d, dm, a)], ignore_index=True)
    out = table(rows, list(ours_tasks))
    out.insert(0, "n", a.n)
    a.csv.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(a.csv, index=False)
    a.csv.with_suffix(".md").write_text(
        f"n = {a.n:,}, median of {a.repeat}, validate B = {a.boot}; {where}\n\n"
        + markdown(out) + "\n", encoding="utf-8")  # fmt: skip
    with pd.option_context("display.width", 120, "display.max_rows", 200):
        print(out.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"\nwritten {a.csv} ({time.perf_counter() - start:.0f} s in all); machine: {where}")
    return out


if __name__ == "__main__":
    main()
