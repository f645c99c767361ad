"""Bootstrap optimism correction (R ``rms::validate``) and external validation.

Private engine behind :func:`lms_prognosis.evaluate.validate` and
:func:`lms_prognosis.evaluate.external_validation`.

Fast path: when the model is a Cox model given by its covariates (a list of column names or a
fitted ``CoxResult``), every bootstrap refit goes straight to the Newton-Raphson engine of
``_cox_engine`` on a design matrix built once, and the C index is the O(n log n) counting of
``_concordance``. Any other model goes through the user's ``fit_fn`` (slower, general).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._concordance import TableResult, harrell_c, harrell_c_batch, time_keys
from lms_prognosis.cox.engine import loglik_derivs, prepare
from lms_prognosis.evaluate._calibration import (
    CalibrationResult,
    _with_covariates,
    calibration_core,
    cox_fit,
    cox_surv_at,
    ipcw_brier,
    model_predictions,
)

METRICS = ("c", "dxy", "slope", "brier")
PARALLEL_MIN_WORK = 1_000_000  # rows x replicates below which n_jobs > 1 runs in-process


def as_frame(df: Any) -> pd.DataFrame:
    """The DataFrame behind ``df`` (a ``Cohort`` is read through ``.data``)."""
    if isinstance(df, pd.DataFrame):
        return df
    data = getattr(df, "data", None)
    if isinstance(data, pd.DataFrame):
        return data
    raise TypeError(f"expected a pandas DataFrame or a Cohort, got {type(df).__name__}")


def _column(df: pd.DataFrame | None, spec: Any, name: str, n: int | None) -> np.ndarray:
    if isinstance(spec, str):
        if df is None or spec not in df.columns:
            raise ValueError(f"column {spec!r} ({name}) not found in the data")
        return pd.to_numeric(df[spec], errors="coerce").to_numpy(dtype=float)
    arr = np.asarray(spec, dtype=float).ravel()
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} values but the data have {n} rows")
    return arr


def survival_arrays(df: Any, time: Any, event: Any, risk: Any, weights: Any = None
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, int]:
    """Complete-case time, event (0/1), risk and weights arrays, and the number dropped.

    Event codes >= 2 count as censored; R's 1/2 coding (no 0 and some 2) is refused.
    """
    frame = None if df is None else as_frame(df)
    n = None if frame is None else len(frame)
    t = _column(frame, time, "time", n)
    n = t.shape[0]
    e = _column(frame, event, "event", n)
    r = _column(frame, risk, "risk", n)
    w = None if weights is None else _column(frame, weights, "weights", n)
    ok = np.isfinite(t) & np.isfinite(e) & np.isfinite(r)
    if w is not None:
        ok &= np.isfinite(w)
    ev = e[ok]
    if ev.size and (np.any(ev < 0) or np.any(ev != np.round(ev))):
        raise ValueError("event must be coded 0 = censored, 1 = event (2.. = competing)")
    if ev.size and not np.any(ev == 0) and np.any(ev == 2) and np.any(ev == 1):
        raise ValueError("event looks like R's 1/2 status coding (1 censored, 2 event); "
                         "recode it to 0/1 first (read_cohort(event_codes=...))")
    if np.any(t[ok] < 0):
        raise ValueError("time must be >= 0")
    return (t[ok], (ev == 1).astype(np.int64), r[ok], None if w is None else w[ok],
            int((~ok).sum()))


# --------------------------------------------------------------------------- design matrix

def design_matrix(df: pd.DataFrame, covariates: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Treatment-contrast design (first category level = reference), as ``fit_cox``."""
    cols: list[np.ndarray] = []
    names: list[str] = []
    for cov in covariates:
        s = df[cov]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object \
                or pd.api.types.is_string_dtype(s.dtype):
            cat = s.astype("category")
            levels = list(cat.cat.categories)
            codes = cat.cat.codes.to_numpy()
            for lev_i, lev in enumerate(levels[1:], start=1):
                col = (codes == lev_i).astype(float)
                col[codes < 0] = np.nan
                cols.append(col)
                names.append(f"{cov}[{lev}]")
        else:
            cols.append(pd.to_numeric(s.astype("float64"), errors="coerce").to_numpy(float))
            names.append(cov)
    x = np.column_stack(cols) if cols else np.zeros((len(df), 0))
    return x, names


# --------------------------------------------------------------------------- one replicate

