"""The bootstrap of :func:`lms_prognosis.evaluate.validate` (Harrell's optimism correction).

Fast path: when the model is a Cox model given by its covariates (a list of column names or a
fitted ``CoxResult``), the design matrix is built once (``lms_prognosis.cox.design``), every
refit is the one Newton-Raphson solver with R's convergence rule
(``lms_prognosis.cox.engine.newton_raphson``, warm started at the full-data estimate, relative
log-likelihood change 1e-7; only the estimate is kept, so no information matrix is computed
where the solver stops), the test-sample slope is the one
``lms_prognosis.cox.slope.calibration_slope`` (from 1, on the original patients' sort and
blocks prepared once). The rows are sorted by time once; a bootstrap sample is the sorted
positions of the rows drawn with their draw counts as copies (``prepare(freq=)``), so it
needs no sort, each Newton step passes over the rows drawn only (about 63%), and each copy of
an event is an Efron step of its own: the fit of the expanded sample, to rounding (its
baseline hazard too, for the Brier score). The C indices of a chunk of replicates are
counted together on the original rows (``lms_prognosis._harrell_rows.harrell_c_sets``): the
test C of each replicate's scores and its training C, the same scores with the draw counts
as case weights (exactly the C of the expanded sample), on one sort of the scores.
Competing-risk models go through :mod:`lms_prognosis.evaluate._validation_cr`; any other
model through the user's ``fit_fn``.

Inputs here are arrays already checked by ``lms_prognosis._survdata.survival_data``.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from lms_prognosis._concordance import harrell_c, harrell_c_batch
from lms_prognosis._harrell_rows import harrell_c_sets
from lms_prognosis._parallel import in_worker, run_tasks
from lms_prognosis.cox.baseline import baseline
from lms_prognosis.cox.engine import newton_raphson, prepare
from lms_prognosis.cox.slope import calibration_slope
from lms_prognosis.evaluate._inputs import model_predictions
from lms_prognosis.evaluate._validation_cr import cr_replicate
from lms_prognosis.evaluate.prediction_error import ipcw_brier
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = [
    "METRICS",
    "PARALLEL_MIN_WORK",
    "fit_lp",
    "metrics_of",
    "fast_apparent",
    "fast_replicate",
    "refit_sample",
    "general_replicate",
    "run_chunk",
    "dispatch",
    "summarise",
    "weighted_harrell",
]

METRICS = ("c", "dxy", "slope", "brier")
PARALLEL_MIN_WORK = 1_000_000  # rows x replicates below which n_jobs > 1 runs in-process
WEIGHTED_TRAINING_C = True  # training C on the original rows with the draw counts as weights
C_BATCH = 8  # replicates whose C indices are counted in one pass (design value: cache size)
BOOT_EPS = 1e-7  # bootstrap refits: relative log-likelihood change (R coxph 1e-9 from 0)


def fit_lp(
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    efron: bool,
    eps: float,
    init: np.ndarray | None = None,
    order: np.ndarray | None = None,
    freq: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Cox fit on ``x``: (beta, column means, prepared data) with the one engine.

    ``newton_raphson`` with R's rules from ``init`` (the full-data estimate, for a bootstrap
    refit); only the estimate is used, so the information matrix is not computed where the
    solver stops (``need_var=False``). ``freq``: copies of each row (the fit of the rows
    repeated, ``prepare(freq=)``).
    """
    if not np.any(event == 1):
        raise LMSPrognosisError("no events in the sample: the Cox model cannot be refitted")
    means = x.mean(axis=0) if freq is None else (freq @ x) / freq.sum()
    prep = prepare(time, event, x - means, None, efron, order=order, freq=freq)
    nr = newton_raphson(prep, init, eps=eps, need_var=False, stacklevel=4)
    return nr.beta, means, prep


def _surv_at(prep: Any, beta: np.ndarray, t: float, lp_centred: np.ndarray) -> np.ndarray:
    """exp(-H0(t) exp(lp)) with the engine's baseline (Efron or Breslow, as fitted)."""
    base = baseline(prep, beta, variance=False)
    i = np.searchsorted(base.time[::-1], t, side="right") - 1
    h0 = base.cumhaz[::-1][i] if i >= 0 else 0.0
    return np.asarray(np.exp(-h0 * np.exp(lp_centred)))


