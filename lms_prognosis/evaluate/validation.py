"""Internal validation (bootstrap optimism correction, R ``rms::validate``) and external
validation of a (published) model on a local cohort."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._concordance import time_keys
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import as_frame, survival_data
from lms_prognosis.cox.design import design_matrix, term_variables
from lms_prognosis.cox.engine import prepare
from lms_prognosis.cox.fit import fit_cox
from lms_prognosis.evaluate._inputs import checked, model_columns, model_predictions
from lms_prognosis.evaluate._validation import (
    METRICS,
    dispatch,
    fast_apparent,
    general_replicate,
    summarise,
)
from lms_prognosis.evaluate.calibration import CalibrationResult, calibration
from lms_prognosis.evaluate.concordance import ConcordanceResult, concordance
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = ["ValidationResult", "ExternalValidationResult", "validate", "external_validation"]


@dataclass(repr=False)
class ValidationResult(Result):
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
    n : int
        Rows analysed (the bootstrap draws n of them with replacement).
    dropped : DataFrame
        Rows left out (row, column, value, reason): a missing time, event or covariate.
    """

    table: pd.DataFrame
    replicates: pd.DataFrame
    n_failed: int
    seed: Any
    time_point: float | None
    method: str
    n: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    _title: ClassVar[str] = "Bootstrap validation (optimism-corrected)"

    def corrected(self, metric: str) -> float:
        """The optimism-corrected value of one metric."""
        rows = self.table.loc[self.table["metric"] == metric, "corrected"]
        return float(rows.to_numpy(dtype=float)[0])