def _newton(prep: Any, beta0: np.ndarray, eps: float = 1e-9, iter_max: int = 30
            ) -> np.ndarray:
    """Newton-Raphson on the engine's log-likelihood from a warm start (step halving when
    the log-likelihood falls; stop when ``|1 - ll_old / ll_new| <= eps``, or take the last
    Newton step without evaluating again once it is below 1e-4 (1 + |beta|): the error left
    is of the order of its square)."""
    beta = np.asarray(beta0, dtype=float).copy()
    ll, u, info = loglik_derivs(beta, prep)
    for _ in range(iter_max):
        step = np.linalg.solve(info, u)
        if np.all(np.abs(step) <= 1e-4 * (1.0 + np.abs(beta))):
            return beta + step
        new = beta + step
        nll, nu, ninfo = loglik_derivs(new, prep)
        halvings = 0
        while (not np.isfinite(nll) or nll < ll) and halvings < 30:
            step /= 2.0
            new = beta + step
            nll, nu, ninfo = loglik_derivs(new, prep)
            halvings += 1
        done = abs(1.0 - ll / nll) <= eps if nll != 0 else True
        beta, ll, u, info = new, nll, nu, ninfo
        if done:
            break
    return beta


def _slope(prep: Any, time: np.ndarray, event: np.ndarray, lp: np.ndarray, eps: float,
           efron: bool = True) -> float:
    """Calibration slope: Cox coefficient of the outcome on ``lp`` (warm start at 1)."""
    if prep is not None:
        pr = _with_covariates(prep, (lp - lp.mean())[:, None], time, event, efron)
        if pr is not None:
            return float(_newton(pr, np.array([1.0]), eps=eps)[0])
    beta, _, _, _ = cox_fit(time, event, lp[:, None], eps=eps, efron=efron)
    return float(beta[0])


def _metrics(time: np.ndarray, event: np.ndarray, lp: np.ndarray, surv_t: np.ndarray | None,
             time_point: float | None, want: Sequence[str], slope_known: float | None = None,
             prep: Any = None, eps: float = 1e-9, keys: np.ndarray | None = None,
             efron: bool = True) -> dict[str, float]:
    out: dict[str, float] = {}
    if "c" in want or "dxy" in want:
        out["c"] = harrell_c(time_keys(time, event) if keys is None else keys, event, lp)
        out["dxy"] = 2.0 * out["c"] - 1.0
    if "slope" in want:
        out["slope"] = slope_known if slope_known is not None else \
            _slope(prep, time, event, lp, eps, efron)
    if "brier" in want and surv_t is not None and time_point is not None:
        out["brier"] = ipcw_brier(time, event, surv_t, time_point)
    return {k: v for k, v in out.items() if k in want}


def _fast_replicate(x: np.ndarray, time: np.ndarray, event: np.ndarray, idx: np.ndarray | None,
                    time_point: float | None, want: Sequence[str], efron: bool,
                    prep_orig: Any = None, keys: np.ndarray | None = None,
                    beta0: np.ndarray | None = None, defer_c: list | None = None
                    ) -> tuple[dict[str, float], dict[str, float]]:
    """Fit on rows ``idx`` (None = all), evaluate on those rows and on all rows.

    Bootstrap refits start from the full-data estimate ``beta0`` and stop at a relative
    log-likelihood change of 1e-7 (R ``coxph`` uses 1e-9 from 0, ``rms::validate`` 1e-4);
    ``prep_orig`` reuses the sorting of the original data for the test-sample slope fit and
    ``keys`` its time ordering for the C index. With ``defer_c`` (a list) the C index is
    not computed here: the (keys, event, lp, result dict) of both samples are appended for
    one batched count (``harrell_c_batch``).
    """
    xb = x if idx is None else x[idx]
    tb = time if idx is None else time[idx]
    eb = event if idx is None else event[idx]
    eps = 1e-9 if idx is None else 1e-7
    if idx is None or beta0 is None:
        beta, _, prep, means = cox_fit(tb, eb, xb, efron=efron, eps=eps)
    else:
        means = xb.mean(axis=0)
        prep = prepare(tb, eb, xb - means, None, efron)
        try:
            beta = _newton(prep, beta0, eps=eps)
        except np.linalg.LinAlgError:
            beta, _, prep, means = cox_fit(tb, eb, xb, efron=efron, eps=eps)
    lp_b = (xb - means) @ beta
    lp_o = (x - means) @ beta
    need_s = "brier" in want and time_point is not None
    s_b = cox_surv_at(prep, beta, time_point, lp_b) if need_s else None
    s_o = cox_surv_at(prep, beta, time_point, lp_o) if need_s else None
    kb = None if keys is None else (keys if idx is None else keys[idx])
    c_now = defer_c is None or keys is None
    want_now = want if c_now else [m for m in want if m not in ("c", "dxy")]
    train = _metrics(tb, eb, lp_b, s_b, time_point, want_now, slope_known=1.0, keys=kb)
    test = _metrics(time, event, lp_o, s_o, time_point, want_now, prep=prep_orig, eps=eps,
                    keys=keys, efron=efron)
    if not c_now and len(want_now) < len(want):
        defer_c.append((kb, eb, lp_b, train))
        defer_c.append((keys, event, lp_o, test))
    return train, test


