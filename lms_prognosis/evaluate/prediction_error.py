"""Accuracy at horizons: the IPCW Brier score and the cumulative/dynamic time-dependent AUC.

Both use the censoring weights of R's ``riskRegression::Score`` (``cens.model = "km"``), the
reference clinical prediction papers cite: a *case* (event of interest by the horizon t) is
weighted by 1 / G(T_i-), the reverse Kaplan-Meier curve just before its own time; a *control*
(time > t) by 1 / G(t). G is the package's one censoring curve,
``lms_prognosis._survfit.product_limit(..., reverse=True)`` (as ``prodlim(reverse = TRUE)``:
at a tied time the events leave the risk set before the censorings are counted).

scikit-survival (``sksurv.metrics.brier_score``, ``cumulative_dynamic_auc``) weights cases by
1 / G(T_i) instead, so its numbers differ from Score's whenever an event time equals a
censoring time (common with times in whole days or months); without such ties they agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import as_frame, survival_data
from lms_prognosis._survfit import ProductLimit, product_limit
from lms_prognosis.evaluate._competing import (
    aalen_johansen_at,
    check_cause,
    cr_auc,
    cr_brier,
)
from lms_prognosis.evaluate._inputs import (
    checked,
    cif_matrix,
    is_model,
    model_columns,
    model_predictions,
    surv_matrix,
    times_array,
    values_of,
)
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = [
    "BrierResult",
    "TimeAUCResult",
    "brier_score",
    "time_dependent_auc",
    "censoring_weights",
    "ipcw_brier",
    "brier_censoring",
]


@dataclass(repr=False)
class BrierResult(Result):
    """IPCW Brier score at each time (``table``: time, brier) and its integral.

    Attributes
    ----------
    table : DataFrame
        time, brier.
    integrated : float or None
        Trapezoidal integral over ``times`` divided by its range (None for one time).
    n : int
        Rows analysed.
    dropped : DataFrame
        Rows left out (row, column, value, reason).
    cause : int or None
        The cause whose predicted cumulative incidence was scored (None: survival).
    """

    table: pd.DataFrame
    integrated: float | None
    n: int
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    cause: int | None = None
    _title: ClassVar[str] = "Brier score (IPCW, riskRegression::Score weights)"

    def _summary_lines(self) -> list[str]:
        ibs = "" if self.integrated is None else f"; integrated {self.integrated:.4f}"
        of = "" if self.cause is None else f"; cumulative incidence of cause {self.cause}"
        return [f"n = {self.n}{ibs}{of}"]


@dataclass(repr=False)
class TimeAUCResult(Result):
    """Cumulative/dynamic AUC at each time (``table``: time, auc) and its weighted mean.

    Attributes
    ----------
    table : DataFrame
        time, auc.
    mean_auc : float
        Mean AUC weighted by the drop of the Kaplan-Meier curve between the times (as
        scikit-survival's ``cumulative_dynamic_auc``); with ``cause``, by the rise of the
        Aalen-Johansen cumulative incidence of the cause.
    n : int
        Rows analysed.
    dropped : DataFrame
        Rows left out (row, column, value, reason).
    cause : int or None
        The cause whose cases were discriminated (None: survival).
    """

    table: pd.DataFrame
    mean_auc: float
    n: int
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    cause: int | None = None
    _title: ClassVar[str] = "Time-dependent AUC (cumulative/dynamic)"

    def _summary_lines(self) -> list[str]:
        of = "" if self.cause is None else f"; cases: cause {self.cause}"
        return [f"n = {self.n}; mean {self.mean_auc:.4f}{of}"]


# --------------------------------------------------------------------------- weights


def censoring_weights(g: ProductLimit, time: np.ndarray, t: float) -> tuple[np.ndarray, float]:
    """Score's censoring probabilities: G(T_i-) for every row, and G(t) at the horizon.

    Examples
    --------
    >>> g = product_limit(np.array([1., 2, 2, 3]), np.array([1, 1, 0, 0]), reverse=True)
    >>> gi, gt = censoring_weights(g, np.array([1., 2, 2, 3]), 2.0)
    >>> gi.tolist(), gt
    ([1.0, 1.0, 1.0, 0.5], 0.5)
    """
    return np.asarray(g.at(time, left=True), dtype=float), float(g.at(t))


def brier_censoring(time: np.ndarray, event: np.ndarray) -> ProductLimit:
    """The censoring curve :func:`ipcw_brier` weights by when none is given: the reverse
    Kaplan-Meier of the rows, with every code but 1 (censored, competing) as censored.

    Examples
    --------
    >>> brier_censoring(np.array([1., 2, 3]), np.array([1, 0, 2])).at(np.array([2.5])).tolist()
    [0.5]
    """
    return product_limit(time, event == 1, reverse=True)


def ipcw_brier(
    time: np.ndarray, event: np.ndarray, surv_t: np.ndarray, t: float, g: ProductLimit | None = None
) -> float:
    """IPCW Brier score at ``t`` with riskRegression::Score's weights.

    Cases (event 1 by ``t``) add S_i(t)^2 / G(T_i-), controls (time > ``t``) add
    (1 - S_i(t))^2 / G(t), patients censored (or with a competing event) by ``t`` add 0;
    the sum is divided by n. ``g``: the censoring curve (default: from the same rows).

    Examples
    --------
    >>> t = np.array([2., 4, 6, 8]); e = np.array([1, 0, 1, 0])
    >>> round(ipcw_brier(t, e, np.full(4, 0.5), 5.0), 4)
    0.25
    """
    g = brier_censoring(time, event) if g is None else g
    gi, gt = censoring_weights(g, time, t)
    case = (time <= t) & (event == 1)
    ctrl = time > t
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(case, surv_t**2 / np.where(case, gi, 1.0), 0.0)
        b = np.where(ctrl, (1.0 - surv_t) ** 2 / gt, 0.0) if gt > 0 else np.zeros_like(a)
    return float(np.sum(a + b) / time.size)


def _auc_at(
    time: np.ndarray, event: np.ndarray, risk: np.ndarray, t: float, g: ProductLimit
) -> float:
    """Score's AUC at ``t``: cases weighted 1 / G(T_i-); controls (time > t) have equal
    weights 1 / G(t), which cancel; ties in risk count one half."""
    case = (time <= t) & (event == 1)
    ctrl = time > t
    if not case.any() or not ctrl.any():
        return float("nan")
    w = 1.0 / g.at(time[case], left=True)
    rc = np.sort(risk[ctrl])
    below = np.searchsorted(rc, risk[case], side="left")
    tied = np.searchsorted(rc, risk[case], side="right") - below
    return float(np.sum(w * (below + 0.5 * tied)) / (np.sum(w) * rc.size))


def _censoring_curve(
    train: Any,
    time: str,
    event: str,
    test_time: np.ndarray,
    test_event: np.ndarray,
    times: np.ndarray,
    competing: bool = False,
) -> ProductLimit:
    """G from ``train`` (default: the test rows), refusing horizons where it is not defined.

    ``competing``: only code 0 is a censoring (a competing event is not), as Score with a
    cause; otherwise code 2 counts as censored."""
    if train is None:
        t_tr, e_tr = test_time, test_event
    else:
        sd = survival_data(train, time, event)
        t_tr, e_tr = sd.time, sd.event
    g = product_limit(t_tr, e_tr != 0 if competing else e_tr == 1, reverse=True)
    last = float(t_tr.max())
    g_t = np.asarray(g.at(times), dtype=float)
    bad = (times >= last) | (g_t <= 0)
    if bad.any():
        raise LMSPrognosisError(
            f"evaluation time(s) {times[bad].tolist()} are at or beyond the follow-up of the "
            f"data that estimate the censoring distribution (last time {last:g}, censoring "
            f"survival there {float(g.at(last)):.3g}); inverse probability of censoring "
            f"weights are not defined there. Use earlier times."
        )
    return g


# --------------------------------------------------------------------------- public


def brier_score(
    df: pd.DataFrame | Any,
    predicted: Any,
    times: float | Sequence[float],
    time: str = "time",
    event: str = "event",
    train: Any = None,
    cause: int | None = None,
) -> BrierResult:
    """Inverse-probability-of-censoring weighted Brier score and integrated Brier score.

    Parameters
    ----------
    df : DataFrame or Cohort
        The patients on whom predictions are judged (test data).
    predicted : model, array or str
        A model with ``predict_survival(newdata, times)`` (CoxResult, PublishedModel), or an
        array of predicted survival probabilities of shape (n, len(times)) (a vector for one
        time), or a column name (one time).
    times : float or sequence
        Horizons (months), sorted and de-duplicated.
    time, event : str
        Column names (event 0 censored, 1 event, 2 competing event, counted as censored).
    train : DataFrame, optional
        Data that estimate the censoring distribution G (default: ``df`` itself).
    cause : {1, 2}, optional
        Competing risks: score the predicted **cumulative incidence** of this cause (absolute
        risk by each time). ``predicted`` is then an array or column of CIF values, or a
        model with ``predict_cif(newdata, times)``.

    Returns
    -------
    BrierResult
        ``table`` (time, brier), ``integrated`` (trapezoidal integral over ``times`` divided
        by its range; None for a single time), ``n`` and ``dropped``.

    Raises
    ------
    SurvivalDataError
        R's 1/2 status, text or undeclared event codes, negative times.
    LMSPrognosisError
        A horizon at or beyond the follow-up of ``train``, where the censoring weights are
        not defined (scikit-survival raises a confusing error there, its issues 478, 511,
        557); test follow-up beyond the training follow-up is harmless.

    Notes
    -----
    Graf et al.'s estimator with the weights of R ``riskRegression::Score(...,
    metrics = "brier", cens.model = "km")``: BS(t) = (1/n) sum_i [1(T_i <= t, event) S_i(t)^2
    / G(T_i-) + 1(T_i > t) (1 - S_i(t))^2 / G(t)], with G the reverse Kaplan-Meier curve
    (events leave the risk set before censorings at a tied time, as ``prodlim``).
    Checked against Score to 1e-9 (tests/reference/brier_auc.R). scikit-survival's
    ``brier_score`` uses G(T_i) for the cases and so differs when an event time equals a
    censoring time. Rows with a missing time, event or prediction are left out and listed in
    ``.dropped``.

    With ``cause`` (R ``Score(..., cause =)``, tests/reference/competing_evaluate.R): BS(t) =
    (1/n) sum_i W_i (1(T_i <= t, D_i = cause) - F_i(t))^2 with W_i = 1 / G(T_i-) for any event
    by t (a competing event is an observed non-case: it adds F_i(t)^2), 1 / G(t) for a patient
    event-free after t and 0 for one censored by t; G is the reverse Kaplan-Meier curve in
    which only code 0 is a censoring.

    References
    ----------
    Graf E, Schmoor C, Sauerbrei W, Schumacher M. Assessment and comparison of prognostic
    classification schemes for survival data. Stat Med 1999;18:2529-45.
    Gerds TA, Kattan MW. Medical Risk Prediction Models: With Ties to Machine Learning.
    Chapman and Hall/CRC 2021 (riskRegression::Score).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> d = pd.DataFrame({"time": [2., 4, 6, 8, 10, 12], "event": [1, 0, 1, 1, 0, 0]})
    >>> round(float(brier_score(d, np.full(6, 0.5), 5).table["brier"].iloc[0]), 4)
    0.25
    """
    t_arr = times_array(times)
    frame = as_frame(df)
    if cause is None:
        pred = surv_matrix(df, predicted, t_arr)
    else:
        pred = cif_matrix(df, predicted, t_arr, check_cause(None, cause))
    covs = model_columns(predicted, frame)
    sd, vals = checked(frame, time, event, {"predicted": pred}, covariates=covs)
    s = vals["predicted"]
    if cause is not None:
        k = check_cause(sd.event, cause)
    g = _censoring_curve(train, time, event, sd.time, sd.event, t_arr, cause is not None)
    scores = np.array(
        [
            ipcw_brier(sd.time, sd.event, s[:, j], tt, g)
            if cause is None
            else cr_brier(sd.time, sd.event, s[:, j], tt, g, k)
            for j, tt in enumerate(t_arr)
        ]
    )
    integrated = None
    if t_arr.size >= 2:
        integrated = float(np.trapezoid(scores, t_arr) / (t_arr[-1] - t_arr[0]))
    return BrierResult(
        table=pd.DataFrame({"time": t_arr, "brier": scores}),
        integrated=integrated,
        n=sd.n,
        dropped=sd.dropped,
        cause=cause,
    )


def time_dependent_auc(
    df: pd.DataFrame | Any,
    risk: Any,
    times: float | Sequence[float],
    time: str = "time",
    event: str = "event",
    train: Any = None,
    cause: int | None = None,
) -> TimeAUCResult:
    """Cumulative/dynamic time-dependent AUC with riskRegression::Score's weights.

    Parameters
    ----------
    df : DataFrame or Cohort
        Test data.
    risk : str, array-like or model
        Risk score (larger = worse), one value per row; or an array of shape (n, len(times))
        with one score per horizon (e.g. predicted event probabilities); or a model (its
        linear predictor).
    times : float or sequence
        Horizons (months).
    time, event : str
        Column names (event 0 censored, 1 event, 2 competing event, counted as censored).
    train : DataFrame, optional
        Data for the censoring distribution (default: ``df``).
    cause : {1, 2}, optional
        Competing risks: cases are events of this cause; pass the predicted cumulative
        incidence of the cause (an array of shape (n, len(times)), a column, or a model with
        ``predict_cif(newdata, times)``).

    Returns
    -------
    TimeAUCResult
        ``table`` (time, auc), ``mean_auc`` (mean weighted by the drop of the Kaplan-Meier
        curve, as scikit-survival), ``n`` and ``dropped``.

    Notes
    -----
    Cases are patients with an event by t, weighted by 1 / G(T_i-); controls those still
    event-free after t, weighted by 1 / G(t) (equal weights, so they cancel); a case and a
    control tied on the risk count one half. This is R ``riskRegression::Score(...,
    metrics = "auc", cens.model = "km")`` (checked to 1e-9, tests/reference/brier_auc.R).
    scikit-survival's ``cumulative_dynamic_auc`` weights cases by 1 / G(T_i) and differs
    when an event time equals a censoring time. Horizons at or beyond the follow-up of
    ``train`` raise a clear error.

    With ``cause`` (R ``Score(..., cause =)``, Blanche et al. 2013's definition 2): cases
    have an event of the cause by t (weight 1 / G(T_i-)); controls are everybody else whose
    status at t is known, i.e. event-free after t (weight 1 / G(t)) or with a competing event
    by t (weight 1 / G(T_j-)); G is the reverse Kaplan-Meier curve in which only code 0 is a
    censoring. Checked to 1e-9 in tests/reference/competing_evaluate.R.

    References
    ----------
    Uno H et al. Evaluating prediction rules for t-year survivors with censored regression
    models. JASA 2007;102:527-37. Blanche P, Dartigues JF, Jacqmin-Gadda H. Estimating and
    comparing time-dependent areas under receiver operating characteristic curves for
    censored event times with competing risks. Stat Med 2013;32:5381-97.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"time": [2., 4, 6, 8, 10, 12], "event": [1, 1, 1, 0, 1, 0],
    ...                   "risk": [6, 5, 4, 3, 2, 1]})
    >>> float(time_dependent_auc(d, "risk", 5).table["auc"].iloc[0])
    1.0
    """
    t_arr = times_array(times)
    frame = as_frame(df)
    covs: list[str] = model_columns(risk, frame) if is_model(risk) else []
    if cause is not None and hasattr(risk, "predict_cif"):
        r: np.ndarray = cif_matrix(df, risk, t_arr, cause)
        covs = model_columns(risk, frame)
    elif is_model(risk):
        r = model_predictions(risk, df, None)["lp"].to_numpy(float)
    else:
        r = values_of(frame, risk, "risk")
    if r.ndim == 2 and np.shape(r)[1] != t_arr.size:
        raise LMSPrognosisError(f"risk has {np.shape(r)[1]} columns for {t_arr.size} times")
    sd, vals = checked(frame, time, event, {"risk": r}, covariates=covs)
    k = None if cause is None else check_cause(sd.event, cause)
    g = _censoring_curve(train, time, event, sd.time, sd.event, t_arr, k is not None)
    rr = vals["risk"]
    auc = np.array(
        [
            _auc_at(sd.time, sd.event, rr if rr.ndim == 1 else rr[:, j], tt, g)
            if k is None
            else cr_auc(sd.time, sd.event, rr if rr.ndim == 1 else rr[:, j], tt, g, k)
            for j, tt in enumerate(t_arr)
        ]
    )
    return TimeAUCResult(
        table=pd.DataFrame({"time": t_arr, "auc": auc}),
        mean_auc=_mean_auc(sd.time, sd.event, auc, t_arr, k),
        n=sd.n,
        dropped=sd.dropped,
        cause=k,
    )


def _mean_auc(
    time: np.ndarray, event: np.ndarray, auc: np.ndarray, t_arr: np.ndarray, cause: int | None
) -> float:
    """AUCs averaged with weights the rise of the event probability between the horizons:
    1 - Kaplan-Meier, or the Aalen-Johansen cumulative incidence of ``cause``."""
    if t_arr.size == 1:
        return float(auc[0])
    if cause is None:
        risk = 1.0 - np.asarray(product_limit(time, event == 1).at(t_arr), dtype=float)
    else:
        risk = np.array([aalen_johansen_at(time, event, cause, float(t)) for t in t_arr])
    rise = np.diff(np.r_[0.0, risk])
    return float(np.sum(auc * rise) / risk[-1])
