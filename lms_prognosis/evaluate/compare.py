"""Several models compared on the same bootstrap replicates (Harrell's optimism correction).

:func:`compare_models` refits every model on each bootstrap sample and scores it on that sample
(training) and on the original rows (test) with the package's own metric functions
(:func:`~lms_prognosis.evaluate.concordance`, :func:`~lms_prognosis.evaluate.brier_score`,
:func:`~lms_prognosis.evaluate.calibration`): no metric is computed here. Every model sees the
same rows and the same bootstrap samples, so differences between models are paired.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._parallel import run_tasks
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import as_frame
from lms_prognosis.cox.fit import fit_cox
from lms_prognosis.evaluate._inputs import checked, surv_matrix
from lms_prognosis.evaluate.calibration import CalibrationResult, calibration
from lms_prognosis.evaluate.concordance import concordance
from lms_prognosis.evaluate.prediction_error import brier_score
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = ["ComparisonResult", "compare_models", "METRICS"]

#: metric -> label: Harrell's C of the predicted risk at the horizon, IPCW Brier score,
#: calibration slope and ICI at the horizon
METRICS = {"c": "C (Harrell)", "brier": "Brier", "slope": "calibration slope", "ici": "ICI"}


@dataclass(repr=False)
class ComparisonResult(Result):
    """Optimism-corrected performance of several models on the same bootstrap replicates.

    Attributes
    ----------
    table : DataFrame
        model, metric, apparent, optimism, corrected, n_bootstrap (replicates used).
    summary : DataFrame
        One row per model, the corrected C, Brier, slope and ICI side by side.
    calibrations : dict of str to CalibrationResult
        Each model's apparent calibration at ``time_point`` (``lp.plot_calibration`` draws it).
    models : dict
        Each model fitted to all rows analysed.
    replicates : DataFrame
        replicate, model, metric, training, test.
    n_failed : int
        Replicates left out for every model because some model's refit failed there.
    time_point, seed, n, dropped
    """

    table: pd.DataFrame
    calibrations: dict[str, CalibrationResult]
    models: dict[str, Any]
    replicates: pd.DataFrame
    n_failed: int
    time_point: float
    seed: Any
    n: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    _title: ClassVar[str] = "Model comparison (bootstrap optimism-corrected)"

    @property
    def summary(self) -> pd.DataFrame:
        """Corrected metrics, one row per model (columns c, brier, slope, ici)."""
        wide = self.table.pivot(index="model", columns="metric", values="corrected")
        order = list(dict.fromkeys(self.table["model"]))
        return wide.reindex(index=order, columns=list(METRICS)).rename_axis(None, axis=1)

    def _display_frame(self) -> pd.DataFrame:
        return self.summary.reset_index()

    def _summary_lines(self) -> list[str]:
        b = int(self.table["n_bootstrap"].min()) if len(self.table) else 0
        return [
            f"horizon {self.time_point:g} months; {b} bootstrap replicates (seed {self.seed}), "
            f"{self.n_failed} failed; n = {self.n}"
        ]


def _fit_function(name: str, spec: Any, time: str, event: str) -> Callable[[pd.DataFrame], Any]:
    """How to refit one model (see :func:`compare_models`, ``models``)."""
    if isinstance(spec, (list, tuple)) and all(isinstance(c, str) for c in spec):
        covs = list(spec)
        return lambda d: fit_cox(d, covs, time=time, event=event)
    if hasattr(spec, "refit") and callable(spec.refit):
        return spec.refit
    if callable(spec):
        return spec
    if hasattr(spec, "hazard_ratios") and hasattr(spec, "ties"):  # a CoxResult
        kw = {"time": spec.time, "event": spec.event, "ties": spec.ties, "strata": spec.strata}
        return lambda d: fit_cox(d, spec.covariates, **kw)
    if hasattr(spec, "distribution") and hasattr(spec, "scale"):  # a ParametricResult
        from lms_prognosis.models.fit import fit_parametric

        kw = {"distribution": spec.distribution, "time": spec.time, "event": spec.event}
        return lambda d: fit_parametric(d, spec.covariates, **kw)
    raise TypeError(
        f"model {name!r}: give a function data -> fitted model, a list of covariates (a Cox "
        f"model), or a fitted result (fit_cox, fit_parametric, fit_forest, fit_cox(penalty=)); "
        f"got {type(spec).__name__}"
    )


def _surv_at(model: Any, data: pd.DataFrame, time_point: float) -> np.ndarray:
    if not hasattr(model, "predict_survival"):
        raise LMSPrognosisError(
            f"a compared model needs predict_survival(newdata, times); got {type(model).__name__}"
        )
    return surv_matrix(data, model, np.array([float(time_point)]))[:, 0]


def _metrics(data: pd.DataFrame, s: np.ndarray, tp: float, time: str, event: str) -> dict:
    """C, Brier, slope and ICI of predicted survival ``s`` at ``tp`` on ``data``."""
    cal = calibration(s, data, time_point=tp, time=time, event=event)
    return {
        "c": concordance(data, 1.0 - s, time=time, event=event).c,
        "brier": float(brier_score(data, s, tp, time=time, event=event).table["brier"].iloc[0]),
        "slope": cal.slope,
        "ici": cal.ici,
    }


def _replicate_task(task: tuple[Any, ...]) -> Any:
    """One bootstrap replicate (a task for the shared runner)."""
    return _replicate(*task)


def _replicate(
    fits: dict[str, Callable[[pd.DataFrame], Any]],
    data: pd.DataFrame,
    ss: np.random.SeedSequence,
    tp: float,
    time: str,
    event: str,
) -> dict[str, tuple[dict, dict]] | None:
    """One bootstrap sample: every model refitted and scored (training, test); None if any
    refit or score fails (the replicate is then left out for every model)."""
    n = len(data)
    idx = np.random.default_rng(ss).integers(0, n, size=n)
    boot = data.iloc[idx].reset_index(drop=True)
    out = {}
    try:
        for name, fit_fn in fits.items():
            model = fit_fn(boot)
            train = _metrics(boot, _surv_at(model, boot, tp), tp, time, event)
            test = _metrics(data, _surv_at(model, data, tp), tp, time, event)
            out[name] = (train, test)
    except (LMSPrognosisError, np.linalg.LinAlgError, ValueError):
        return None
    return out


def compare_models(
    models: Mapping[str, Any],
    df: pd.DataFrame | Any,
    time_point: float = 60,
    n_bootstrap: int = 200,
    seed: int | Any = 1,
    time: str = "time",
    event: str = "event",
    n_jobs: int | None = 1,
    backend: str | None = None,
) -> ComparisonResult:
    """Optimism-corrected C, Brier, calibration slope and ICI of several models, compared on
    the same bootstrap replicates.

    Parameters
    ----------
    models : dict of str to model spec
        Each value says how to fit one model to a data frame:

        * a function ``data -> fitted model`` (anything with ``predict_survival(newdata,
          times)``), e.g. ``lambda d: lp.fit_forest(d, covs, n_trees=200)``;
        * a list of covariate names: ``fit_cox(data, covariates)``;
        * a fitted result, refitted with the same settings: ``fit_cox`` (covariates, ties,
          strata), ``fit_parametric`` (covariates, distribution), ``fit_cox(penalty=)``
          and ``fit_forest`` (their ``.refit``: a penalty chosen by cross-validation is
          chosen again in every replicate, as it should be).
    df : DataFrame or Cohort
    time_point : float, default 60
        Horizon (months) of every metric.
    n_bootstrap : int, default 200
    seed : int or SeedSequence, default 1
        Replicate b resamples with ``SeedSequence(seed).spawn(n_bootstrap)[b]``; the same
        sample is used for every model, and the result is the same for any ``n_jobs``.
    time, event : str
        Column names (event 0 censored, 1 event, 2 competing event, counted as censored).
    n_jobs : int, default 1
        Worker processes over replicates (joblib).
    backend : {None, "loky", "dask"}
        ``"dask"`` runs the replicates on the current ``dask.distributed`` cluster; each
        replicate has its own seed, so the result is the same as with any ``n_jobs``.

    Returns
    -------
    ComparisonResult
        ``.table`` (model, metric, apparent, optimism, corrected, n_bootstrap), ``.summary``
        (corrected metrics side by side), ``.calibrations`` (each model's apparent
        :class:`CalibrationResult`, for ``lp.plot_calibration``), ``.models``,
        ``.replicates``, ``.n`` and ``.dropped``.

    Notes
    -----
    Harrell's bootstrap (as :func:`~lms_prognosis.evaluate.validate`): optimism = mean over
    replicates of (metric on the bootstrap sample - metric on the original rows) of the model
    refitted on the sample; corrected = apparent - optimism. Every metric uses the predicted
    survival S(time_point | x), so all model families are scored alike: C is Harrell's C of
    1 - S(time_point) (R ``concordance()``; the same ranking as the linear predictor for a
    proportional-hazards model); Brier is the IPCW Brier score (riskRegression::Score
    weights); slope and ICI are those of :func:`~lms_prognosis.evaluate.calibration` (slope of
    the outcome on cloglog(1 - S), Austin et al. 2020 ICI). A replicate in which any model
    fails to refit or be scored is left out for every model (``n_failed``), so the models stay
    paired. Rows with a missing time, event or covariate of any model are left out first
    (``.dropped``), so every model is fitted and scored on the same rows.

    References
    ----------
    Harrell FE Jr, Lee KL, Mark DB. Multivariable prognostic models. Stat Med 1996;15:361-87.
    Austin PC, Harrell FE Jr, van Klaveren D. Graphical calibration curves and the integrated
    calibration index (ICI) for survival models. Stat Med 2020;39:2714-42.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> df = lp.load_synthetic().data
    >>> res = compare_models({"cox": ["age", "grade"], "size": ["size_cm"]}, df,
    ...                      n_bootstrap=5)
    >>> res.summary.columns.tolist(), res.summary.index.tolist()
    (['c', 'brier', 'slope', 'ici'], ['cox', 'size'])
    """
    if not models:
        raise LMSPrognosisError("give at least one model, e.g. {'cox': ['age', 'grade']}")
    if n_bootstrap < 1:
        raise LMSPrognosisError("n_bootstrap must be >= 1")
    tp = float(time_point)
    frame = as_frame(df)
    fits = {str(k): _fit_function(str(k), v, time, event) for k, v in models.items()}
    first = {k: f(frame) for k, f in fits.items()}
    preds = {k: _surv_at(m, frame, tp) for k, m in first.items()}
    sd, _ = checked(frame, time, event, preds)
    data = frame.iloc[sd.positions].reset_index(drop=True)
    fitted = first if sd.n == len(frame) else {k: f(data) for k, f in fits.items()}
    calibrations, apparent = {}, {}
    for k, m in fitted.items():
        s = _surv_at(m, data, tp)
        calibrations[k] = calibration(s, data, time_point=tp, time=time, event=event)
        apparent[k] = _metrics(data, s, tp, time, event)
    children = np.random.SeedSequence(seed).spawn(int(n_bootstrap))
    tasks = [(fits, data, ss, tp, time, event) for ss in children]
    results = run_tasks(_replicate_task, tasks, n_jobs=n_jobs or 1, backend=backend)
    table, reps = _summarise(apparent, results)
    return ComparisonResult(
        table=table,
        calibrations=calibrations,
        models=fitted,
        replicates=reps,
        n_failed=sum(r is None for r in results),
        time_point=tp,
        seed=seed,
        n=sd.n,
        dropped=sd.dropped,
    )


def _summarise(
    apparent: dict[str, dict], results: Sequence[dict[str, tuple[dict, dict]] | None]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [
        {"replicate": b, "model": k, "metric": m, "training": tr[m], "test": te[m]}
        for b, res in enumerate(results)
        if res is not None
        for k, (tr, te) in res.items()
        for m in METRICS
    ]
    reps = pd.DataFrame(rows, columns=["replicate", "model", "metric", "training", "test"])
    out = []
    for k, app in apparent.items():
        for m in METRICS:
            r = reps[(reps["model"] == k) & (reps["metric"] == m)]
            opt = float((r["training"] - r["test"]).mean()) if len(r) else np.nan
            out.append(
                {
                    "model": k,
                    "metric": m,
                    "apparent": app[m],
                    "optimism": opt,
                    "corrected": app[m] - opt,
                    "n_bootstrap": len(r),
                }
            )
    return pd.DataFrame(out), reps