def _general_replicate(fit_fn: Callable[[pd.DataFrame], Any], df: pd.DataFrame, time_col: str,
                       event_col: str, idx: np.ndarray | None, time_point: float | None,
                       want: Sequence[str]) -> tuple[dict[str, float], dict[str, float]]:
    boot = df if idx is None else df.iloc[idx].reset_index(drop=True)
    model = fit_fn(boot)
    res = []
    for data in (boot, df):
        pred = model_predictions(model, data, time_point)
        ok = pred["lp"].notna().to_numpy()
        t = pd.to_numeric(data[time_col]).to_numpy(float)[ok]
        e = (pd.to_numeric(data[event_col]).to_numpy() == 1).astype(np.int64)[ok]
        s = pred["surv"].to_numpy(float)[ok] if "surv" in pred else None
        res.append(_metrics(t, e, pred["lp"].to_numpy(float)[ok], s, time_point, want))
    return res[0], res[1]


def _run_chunk(job: dict[str, Any], seeds: list[np.random.SeedSequence]
               ) -> list[tuple[dict[str, float], dict[str, float]] | None]:
    out: list[Any] = []
    n = job["n"]
    deferred: list[Any] = []
    for ss in seeds:
        idx = np.random.default_rng(ss).integers(0, n, size=n)
        try:
            if job["fast"]:
                out.append(_fast_replicate(job["x"], job["time"], job["event"], idx,
                                           job["time_point"], job["want"], job["efron"],
                                           job["prep_orig"], job["keys"], job["beta0"],
                                           defer_c=deferred))
            else:
                out.append(_general_replicate(job["fit_fn"], job["df"], job["time_col"],
                                              job["event_col"], idx, job["time_point"],
                                              job["want"]))
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            out.append(None)  # a failed refit (e.g. no events in the sample) is counted
    if deferred:
        cs = harrell_c_batch([(k, e, r) for k, e, r, _ in deferred])
        for (_, _, _, res), c in zip(deferred, cs, strict=True):
            if "c" in job["want"]:
                res["c"] = float(c)
            if "dxy" in job["want"]:
                res["dxy"] = 2.0 * float(c) - 1.0
    return out


@dataclass(repr=False)
class ValidationResult(TableResult):
    """Bootstrap-validated performance (R ``rms::validate``).

    Attributes
    ----------
    table : DataFrame
        metric, apparent, training (mean over replicates), test (mean), optimism
        (= training - test), corrected (= apparent - optimism), n_bootstrap (successful).
    replicates : DataFrame
        One row per replicate: replicate, metric, training, test.
    n_failed : int
        Replicates whose refit failed (left out of the means, as rms does).
    seed, time_point, method
        How it was computed.
    """

    table: pd.DataFrame
    replicates: pd.DataFrame
    n_failed: int
    seed: Any
    time_point: float | None
    method: str
    _title: str = field(default="Bootstrap validation (optimism-corrected)", init=False)

    def corrected(self, metric: str) -> float:
        """The optimism-corrected value of one metric."""
        return float(self.table.set_index("metric").loc[metric, "corrected"])


