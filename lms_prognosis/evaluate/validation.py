"""Internal validation (bootstrap optimism correction, R ``rms::validate``) and external
validation of a (published) model on a local cohort."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import as_frame
from lms_prognosis.cox.pool import is_imputed
from lms_prognosis.evaluate._validation import METRICS, dispatch, summarise
from lms_prognosis.evaluate._validation_cr import CR_DEFAULT, CR_METRICS
from lms_prognosis.evaluate._validation_pool import pool_validations
from lms_prognosis.evaluate._validation_setup import (
    apparent_c_se,
    competing_refit,
    cr_job,
    fast_job,
    fast_spec,
    general_job,
    is_competing_model,
    refit_like,
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
    cause : int or None
        Competing risks: the cause whose cumulative incidence was validated.
    imputations : list of ValidationResult
        Multiply imputed data: the validation of each completed data set (``table`` then
        holds the pooled values, with lower, upper, fmi and between, see ``validate``).
    """

    table: pd.DataFrame
    replicates: pd.DataFrame
    n_failed: int
    seed: Any
    time_point: float | None
    method: str
    n: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    cause: int | None = None
    imputations: list[ValidationResult] = field(default_factory=list)
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


def validate(
    fit_fn: Callable[[pd.DataFrame], Any] | Sequence[str] | Any,
    df: pd.DataFrame | Any,
    n_bootstrap: int = 200,
    seed: int | Any = 1,
    n_jobs: int | None = 1,
    metrics: Sequence[str] | None = None,
    time_point: float | None = None,
    time: str = "time",
    event: str = "event",
    progress: bool = True,
    cause: int | None = None,
    backend: str | None = None,
) -> ValidationResult:
    """Bootstrap optimism-corrected performance, as R ``rms::validate``.

    Parameters
    ----------
    fit_fn : callable, CoxResult, FineGrayResult, CauseSpecificResult or list of str
        How to refit the model. A fitted ``CoxResult`` or a list of covariate names (columns
        or formula terms such as ``"rcs(age, 4)"``) uses the Cox fast path (design matrix
        built once; each refit straight through the package's Newton-Raphson engine); a
        ``CoxResult`` with strata, case weights, cluster or start is refitted by ``fit_cox``
        with all of them. A ``FineGrayResult`` or ``CauseSpecificResult`` is refitted by
        ``fit_fine_gray`` / ``fit_cause_specific`` like it, and a list of covariates with
        ``cause=`` by ``fit_fine_gray`` (a Fine-Gray model: it predicts the cumulative
        incidence directly). Any callable ``fit_fn(data) -> model`` is refitted as given:
        a model with ``predict_risk`` (and, for the Brier score, ``predict_survival``) is a
        survival model; one with ``predict_cif`` only, a competing-risk model.
    df : DataFrame, Cohort or Imputed
        The development data; an ``Imputed`` (``lp.impute(...)``) is validated in each
        completed data set and the results pooled (see Notes).
    n_bootstrap : int
        Bootstrap replicates B (200 by default, as rms).
    seed : int or SeedSequence
        Replicate b draws its sample from ``SeedSequence(seed).spawn(B)[b]``, so the result is
        the same whatever ``n_jobs``.
    n_jobs : int
        Worker processes (joblib; -1 = all cores). Small problems (rows x replicates below
        1,000,000) run in-process whatever ``n_jobs``: worker start-up would cost more than
        it saves (n = 1,000, B = 200 takes about a second in-process).
    metrics : sequence of str, optional
        Survival models: ``"c"`` (Harrell), ``"dxy"`` (2C - 1), ``"slope"`` (calibration
        slope), ``"brier"`` (at ``time_point``; skipped when it is None); default all four.
        Competing risks: ``"c"`` (Wolbers' C of the predicted cumulative incidence at
        ``time_point``), ``"dxy"``, ``"brier"`` (of the cumulative incidence, Score's),
        ``"ici"``, ``"e50"``, ``"e90"`` (calibration of the cumulative incidence against the
        Aalen-Johansen pseudo-values) and ``"oe"`` (Aalen-Johansen / mean predicted);
        default c, brier, ici, oe.
    time_point : float, optional
        Horizon (months) of the Brier score; with competing risks, of every metric (required).
    time, event : str
        Column names (event 0 censored, 1 event, 2 competing event; counted as censored by
        a survival model).
    progress : bool
        Show a tqdm progress bar.
    backend : {None, "loky", "dask"}
        ``"dask"`` runs the replicates on the current ``dask.distributed`` cluster; each
        replicate's seed is its own, so the result is the same as with any ``n_jobs``.
    cause : {1, 2}, optional
        Competing risks: the cause whose cumulative incidence is validated (default: a
        Fine-Gray model's own cause; 1 for cause-specific models).

    Returns
    -------
    ValidationResult
        ``.table``: metric, apparent, training, test, optimism, corrected, n_bootstrap;
        ``.replicates``: per-replicate values; ``.n``, ``.dropped`` and ``.cause``.

    Notes
    -----
    Harrell's bootstrap (rms ``validate.cph``): for each replicate, refit on the bootstrap
    sample, compute each index on that sample (training) and on the original data (test);
    optimism = mean(training - test) over successful replicates; corrected = apparent -
    optimism. The training slope of an unpenalised Cox fit is exactly 1. C uses R's
    ``concordance()`` rules (rms uses Hmisc ``rcorr.cens``, which differs only in tie
    handling); the Brier score uses riskRegression::Score's censoring weights. Bootstrap
    refits start at the full-data estimate and stop at a relative log-likelihood change of
    1e-7. Rows with a missing time, event or covariate (or a variable a formula term reads)
    are left out before the bootstrap and listed in ``.dropped``; replicates whose refit
    fails are dropped and counted (``n_failed``). Case weights enter the refits only; the
    metrics are unweighted, and rows (not clusters) are resampled.

    Competing risks: every metric is the one of the evaluation functions with ``cause=``
    (``concordance(..., cause=, tau=time_point)``, ``brier_score(..., cause=)``,
    ``calibration(..., cause=)``), so the apparent values equal theirs on the full data.
    A bootstrap sample whose follow-up ends before the horizon, or with fewer than two
    events of the cause, counts as a failed replicate.

    Multiple imputation (``df`` an ``Imputed``): imputation, then bootstrap. Each of the m
    completed data sets is validated with the same seed (the same bootstrap samples of the
    same patients), and the corrected values are pooled by Rubin's rules: C on the logit
    scale (Marshall et al. 2009), with the infinitesimal-jackknife standard error of the
    apparent C of each data set as its within-imputation error (lower, upper, fmi); Dxy as
    2C - 1 of the pooled C; the other metrics as the mean over data sets (Rubin's point
    estimate; ``between`` is their between-imputation SD). Why this order: the ``Imputed``
    holds the completed data sets, not the imputation of new bootstrap samples, and
    bootstrap-then-impute costs B x m imputations. Schomaker & Heumann (2018) show that
    bootstrapping each imputed data set and combining by Rubin's rules gives valid
    inference. Wahl et al. (2016) found that imputing the whole data (with the outcome in the
    imputation model) before internal validation is slightly optimistic, more so with much
    missing information, because the test patients helped impute the training patients;
    with many missing values, read the corrected values as an upper bound.

    References
    ----------
    Harrell FE Jr, Lee KL, Mark DB. Multivariable prognostic models. Stat Med
    1996;15:361-87. Harrell FE Jr. Regression Modeling Strategies, 2nd ed. Springer 2015.
    Wolbers M, Koller MT, Witteman JC, Steyerberg EW. Prognostic models with competing risks.
    Epidemiology 2009;20:555-61.
    Wahl S, Boulesteix AL, Zierer A, Thorand B, van de Wiel MA. Assessment of predictive
    performance in incomplete data by combining internal validation and multiple
    imputation. BMC Med Res Methodol 2016;16:144.
    Schomaker M, Heumann C. Bootstrap inference when using multiple imputation. Stat Med
    2018;37:2252-66.
    Marshall A, Altman DG, Holder RL, Royston P. Combining estimates of interest in
    prognostic modelling studies after multiple imputation. BMC Med Res Methodol 2009;9:57.

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
    if n_bootstrap < 1:
        raise LMSPrognosisError("n_bootstrap must be >= 1")
    args = (n_bootstrap, seed, n_jobs, metrics, time_point, time, event, progress, cause, backend)
    if is_imputed(df):
        return _validate_imputed(fit_fn, df, args)
    return _validate_data(fit_fn, as_frame(df), *args)[0]


def _wanted(metrics: Sequence[str] | None, competing: bool, tp: float | None) -> list[str]:
    """The metrics asked for, checked against those of the model's kind."""
    allowed, default = (CR_METRICS, CR_DEFAULT) if competing else (METRICS, METRICS)
    want = [m.lower() for m in (default if metrics is None else metrics)]
    bad = [m for m in want if m not in allowed]
    if bad:
        kind = "a competing-risk model" if competing else "a survival model"
        raise LMSPrognosisError(f"unknown metric(s) {bad} for {kind}; choose from {allowed}")
    if competing and tp is None:
        raise LMSPrognosisError(
            "a competing-risk model is validated at a horizon: give time_point= (months)"
        )
    return [m for m in want if not (m == "brier" and tp is None)]