def metrics_of(
    time: np.ndarray,
    event: np.ndarray,
    lp: np.ndarray,
    surv_t: np.ndarray | None,
    time_point: float | None,
    want: Sequence[str],
    keys: np.ndarray | None,
    slope_known: float | None = None,
    layout: Any = None,
    eps: float = 1e-9,
    efron: bool = True,
    censoring: Any = None,
) -> dict[str, float]:
    """C, Dxy, calibration slope and Brier score of ``lp`` (and ``surv_t``) on these rows;
    ``censoring``: these rows' censoring curve when known (default: estimated here)."""
    out: dict[str, float] = {}
    if ("c" in want or "dxy" in want) and keys is not None:
        out["c"] = harrell_c(keys, event, lp)
        out["dxy"] = 2.0 * out["c"] - 1.0
    if "slope" in want:
        out["slope"] = (
            slope_known
            if slope_known is not None
            else calibration_slope(
                time,
                event,
                lp,
                ties="efron" if efron else "breslow",
                init=1.0,
                layout=layout,
                eps=eps,
                with_se=False,
            ).slope
        )
    if "brier" in want and surv_t is not None and time_point is not None:
        out["brier"] = ipcw_brier(time, event, surv_t, time_point, g=censoring)
    return {k: v for k, v in out.items() if k in want}


def fast_apparent(job: dict[str, Any]) -> dict[str, float]:
    """Apparent metrics of the full-data fit (R ``coxph`` rules); its estimate becomes
    ``job["beta0"]``, the warm start of every bootstrap refit."""
    x, time, event, want = job["x"], job["time"], job["event"], job["want"]
    beta, means, prep = fit_lp(x, time, event, job["efron"], 1e-9)
    job["beta0"] = beta
    lp = (x - means) @ beta
    job["apparent_risk"] = lp
    tp = job["time_point"]
    s = _surv_at(prep, beta, tp, lp) if "brier" in want and tp is not None else None
    return metrics_of(
        time, event, lp, s, tp, want, job["keys"], slope_known=1.0, censoring=job["censoring"]
    )


def fast_replicate(
    job: dict[str, Any], idx: np.ndarray | None, defer_c: list[Any] | None = None
) -> tuple[dict[str, float], dict[str, float]]:
    """Fit on rows ``idx`` (None = all), evaluate on those rows (training) and on all rows
    (test). With ``defer_c`` (a list) the C index is left for one batched count: the (keys,
    event, lp[, counts], result dict) of both samples are appended.

    The rows are the job's, sorted by time once (``fast_job``); ``idx`` is the sample in
    the caller's row numbering (see :func:`refit_sample`). Its training C is counted on the
    original rows with the draw counts as case weights (:func:`weighted_harrell`: exactly
    the C of the expanded sample).
    """
    x, time, event, keys = job["x"], job["time"], job["event"], job["keys"]
    want, time_point, efron = job["want"], job["time_point"], job["efron"]
    need_s = "brier" in want and time_point is not None
    counts = None
    if idx is None:
        eps = 1e-9
        beta, means, prep = fit_lp(x, time, event, efron, eps)
    else:
        eps = BOOT_EPS
        counts = np.bincount(idx, minlength=x.shape[0])[job["sorted_rows"]]
        beta, means, prep = refit_sample(job, counts)
    lp_o = (x - means) @ beta
    s_o = _surv_at(prep, beta, time_point, lp_o) if need_s else None
    need_c = "c" in want or "dxy" in want
    later = defer_c is not None and need_c
    # the metrics on the original rows: the test sample's, and the training sample's when the
    # sample is all rows
    on_original = functools.partial(
        metrics_of,
        time,
        event,
        lp_o,
        s_o,
        time_point,
        want,
        None if later else keys,
        censoring=job["censoring"],
    )
    if counts is None:
        train = on_original(slope_known=1.0)
    else:
        train = _training(job, lp_o, s_o, counts)
        if need_c and not WEIGHTED_TRAINING_C:  # the expanded sample itself (tests)
            rows = np.repeat(np.arange(x.shape[0]), counts)
            _set_c(train, harrell_c(keys[rows], event[rows], lp_o[rows]))
        elif need_c and not later:
            _set_c(train, weighted_harrell(keys, event, lp_o, counts))
    test = on_original(layout=job["layout"], eps=eps, efron=efron)
    if later and defer_c is not None:
        if counts is None or WEIGHTED_TRAINING_C:
            defer_c.append(
                (keys, event, lp_o, train) if counts is None else (keys, event, lp_o, counts, train)
            )
        defer_c.append((keys, event, lp_o, test))
    return train, test