def fast_spec(fit_fn: Any, df: pd.DataFrame) -> dict[str, Any] | None:
    """Covariates, time/event columns and ties when the Cox fast path applies, else None."""
    if isinstance(fit_fn, str):
        fit_fn = [fit_fn]
    if isinstance(fit_fn, (list, tuple)) and all(isinstance(c, str) for c in fit_fn):
        return {"covariates": list(fit_fn), "time": "time", "event": "event", "efron": True}
    covs = getattr(fit_fn, "covariates", None)
    if covs is not None and hasattr(fit_fn, "ties") and not getattr(fit_fn, "strata", None) \
            and hasattr(fit_fn, "predict_risk"):
        return {"covariates": list(covs), "time": fit_fn.time, "event": fit_fn.event,
                "efron": fit_fn.ties == "efron"}
    return None


def _refit_like(fit: Any) -> Callable[[pd.DataFrame], Any]:
    from lms_prognosis.cox.fit import fit_cox

    def refit(data: pd.DataFrame) -> Any:
        return fit_cox(data, fit.covariates, time=fit.time, event=fit.event, ties=fit.ties,
                       strata=fit.strata)

    return refit


def validate_core(fit_fn: Any, df: Any, n_bootstrap: int, seed: Any, n_jobs: int | None,
                  metrics: Sequence[str], time_point: float | None, time: str, event: str,
                  progress: bool) -> ValidationResult:
    frame = as_frame(df)
    want = [m.lower() for m in metrics]
    bad = [m for m in want if m not in METRICS]
    if bad:
        raise ValueError(f"unknown metric(s) {bad}; choose from {METRICS}")
    if "brier" in want and time_point is None:
        raise ValueError("metric 'brier' needs time_point= (months)")
    if n_bootstrap < 1:
        raise ValueError("n_bootstrap must be >= 1")
    spec = fast_spec(fit_fn, frame)
    if spec is None and not callable(fit_fn) and hasattr(fit_fn, "covariates") \
            and getattr(fit_fn, "strata", None):
        fit_fn = _refit_like(fit_fn)  # a stratified CoxResult: refit it with fit_cox
    job: dict[str, Any] = {"want": want, "time_point": time_point}
    if spec is not None:
        tcol = spec["time"] if spec["time"] != "time" else time
        ecol = spec["event"] if spec["event"] != "event" else event
        missing = [c for c in [tcol, ecol, *spec["covariates"]] if c not in frame.columns]
        if missing:
            raise ValueError(f"column(s) {missing} not found in the data")
        x, _ = design_matrix(frame, spec["covariates"])
        t = pd.to_numeric(frame[tcol], errors="coerce").to_numpy(float)
        e = pd.to_numeric(frame[ecol], errors="coerce").to_numpy(float)
        ok = np.isfinite(t) & np.isfinite(e) & np.all(np.isfinite(x), axis=1)
        job.update(fast=True, x=np.ascontiguousarray(x[ok]), time=t[ok],
                   event=(e[ok] == 1).astype(np.int64), efron=spec["efron"], n=int(ok.sum()))
        job["keys"] = time_keys(job["time"], job["event"])
        apparent = _fast_replicate(job["x"], job["time"], job["event"], None, time_point,
                                   want, job["efron"], keys=job["keys"])[0]
        job["beta0"] = cox_fit(job["time"], job["event"], job["x"], efron=job["efron"])[0]
        job["prep_orig"] = prepare(job["time"], job["event"], np.zeros((job["n"], 1)), None,
                                   job["efron"])
        method = "cox fast path (Newton-Raphson engine), Efron ties" if spec["efron"] \
            else "cox fast path (Newton-Raphson engine), Breslow ties"
    elif callable(fit_fn):
        job.update(fast=False, fit_fn=fit_fn, df=frame.reset_index(drop=True), time_col=time,
                   event_col=event, n=len(frame))
        apparent = _general_replicate(fit_fn, job["df"], time, event, None, time_point, want)[1]
        method = "refit with fit_fn"
    else:
        raise TypeError("fit_fn must be a callable (DataFrame -> model), a CoxResult, or a list "
                        "of covariate names")
    children = np.random.SeedSequence(seed).spawn(n_bootstrap)
    results = _dispatch(job, children, n_jobs, progress)
    rows = []
    n_failed = 0
    for b, res in enumerate(results):
        if res is None:
            n_failed += 1
            continue
        for m in want:
            if m in res[0] and m in res[1]:
                rows.append({"replicate": b, "metric": m, "training": res[0][m],
                             "test": res[1][m]})
    reps = pd.DataFrame(rows, columns=["replicate", "metric", "training", "test"])
    table = []
    for m in want:
        r = reps[reps["metric"] == m]
        tr, te = float(r["training"].mean()), float(r["test"].mean())
        opt = tr - te
        app = apparent.get(m, np.nan)
        table.append({"metric": m, "apparent": app, "training": tr, "test": te,
                      "optimism": opt, "corrected": app - opt, "n_bootstrap": len(r)})
    return ValidationResult(table=pd.DataFrame(table), replicates=reps, n_failed=n_failed,
                            seed=seed, time_point=time_point, method=method)


