"""Random survival forests on scikit-survival, in the package's design and prediction contract.

:func:`fit_forest` checks its input with the one survival-input check
(``lms_prognosis._survdata.survival_data``), codes covariates with the Cox design builder
(:func:`lms_prognosis.cox.design.design_matrix`, so new data are coded identically and a
level not seen in the fit is refused), and grows scikit-survival's
``RandomSurvivalForest`` (Ishwaran et al. 2008, log-rank splitting). Nothing statistical is
our own: predictions are the forest's ensemble survival and cumulative hazard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import as_frame, survival_data
from lms_prognosis.cox.design import Design, design_matrix
from lms_prognosis.exceptions import ModelError

__all__ = ["ForestResult", "fit_forest"]


@dataclass(repr=False, eq=False)
class ForestResult(Result):
    """A random survival forest; see :func:`fit_forest`.

    Attributes
    ----------
    table : DataFrame
        setting, value: the forest's settings (trees, leaf size, features per split, seed).
    covariates : list of str
    n, n_events, dropped
        Rows analysed, events, rows left out (row, column, value, reason).
    event_times : ndarray
        The distinct event times the forest's curves step at.
    """

    table: pd.DataFrame
    covariates: list[str]
    time: str
    event: str
    settings: dict[str, Any]
    n: int = 0
    n_events: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    event_times: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _design: Design | None = field(default=None, repr=False)
    _forest: Any = field(default=None, repr=False)
    _title: ClassVar[str] = "Random survival forest"

    def _x(self, newdata: Any) -> tuple[np.ndarray, np.ndarray, pd.Index]:
        frame = as_frame(newdata)
        if self._design is None:
            raise ModelError("this forest has no design")
        x = self._design.transform(frame)
        ok = ~np.isnan(x).any(axis=1)
        return x, ok, frame.index

    def _curves(self, newdata: Any, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, pd.Index]:
        """(survival, cumulative hazard), each (rows, times); NaN rows where x is missing."""
        x, ok, index = self._x(newdata)
        surv = np.full((len(x), len(times)), np.nan)
        chf = np.full((len(x), len(times)), np.nan)
        if ok.any():
            s = self._forest.predict_survival_function(x[ok], return_array=True)
            h = self._forest.predict_cumulative_hazard_function(x[ok], return_array=True)
            i = np.searchsorted(self.event_times, times, side="right") - 1
            before = i < 0
            surv[ok] = np.where(before, 1.0, s[:, np.maximum(i, 0)])
            chf[ok] = np.where(before, 0.0, h[:, np.maximum(i, 0)])
        return surv, chf, index

    def predict_survival(self, newdata: Any, times: Sequence[float] | float) -> pd.DataFrame:
        """Survival of new patients at ``times``: the contract of ``CoxResult.predict_survival``.

        Long table: patient (newdata's index), time, surv, std_err, lower, upper, cumhaz. The
        forest's ensemble survival (a step function over the training event times, 1 before
        the first, constant after the last) and ensemble cumulative hazard. ``std_err``,
        ``lower``, ``upper`` are NaN: a forest has no model-based variance.
        """
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if t.ndim != 1 or not np.isfinite(t).all() or (t < 0).any():
            raise ModelError(f"times must be finite and >= 0, got {np.asarray(times).tolist()}")
        surv, chf, index = self._curves(newdata, t)
        na = np.full(surv.size, np.nan)
        return pd.DataFrame(
            {
                "patient": np.repeat(np.asarray(index), len(t)),
                "time": np.tile(t, len(index)),
                "surv": surv.ravel(),
                "std_err": na,
                "lower": na,
                "upper": na,
                "cumhaz": chf.ravel(),
            }
        )

    def predict_risk(self, newdata: Any) -> pd.DataFrame:
        """Risk score per row of ``newdata`` (larger = shorter survival).

        ``risk`` is the forest's ensemble mortality (scikit-survival ``predict``: the sum of
        the ensemble cumulative hazard over the event times, Ishwaran et al. 2008);
        ``linear_predictor`` is its log, so that code written for Cox models (C index,
        calibration slope) can use it. It is not a Cox linear predictor.
        """
        x, ok, index = self._x(newdata)
        risk = np.full(len(x), np.nan)
        if ok.any():
            risk[ok] = self._forest.predict(x[ok])
        with np.errstate(divide="ignore"):
            lp = np.log(risk)
        return pd.DataFrame({"linear_predictor": lp, "risk": risk}, index=index)

    def refit(self, data: Any) -> ForestResult:
        """The same forest settings grown on ``data``."""
        return fit_forest(data, self.covariates, self.time, self.event, **self.settings)

    def _summary_lines(self) -> list[str]:
        return [f"n = {self.n}, events = {self.n_events}; covariates {self.covariates}"]


def fit_forest(
    df: Any,
    covariates: Sequence[str] | str,
    time: str = "time",
    event: str = "event",
    *,
    n_trees: int = 500,
    min_samples_leaf: int = 15,
    max_features: str | int | float | None = "sqrt",
    seed: int = 1,
    n_jobs: int | None = 1,
) -> ForestResult:
    """Random survival forest (scikit-survival ``RandomSurvivalForest``).

    Parameters
    ----------
    df : DataFrame or Cohort
    covariates : list of str
        Columns or formula terms, coded as ``fit_cox`` codes them (factors as 0/1 columns).
    time, event : str
        Follow-up (months) and event code (0 censored, 1 event, 2 competing, counted censored).
    n_trees : int, default 500
    min_samples_leaf : int, default 15
        Smallest terminal node (design value: randomForestSRC's default nodesize for
        survival is 15).
    max_features : {"sqrt", "log2"}, int, float or None, default "sqrt"
        Candidate columns per split.
    seed : int, default 1
        ``random_state`` of the forest: bootstrap samples and split candidates.
    n_jobs : int, default 1
        Threads growing trees. The forest and its predictions are the same for any
        ``n_jobs`` (each tree's seed is drawn from ``seed`` before the trees are grown;
        predictions average the trees in one thread, in a fixed order).

    Returns
    -------
    ForestResult
        ``.predict_survival`` (the Cox long table; CIs NaN), ``.predict_risk``, ``.refit``.

    Raises
    ------
    ModelError
        No events, or a setting the forest refuses.

    References
    ----------
    Ishwaran H, Kogalur UB, Blackstone EH, Lauer MS. Random survival forests. Ann Appl Stat
    2008;2:841-60.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> df = lp.load_synthetic().data
    >>> rf = fit_forest(df, ["age", "size_cm", "grade"], n_trees=50, seed=1)
    >>> rf.predict_survival(df.head(2), [60]).round(3)[["patient", "time", "surv"]]
       patient  time   surv
    0        0  60.0  0.903
    1        1  60.0  0.764
    """
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    sd = survival_data(df, time, event, covariates=covs)
    ev = sd.status(1).astype(bool)
    if not ev.any():
        raise ModelError(f"no events (code 1) in {event!r} among the {sd.n} rows analysed")
    design = design_matrix(sd.frame, covs, stacklevel=3, knot_data=as_frame(df))
    from sksurv.ensemble import RandomSurvivalForest
    from sksurv.util import Surv

    settings = {
        "n_trees": int(n_trees),
        "min_samples_leaf": int(min_samples_leaf),
        "max_features": max_features,
        "seed": int(seed),
        "n_jobs": n_jobs,
    }
    forest = RandomSurvivalForest(
        n_estimators=int(n_trees),
        min_samples_leaf=int(min_samples_leaf),
        max_features=max_features,
        random_state=int(seed),
        n_jobs=n_jobs,
    )
    try:
        forest.fit(np.ascontiguousarray(design.x), Surv.from_arrays(ev, sd.time))
    except ValueError as err:
        raise ModelError(f"the forest could not be grown: {err}") from err
    # predictions in one thread: a threaded average sums trees in another order (1e-16 apart)
    forest.set_params(n_jobs=1)
    table = pd.DataFrame({"setting": list(settings), "value": [str(v) for v in settings.values()]})
    return ForestResult(
        table=table,
        covariates=list(design.covariates),
        time=time,
        event=event,
        settings=settings,
        n=sd.n,
        n_events=int(ev.sum()),
        dropped=sd.dropped,
        event_times=np.asarray(forest.unique_times_, dtype=float),
        _design=design,
        _forest=forest,
    )