def _validate_data(
    fit_fn: Any,
    frame: pd.DataFrame,
    n_bootstrap: int,
    seed: Any,
    n_jobs: int | None,
    metrics: Sequence[str] | None,
    time_point: float | None,
    time: str,
    event: str,
    progress: bool,
    cause: int | None,
    backend: str | None = None,
) -> tuple[ValidationResult, float]:
    """:func:`validate` on one data set; also the IJ standard error of the apparent C."""
    job: dict[str, Any] = {"time_point": time_point}
    cr = competing_refit(fit_fn, cause, time, event)
    model = None
    if cr is None and callable(fit_fn) and not hasattr(fit_fn, "predict_risk"):
        model = fit_fn(frame)  # the apparent fit says which kind of model this is
        if cause is not None or is_competing_model(model):
            k = cause if cause is not None else getattr(model, "cause", 1)
            cr = (fit_fn, k, time, event, "refit with fit_fn")
    spec = None if cr is not None else fast_spec(fit_fn)
    if cr is None and spec is None and not callable(fit_fn) and hasattr(fit_fn, "ties"):
        fit_fn = refit_like(fit_fn)  # a CoxResult with strata, weights, cluster or start
    job["want"] = _wanted(metrics, cr is not None, time_point)
    if cr is not None:
        refit, k, tcol, ecol, method = cr
        apparent, sd = cr_job(refit, model or refit(frame), frame, tcol, ecol, k, job)
    elif spec is not None:
        apparent, sd = fast_job(spec, frame, time, event, job)
        ties = "Efron" if spec["efron"] else "Breslow"
        method = f"cox fast path (Newton-Raphson engine), {ties} ties"
    elif callable(fit_fn):
        apparent, sd = general_job(fit_fn, frame, time, event, job, model)
        method = "refit with fit_fn"
    else:
        raise TypeError(
            "fit_fn must be a callable (DataFrame -> model), a CoxResult, FineGrayResult or "
            "CauseSpecificResult, or a list of covariate names"
        )
    children = np.random.SeedSequence(seed).spawn(n_bootstrap)
    want = job["want"]
    table, reps, n_failed = summarise(
        want, apparent, dispatch(job, children, n_jobs, progress, backend)
    )
    res = ValidationResult(
        table=table,
        replicates=reps,
        n_failed=n_failed,
        seed=seed,
        time_point=time_point,
        method=method,
        n=sd.n,
        dropped=sd.dropped,
        cause=job.get("cause") if cr is not None else None,
    )
    return res, (apparent_c_se(job) if "c" in want or "dxy" in want else np.nan)


