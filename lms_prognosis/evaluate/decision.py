"""Decision curve analysis at a horizon: net benefit of treating by predicted risk."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import as_frame
from lms_prognosis.evaluate._calibration import km_at
from lms_prognosis.evaluate._inputs import checked, model_columns, surv_matrix, values_of
from lms_prognosis.exceptions import DataWarning, LMSPrognosisError

__all__ = ["DecisionCurveResult", "decision_curve"]


@dataclass(repr=False)
class DecisionCurveResult(Result):
    """Net benefit by threshold: model, treat all, treat none.

    Attributes
    ----------
    table : DataFrame
        threshold, net_benefit, treat_all, treat_none, n_positive,
        interventions_avoided_per_100.
    time_point : float
        Horizon (months).
    n : int
        Rows analysed.
    dropped : DataFrame
        Rows left out (row, column, value, reason).
    """

    table: pd.DataFrame
    time_point: float
    n: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    _title: ClassVar[str] = "Decision curve"


def _net_benefit_rows(
    t: np.ndarray, e: np.ndarray, risk: np.ndarray, time_point: float, thresholds: np.ndarray
) -> list[dict[str, float]]:
    n = t.size
    s_all = km_at(t, e, time_point)[0]
    if not np.isfinite(s_all):
        raise LMSPrognosisError(f"time_point {time_point:g} is beyond the last follow-up time")
    rows = []
    for pt in thresholds:
        odds = pt / (1.0 - pt)
        pos = risk >= pt
        npos = int(pos.sum())
        if npos:
            s_pos = km_at(t[pos], e[pos], time_point)[0]
            if not np.isfinite(s_pos):
                warnings.warn(
                    f"threshold {pt:g}: the high-risk group's follow-up ends before "
                    f"{time_point:g}; net benefit not estimable",
                    DataWarning,
                    stacklevel=4,
                )
            tp = (1.0 - s_pos) * npos / n
            fp = s_pos * npos / n
        else:
            tp = fp = 0.0
        nb = tp - fp * odds
        nb_all = (1.0 - s_all) - s_all * odds
        rows.append(
            {
                "threshold": float(pt),
                "net_benefit": nb,
                "treat_all": nb_all,
                "treat_none": 0.0,
                "n_positive": npos,
                "interventions_avoided_per_100": (nb - nb_all) / odds * 100 if odds > 0 else np.nan,
            }
        )
    return rows


def decision_curve(
    df: pd.DataFrame | Any,
    predicted: Any,
    time_point: float,
    thresholds: Sequence[float] | np.ndarray | None = None,
    time: str = "time",
    event: str = "event",
) -> DecisionCurveResult:
    """Decision curve analysis at a horizon (net benefit of treating by predicted risk).

    Parameters
    ----------
    df : DataFrame or Cohort
        Patients with ``time`` and ``event``.
    predicted : model, array or str
        A model with ``predict_survival`` (risk = 1 - S(time_point)), or predicted event
        probabilities at ``time_point`` (array or column name).
    time_point : float
        Horizon (months).
    thresholds : sequence of float, optional
        Threshold probabilities in (0, 1); default 0.01, 0.02, ..., 0.99.
    time, event : str
        Column names (event 0 censored, 1 event, 2 competing event, counted as censored).

    Returns
    -------
    DecisionCurveResult
        ``.table``: threshold, net_benefit, treat_all, treat_none, n_positive,
        interventions_avoided_per_100; ``.n`` and ``.dropped``.

    Notes
    -----
    Vickers et al.'s survival extension: among the n_pos patients with predicted risk >= pt,
    the true-positive rate is (1 - KM_pos(t)) n_pos / n and the false-positive rate
    KM_pos(t) n_pos / n; net benefit = TP - FP pt / (1 - pt). Treat-all uses the KM of
    everyone; treat-none is 0. Rows with a missing time, event or prediction are left out and
    listed in ``.dropped``.

    References
    ----------
    Vickers AJ, Cronin AM, Elkin EB, Gonen M. Extensions to decision curve analysis, a novel
    method for evaluating diagnostic tests, prediction models and molecular markers. BMC Med
    Inform Decis Mak 2008;8:53.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"time": [2., 4, 6, 8, 10, 12], "event": [1, 1, 0, 1, 0, 0],
    ...                   "risk": [.9, .8, .3, .6, .2, .1]})
    >>> dc = decision_curve(d, "risk", 9, thresholds=[0.5])
    >>> round(float(dc.table["net_benefit"].iloc[0]), 3)
    0.5
    """
    th = np.arange(1, 100) / 100 if thresholds is None else np.asarray(thresholds, dtype=float)
    if np.any((th <= 0) | (th >= 1)):
        raise LMSPrognosisError("thresholds must lie strictly between 0 and 1")
    frame = as_frame(df)
    covs: list[str] = []
    if hasattr(predicted, "predict_survival"):
        covs = model_columns(predicted, frame)
        risk = 1.0 - surv_matrix(df, predicted, np.array([float(time_point)]))[:, 0]
    else:
        risk = values_of(frame, predicted, "predicted").ravel()
    sd, vals = checked(frame, time, event, {"predicted": risk}, covariates=covs)
    rows = _net_benefit_rows(sd.time, sd.status(1), vals["predicted"], float(time_point), th)
    return DecisionCurveResult(
        table=pd.DataFrame(rows), time_point=float(time_point), n=sd.n, dropped=sd.dropped
    )