@dataclass(repr=False)
class ExternalValidationResult(Result):
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
    time_point : float
    n : int
        Patients analysed (as in ``calibration``).
    dropped : DataFrame
        Rows left out (row, column, value, reason).
    """

    table: pd.DataFrame
    concordance: ConcordanceResult
    calibration: CalibrationResult
    recalibrated: Any
    time_point: float
    n: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    _title: ClassVar[str] = "External validation"


def _fast_spec(fit_fn: Any) -> dict[str, Any] | None:
    """Covariates, time/event columns and ties when the Cox fast path applies, else None."""
    if isinstance(fit_fn, str):
        fit_fn = [fit_fn]
    if isinstance(fit_fn, (list, tuple)) and all(isinstance(c, str) for c in fit_fn):
        return {"covariates": list(fit_fn), "time": None, "event": None, "efron": True}
    covs = getattr(fit_fn, "covariates", None)
    if (
        covs is not None
        and hasattr(fit_fn, "ties")
        and not any(getattr(fit_fn, a, None) for a in ("strata", "weights", "cluster", "start"))
        and hasattr(fit_fn, "predict_risk")
    ):
        return {
            "covariates": list(covs),
            "time": fit_fn.time,
            "event": fit_fn.event,
            "efron": fit_fn.ties == "efron",
        }
    return None


def _refit_like(fit: Any) -> Callable[[pd.DataFrame], Any]:
    """``fit_cox`` with everything of ``fit``: strata, case weights, cluster, start."""

    def refit(data: pd.DataFrame) -> Any:
        return fit_cox(
            data,
            fit.covariates,
            time=fit.time,
            event=fit.event,
            ties=fit.ties,
            strata=fit.strata,
            weights=getattr(fit, "weights", None),
            cluster=getattr(fit, "cluster", None),
            start=getattr(fit, "start", None),
        )

    return refit


def _fast_job(
    spec: dict[str, Any], frame: pd.DataFrame, time: str, event: str, job: dict[str, Any]
) -> tuple[dict[str, float], Any]:
    """Checked arrays and the design for the Cox fast path; returns apparent metrics and the
    survival check."""
    tcol = spec["time"] if spec["time"] not in (None, "time") else time
    ecol = spec["event"] if spec["event"] not in (None, "event") else event
    # the columns the terms read (``rcs(age, 4)`` reads age): rows missing one are left out
    covs = term_variables(spec["covariates"], frame.columns)
    sd = survival_data(frame, tcol, ecol, covariates=covs)
    # spline knots on the whole frame, as fit_cox (R's model.frame before na.omit)
    design = design_matrix(
        frame.iloc[sd.positions], spec["covariates"], stacklevel=4, knot_data=frame
    )
    job.update(
        fast=True,
        x=np.ascontiguousarray(design.x),
        time=sd.time,
        event=sd.status(1).astype(np.int64),
        efron=spec["efron"],
        n=sd.n,
    )
    job["keys"] = time_keys(job["time"], job["event"])
    # the original patients' sort and blocks, reused by every test-sample slope
    job["layout"] = prepare(job["time"], job["event"], np.zeros((sd.n, 1)), None, job["efron"])
    apparent = fast_apparent(job)  # also sets job["beta0"]
    return apparent, sd


def _general_job(
    fit_fn: Callable[[pd.DataFrame], Any],
    frame: pd.DataFrame,
    time: str,
    event: str,
    job: dict[str, Any],
) -> tuple[dict[str, float], Any]:
    """The user's fit_fn: rows its apparent model cannot predict (a missing covariate) are
    left out and reported, then every replicate refits on the rows kept."""
    model = fit_fn(frame)
    lp = model_predictions(model, frame, None)["lp"].to_numpy(float)
    sd, _ = checked(
        frame, time, event, {"linear_predictor": lp}, covariates=model_columns(model, frame)
    )
    data = frame.iloc[sd.positions].reset_index(drop=True)
    data[time] = sd.time
    data[event] = sd.event
    job.update(
        fast=False,
        fit_fn=fit_fn,
        df=data,
        time=sd.time,
        event=sd.status(1).astype(np.int64),
        n=sd.n,
    )
    job["keys"] = time_keys(job["time"], job["event"])
    return general_replicate(job, None)[1], sd


def validate(
    fit_fn: Callable[[pd.DataFrame], Any] | Sequence[str] | Any,
    df: pd.DataFrame | Any,
    n_bootstrap: int = 200,
    seed: int | Any = 1,
    n_jobs: int | None = 1,
    metrics: Sequence[str] = ("c", "dxy", "slope", "brier"),
    time_point: float | None = None,
    time: str = "time",
    event: str = "event",
    progress: bool = True,
) -> ValidationResult:
    """Bootstrap optimism-corrected performance, as R ``rms::validate``.

    Parameters
    ----------
    fit_fn : callable, CoxResult or list of str
        How to refit the model. A fitted ``CoxResult`` or a list of covariate names uses the
        fast path (design matrix built once; each refit straight through the package's
        Newton-Raphson engine). Any callable ``fit_fn(data) -> model`` (the model having
        ``predict_risk`` and, for the Brier score, ``predict_survival``) is refitted as given.
    df : DataFrame or Cohort
        The development data.
    n_bootstrap : int
        Bootstrap replicates B (200 by default, as rms).
    seed : int or SeedSequence
        Replicate b draws its sample from ``SeedSequence(seed).spawn(B)[b]``, so the result is
        the same whatever ``n_jobs``.
    n_jobs : int
        Worker processes (joblib; -1 = all cores). Small problems (rows x replicates below
        1,000,000) run in-process whatever ``n_jobs``: worker start-up would cost more than
        it saves (n = 1,000, B = 200 takes about a second in-process).
    metrics : sequence of {"c", "dxy", "slope", "brier"}
        Harrell's C, Somers' Dxy (2C - 1), calibration slope, Brier score at ``time_point``
        ("brier" is skipped when ``time_point`` is None).
    time_point : float, optional
        Horizon (months) of the Brier score.
    time, event : str
        Column names (event 0 censored, 1 event, 2 competing event, counted as censored).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    ValidationResult
        ``.table``: metric, apparent, training, test, optimism, corrected, n_bootstrap;
        ``.replicates``: per-replicate values; ``.n`` and ``.dropped``.

    Notes
    -----
    Harrell's bootstrap (rms ``validate.cph``): for each replicate, refit on the bootstrap
    sample, compute each index on that sample (training) and on the original data (test);
    optimism = mean(training - test) over successful replicates; corrected = apparent -
    optimism. The training slope of an unpenalised Cox fit is exactly 1. C uses R's
    ``concordance()`` rules (rms uses Hmisc ``rcorr.cens``, which differs only in tie
    handling); the Brier score uses riskRegression::Score's censoring weights. Bootstrap
    refits start at the full-data estimate and stop at a relative log-likelihood change of
    1e-7. Rows with a missing time, event or covariate are left out before the bootstrap and
    listed in ``.dropped``; replicates whose refit fails are dropped and counted
    (``n_failed``).

    References
    ----------
    Harrell FE Jr, Lee KL, Mark DB. Multivariable prognostic models. Stat Med
    1996;15:361-87. Harrell FE Jr. Regression Modeling Strategies, 2nd ed. Springer 2015.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> x = rng.normal(size=200)
    >>> t = rng.exponential(np.exp(-x))
    >>> d = pd.DataFrame({"time": t, "event": 1, "x": x})
    >>> res = validate(["x"], d, n_bootstrap=20, metrics=("c", "slope"), progress=False)
    >>> list(res.table["metric"]), res.n
    (['c', 'slope'], 200)
    """
    frame = as_frame(df)
    want = [m.lower() for m in metrics if not (m == "brier" and time_point is None)]
    bad = [m for m in want if m not in METRICS]
    if bad:
        raise LMSPrognosisError(f"unknown metric(s) {bad}; choose from {METRICS}")
    if n_bootstrap < 1:
        raise LMSPrognosisError("n_bootstrap must be >= 1")
    spec = _fast_spec(fit_fn)
    if (
        spec is None
        and not callable(fit_fn)
        and hasattr(fit_fn, "covariates")
        and hasattr(fit_fn, "predict_risk")
        and hasattr(fit_fn, "ties")
    ):
        # a CoxResult with strata, weights, cluster or start: refit it with fit_cox
        fit_fn = _refit_like(fit_fn)
    job: dict[str, Any] = {"want": want, "time_point": time_point}
    if spec is not None:
        apparent, sd = _fast_job(spec, frame, time, event, job)
        method = (
            f"cox fast path (Newton-Raphson engine), {'Efron' if spec['efron'] else 'Breslow'} ties"
        )
    elif callable(fit_fn):
        apparent, sd = _general_job(fit_fn, frame, time, event, job)
        method = "refit with fit_fn"
    else:
        raise TypeError(
            "fit_fn must be a callable (DataFrame -> model), a CoxResult, or a list "
            "of covariate names"
        )
    children = np.random.SeedSequence(seed).spawn(n_bootstrap)
    table, reps, n_failed = summarise(want, apparent, dispatch(job, children, n_jobs, progress))
    return ValidationResult(
        table=table,
        replicates=reps,
        n_failed=n_failed,
        seed=seed,
        time_point=time_point,
        method=method,
        n=sd.n,
        dropped=sd.dropped,
    )


def external_validation(
    model: Any, cohort: pd.DataFrame | Any, time_point: float = 60, groups: int = 5
) -> ExternalValidationResult:
    """Validate a (published) model on a local cohort in one call.

    Parameters
    ----------
    model : PublishedModel or CoxResult
        Needs ``predict_survival``, ``predict_risk`` (or ``apply``); ``recalibrate(cohort)``
        if the recalibrated model is wanted.
    cohort : Cohort or DataFrame
        The external patients (``time`` in months, ``event`` 0/1/2).
    time_point : float
        Horizon (months) of the calibration statistics.
    groups : int
        Risk groups in the calibration table.

    Returns
    -------
    ExternalValidationResult
        ``.table`` (C with its IJ interval, O/E, slope, ICI, E50, E90), ``.concordance``,
        ``.calibration`` (full :class:`CalibrationResult`), ``.recalibrated``
        (``model.recalibrate(cohort)`` or None), ``.n`` and ``.dropped``.

    Notes
    -----
    Discrimination by Harrell's C of the model's linear predictor (R ``concordance()``
    conventions); calibration as :func:`calibration` (event-probability scale). A model that
    transports well has O/E near 1 and slope near 1; a slope below 1 means its effects are too
    strong in this cohort (Kattan's nomogram: C 0.77 internal vs 0.64-0.76 external, Danieli &
    Gronchi, Curr Oncol 2023;30:3648).

    References
    ----------
    Riley RD et al. External validation of clinical prediction models using big datasets from
    e-health records or IPD meta-analysis. BMJ 2016;353:i3140.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> ext = external_validation(lp.published_model("lms_default"),
    ...                           lp.simulate_cohort(n=600, seed=4), time_point=60)
    >>> ext.table["statistic"].tolist()[:3]
    ['C (Harrell)', 'O/E', 'calibration slope']
    """
    cal = calibration(model, cohort, time_point=time_point, groups=groups)
    conc = concordance(cohort, model)
    lo, hi = conc.ci
    na = {"lower": np.nan, "upper": np.nan}
    rows = [
        {
            "statistic": "C (Harrell)",
            "value": conc.c,
            "lower": lo,
            "upper": hi,
            "note": f"se {conc.se:.4f}; n = {conc.n}, events = {conc.n_events}",
        },
        {
            "statistic": "O/E",
            "value": cal.oe,
            "lower": cal.oe_ci[0],
            "upper": cal.oe_ci[1],
            "note": f"observed / expected event probability at {time_point:g} months",
        },
        {
            "statistic": "calibration slope",
            "value": cal.slope,
            "lower": cal.slope_ci[0],
            "upper": cal.slope_ci[1],
            "note": "Cox of outcome on the linear predictor",
        },
        {
            "statistic": "ICI",
            "value": cal.ici,
            **na,
            "note": "mean |observed - predicted| event probability (smoothed)",
        },
        {"statistic": "E50", "value": cal.e50, **na, "note": ""},
        {"statistic": "E90", "value": cal.e90, **na, "note": ""},
    ]
    recal = model.recalibrate(cohort) if hasattr(model, "recalibrate") else None
    return ExternalValidationResult(
        table=pd.DataFrame(rows),
        concordance=conc,
        calibration=cal,
        recalibrated=recal,
        time_point=float(time_point),
        n=cal.n,
        dropped=cal.dropped,
    )