def _dispatch(job: dict[str, Any], children: list[np.random.SeedSequence],
              n_jobs: int | None, progress: bool) -> list[Any]:
    from tqdm.auto import tqdm

    n_jobs = 1 if n_jobs is None else int(n_jobs)
    if n_jobs < 0:
        import os
        n_jobs = max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    B = len(children)
    if n_jobs > 1 and job["n"] * B < PARALLEL_MIN_WORK:
        n_jobs = 1  # worker start-up and transfer would cost more than they save
    if n_jobs == 1:
        chunk = max(1, B // 20)
        chunks = [children[i:i + chunk] for i in range(0, B, chunk)]
        out: list[Any] = []
        with tqdm(total=B, disable=not progress, desc="bootstrap") as bar:
            for ch in chunks:
                out.extend(_run_chunk(job, ch))
                bar.update(len(ch))
        return out
    from joblib import Parallel, delayed

    nchunks = min(B, n_jobs * 4)
    bounds = np.linspace(0, B, nchunks + 1).astype(int)
    chunks = [children[bounds[i]:bounds[i + 1]] for i in range(nchunks)]
    gen = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_run_chunk)(job, ch) for ch in chunks)
    out = []
    with tqdm(total=B, disable=not progress, desc="bootstrap") as bar:
        for ch, res in zip(chunks, gen, strict=True):
            out.extend(res)
            bar.update(len(ch))
    return out


# --------------------------------------------------------------------------- external

@dataclass(repr=False)
class ExternalValidationResult(TableResult):
    """A model's performance on an external cohort, and the model recalibrated to it.

    Attributes
    ----------
    table : DataFrame
        statistic, value, lower, upper, note: C (with its IJ standard error), calibration-in-
        the-large O/E, calibration slope, ICI, E50, E90 at ``time_point``.
    concordance : ConcordanceResult
    calibration : CalibrationResult
    recalibrated : object or None
        ``model.recalibrate(cohort)`` (None when the model cannot recalibrate).
    """

    table: pd.DataFrame
    concordance: Any
    calibration: CalibrationResult
    recalibrated: Any
    time_point: float
    _title: str = field(default="External validation", init=False)


def external_validation_core(model: Any, cohort: Any, time_point: float, groups: int,
                             concordance_fn: Callable[..., Any]) -> ExternalValidationResult:
    frame = as_frame(cohort)
    cal = calibration_core(model, cohort, time_point, groups, "rcs", 3, "time", "event")
    pred = model_predictions(model, cohort, time_point)
    conc = concordance_fn(frame, pred["lp"].reindex(frame.index).to_numpy(float))
    lo, hi = conc.ci
    rows = [
        {"statistic": "C (Harrell)", "value": conc.c, "lower": lo, "upper": hi,
         "note": f"se {conc.se:.4f}; n = {conc.n}, events = {conc.n_events}"},
        {"statistic": "O/E", "value": cal.oe, "lower": cal.oe_ci[0], "upper": cal.oe_ci[1],
         "note": f"observed / expected event probability at {time_point:g} months"},
        {"statistic": "calibration slope", "value": cal.slope, "lower": cal.slope_ci[0],
         "upper": cal.slope_ci[1], "note": "Cox of outcome on the linear predictor"},
        {"statistic": "ICI", "value": cal.ici, "lower": np.nan, "upper": np.nan,
         "note": "mean |observed - predicted| event probability (smoothed)"},
        {"statistic": "E50", "value": cal.e50, "lower": np.nan, "upper": np.nan, "note": ""},
        {"statistic": "E90", "value": cal.e90, "lower": np.nan, "upper": np.nan, "note": ""},
    ]
    recal = model.recalibrate(cohort) if hasattr(model, "recalibrate") else None
    return ExternalValidationResult(table=pd.DataFrame(rows), concordance=conc,
                                    calibration=cal, recalibrated=recal, time_point=time_point)