def _validate_imputed(fit_fn: Any, imputed: Any, args: tuple[Any, ...]) -> ValidationResult:
    """Validate each completed data set with the same seed; pool the corrected values."""
    runs, c_ses = [], []
    for data in imputed.datasets:
        res, c_se = _validate_data(fit_fn, data, *args)
        runs.append(res)
        c_ses.append(c_se)
    first = runs[0]
    return ValidationResult(
        table=pool_validations([r.table for r in runs], np.asarray(c_ses)),
        replicates=pd.concat(
            [r.replicates.assign(imputation=i) for i, r in enumerate(runs)], ignore_index=True
        ),
        n_failed=sum(r.n_failed for r in runs),
        seed=first.seed,
        time_point=first.time_point,
        method=f"{first.method}; in each of {len(runs)} imputed data sets, pooled by Rubin's rules",
        n=imputed.n,
        dropped=imputed.dropped.copy(),
        cause=first.cause,
        imputations=runs,
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
        dropped=_with_population_reasons(cal.dropped, model, as_frame(cohort)),
    )


def _with_population_reasons(dropped: pd.DataFrame, model: Any, frame: pd.DataFrame) -> Any:
    """A patient the model does not score because it is outside its population is reported
    with that reason (column, value, reason of the population check), not as a missing
    prediction."""
    population = getattr(model, "population", None)
    if population is None or not hasattr(population, "check") or dropped.empty:
        return dropped
    problems, _ = population.check(frame, getattr(model, "name", "the model"))
    why = {frame.index[p.position]: (p.column, p.value, p.reason) for p in problems}
    out = dropped.astype({"column": object, "value": object, "reason": object})
    hit = (out["column"] == "prediction") & out["row"].isin(list(why))
    found = [why[r] for r in out.loc[hit, "row"]]
    for j, name in enumerate(("column", "value", "reason")):
        out.loc[hit, name] = [f[j] for f in found]
    return out