def _training(
    job: dict[str, Any], lp_o: np.ndarray, s_o: np.ndarray | None, counts: np.ndarray
) -> dict[str, float]:
    """The training sample's metrics but C: its slope is 1 by definition; its Brier score
    (``s_o``: each original row's predicted survival) is counted on the sample's rows, each
    repeated as often as drawn, its censoring curve estimated there. Nothing else reads the
    sample's rows, so they are not formed without it."""
    time, event, time_point, want = job["time"], job["event"], job["time_point"], job["want"]
    if s_o is None:
        return metrics_of(time, event, lp_o, None, time_point, want, None, slope_known=1.0)
    rows = np.repeat(np.arange(counts.size), counts)
    return metrics_of(
        time[rows], event[rows], lp_o[rows], s_o[rows], time_point, want, None, slope_known=1.0
    )


def refit_sample(job: dict[str, Any], counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
    """Refit on a bootstrap sample given as the draw counts of the sorted rows: (beta,
    column means, prepared data).

    The rows drawn are fitted once each with their counts as copies (``prepare(freq=)``:
    each copy of an event is an Efron step, so the fit, and its baseline hazard, are those
    of the expanded sample, to rounding). They keep the engine's time order, so the sample
    needs no sort, and each Newton step passes over about 63% of the rows.
    """
    x, time, event, efron = job["x"], job["time"], job["event"], job["efron"]
    drawn = np.flatnonzero(counts)
    order = np.arange(drawn.size)  # time descending already
    beta0 = job["beta0"]
    c = counts[drawn]
    return fit_lp(x[drawn], time[drawn], event[drawn], efron, BOOT_EPS, beta0, order, c)


def _set_c(res: dict[str, float], c: float) -> None:
    """C and Dxy into a replicate's metrics (``summarise`` keeps those asked for)."""
    res["c"] = c
    res["dxy"] = 2.0 * c - 1.0


def weighted_harrell(
    keys: np.ndarray, event: np.ndarray, risk: np.ndarray, counts: np.ndarray
) -> float:
    """Harrell's C of a bootstrap sample given as case counts of the original rows.

    Equal to ``harrell_c(keys[idx], event[idx], risk[idx])`` for ``counts = bincount(idx)``:
    with weights every comparable pair (i, j) counts ``counts_i * counts_j`` times, and the
    copies of one row share its time, status and risk, so they are never a comparable pair
    (two events at one time, or a censored row). Only the rows drawn (about 63%) are counted,
    in one weighted dominance pass (R ``concordance()`` rules, as ``harrell_c``); the sums
    are of whole numbers, so the value is exactly that of the expanded sample.
    """
    return float(harrell_c_batch([(keys, event, risk, counts)])[0])


def general_replicate(
    job: dict[str, Any], idx: np.ndarray | None
) -> tuple[dict[str, float], dict[str, float]]:
    """Refit with the user's ``fit_fn`` on rows ``idx`` and evaluate (training, test)."""
    df, time, event, keys = job["df"], job["time"], job["event"], job["keys"]
    boot = df if idx is None else df.iloc[idx].reset_index(drop=True)
    model = job["fit_fn"](boot)
    res = []
    for data, rows in ((boot, idx), (df, None)):
        pred = model_predictions(model, data, job["time_point"])
        ok = pred["lp"].notna().to_numpy()
        t = time if rows is None else time[rows]
        e = event if rows is None else event[rows]
        k = keys if rows is None else keys[rows]
        s = pred["surv"].to_numpy(float)[ok] if "surv" in pred else None
        res.append(
            metrics_of(
                t[ok],
                e[ok],
                pred["lp"].to_numpy(float)[ok],
                s,
                job["time_point"],
                job["want"],
                k[ok],
            )
        )
    return res[0], res[1]


def run_chunk(
    job: dict[str, Any], seeds: list[np.random.SeedSequence]
) -> list[tuple[dict[str, float], dict[str, float]] | None]:
    """Replicates for ``seeds``; a refit that fails (no events in the sample, a singular
    information matrix) is None and counted by the caller."""
    out: list[Any] = []
    n = job["n"]
    deferred: list[Any] = []
    for ss in seeds:
        idx = np.random.default_rng(ss).integers(0, n, size=n)
        try:
            if job.get("cr"):
                out.append(cr_replicate(job, idx))
            elif job["fast"]:
                out.append(fast_replicate(job, idx, defer_c=deferred))
            else:
                out.append(general_replicate(job, idx))
        except (LMSPrognosisError, np.linalg.LinAlgError):
            out.append(None)
    _deferred_c(job, deferred)
    return out


def _deferred_c(job: dict[str, Any], deferred: list[Any]) -> None:
    """Every C of a chunk in one counting pass over the original rows: the test samples'
    scores, and the training samples' (the same scores with the draw counts as weights),
    sorted once (:func:`lms_prognosis._harrell_rows.harrell_c_sets`). Each replicate
    deferred its test item and, before it, its training item (same scores) if any."""
    tests = [d for d in deferred if len(d) == 4]
    trains = [d for d in deferred if len(d) == 5]
    # a few replicates per pass: the (replicates x n) working arrays of a larger batch leave
    # the core's cache (n = 1e4: 25 replicates per pass cost 15-25% more per replicate than 8)
    for a in range(0, len(tests), C_BATCH):
        part, tr = tests[a : a + C_BATCH], trains[a : a + C_BATCH]
        risk = np.stack([d[2] for d in part])
        sets = [None] + ([np.stack([d[3] for d in tr])] if tr else [])
        for items, cs in zip(
            (part, tr), harrell_c_sets(job["keys"], job["event"], risk, sets), strict=False
        ):
            for d, c in zip(items, cs, strict=True):
                _set_c(d[-1], float(c))


def _n_workers(n_jobs: int | None, work: int) -> int:
    n = 1 if n_jobs is None else int(n_jobs)
    if n < 0:
        n = max(1, (os.cpu_count() or 1) + 1 + n)
    return 1 if work < PARALLEL_MIN_WORK else n  # start-up would cost more than it saves


def _chunk_task(task: tuple[dict[str, Any], list[np.random.SeedSequence]]) -> Any:
    """One chunk of replicates (a task for the shared runner)."""
    return run_chunk(*task)


def dispatch(
    job: dict[str, Any],
    children: list[np.random.SeedSequence],
    n_jobs: int | None,
    progress: bool,
    backend: str | None = None,
) -> list[Any]:
    """Run the replicates in-process, on joblib workers or on a Dask cluster (same result
    for any n_jobs or backend: every replicate has its own seed)."""
    B = len(children)
    if backend == "dask":
        bounds = np.linspace(0, B, min(B, 40) + 1).astype(int).tolist()
        tasks = [(job, children[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        done = run_tasks(_chunk_task, tasks, backend="dask", progress=progress, desc="bootstrap")
        return [r for chunk in done for r in chunk]
    if backend not in (None, "loky"):
        raise LMSPrognosisError(f"backend must be None, 'loky' or 'dask', got {backend!r}")
    workers = _n_workers(n_jobs, job["n"] * B)
    if workers == 1:
        step = max(1, B // 20)
        bounds = list(range(0, B, step)) + [B]
    else:
        bounds = np.linspace(0, B, min(B, workers * 4) + 1).astype(int).tolist()
    chunks = [children[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    out: list[Any] = []
    with tqdm(total=B, disable=not progress, desc="bootstrap") as bar:
        if workers == 1:
            results: Any = (run_chunk(job, ch) for ch in chunks)
        else:
            results = Parallel(n_jobs=workers, return_as="generator")(
                delayed(in_worker)(os.getpid(), run_chunk, job, ch) for ch in chunks
            )
        for ch, res in zip(chunks, results, strict=True):
            out.extend(res)
            bar.update(len(ch))
    return out


def summarise(
    want: Sequence[str], apparent: dict[str, float], results: list[Any]
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(table, replicates, n_failed) from the replicate results."""
    rows = []
    n_failed = 0
    for b, res in enumerate(results):
        if res is None:
            n_failed += 1
            continue
        for m in want:
            if m in res[0] and m in res[1]:
                rows.append({"replicate": b, "metric": m, "training": res[0][m], "test": res[1][m]})
    reps = pd.DataFrame(rows, columns=["replicate", "metric", "training", "test"])
    table = []
    for m in want:
        r = reps[reps["metric"] == m]
        tr, te = float(r["training"].mean()), float(r["test"].mean())
        opt = tr - te
        app = apparent.get(m, np.nan)
        table.append(
            {
                "metric": m,
                "apparent": app,
                "training": tr,
                "test": te,
                "optimism": opt,
                "corrected": app - opt,
                "n_bootstrap": len(r),
            }
        )
    return pd.DataFrame(table), reps, n_failed
