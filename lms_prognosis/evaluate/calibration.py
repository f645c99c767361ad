"""Calibration of predicted risk at a horizon: grouped, smoothed, in the large, and the slope.

The grouped observed risk is the one Kaplan-Meier kernel; the smoothed curve is a Cox model
(the one engine and baseline of :mod:`lms_prognosis.cox`) or a hazard regression; the slope is
the package's one :func:`lms_prognosis.cox.slope.calibration_slope`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, overload

import numpy as np
import pandas as pd

from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import as_frame
from lms_prognosis.cox.slope import calibration_slope
from lms_prognosis.evaluate._calibration import (
    RCS_KNOT_QUANTILES,
    HazardSmoother,
    cox_smooth,
    km_at,
    rcs_basis,
)
from lms_prognosis.evaluate._cif_calibration import CIFCalibrationResult, cif_calibration
from lms_prognosis.evaluate._competing import check_cause
from lms_prognosis.evaluate._inputs import checked, cif_matrix, model_columns, model_predictions
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = ["CalibrationResult", "CIFCalibrationResult", "calibration"]


@dataclass(repr=False)
class CalibrationResult(Result):
    """Calibration at a horizon, on the **event-probability** scale (1 - S(t)).

    Attributes
    ----------
    table : DataFrame
        Grouped: group, n, n_events, predicted (mean predicted event probability), observed
        (1 - Kaplan-Meier at t), lower, upper (CI of observed, R's log CI on S).
    smooth : DataFrame
        predicted, observed, lower, upper on a grid of predicted values (Austin et al. 2020
        curve; for method "rcs" the pointwise CI of the smoothing Cox model, as R
        ``survfit.coxph``; no interval for method "hazard").
    patients : DataFrame
        Per patient (index of the data): predicted, observed (smoothed), linear_predictor.
    ici, e50, e90, emax : float
        Mean, median, 90th percentile and maximum of |observed - predicted| over patients.
    oe, oe_ci : float, tuple
        Calibration-in-the-large: KM observed event probability / mean predicted.
    slope, slope_se, slope_ci : float
        Calibration slope (Cox of the outcome on the linear predictor; 1 = ideal).
    time_point, n, n_events, method, knots
        What was computed, on how many patients.
    dropped : DataFrame
        Rows left out (row, column, value, reason).
    """

    table: pd.DataFrame
    smooth: pd.DataFrame
    patients: pd.DataFrame
    ici: float
    e50: float
    e90: float
    emax: float
    oe: float
    oe_ci: tuple[float, float]
    slope: float
    slope_se: float
    slope_ci: tuple[float, float]
    time_point: float
    n: int
    n_events: int
    method: str
    knots: np.ndarray
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    _title: ClassVar[str] = "Calibration"

    def _heading(self) -> str:
        return (
            f"Calibration at {self.time_point:g} months (event probability scale), "
            f"n = {self.n}, events = {self.n_events}"
        )

    def _summary_lines(self) -> list[str]:
        return [
            f"O/E {self.oe:.3f} ({self.oe_ci[0]:.3f}-{self.oe_ci[1]:.3f}); slope "
            f"{self.slope:.3f} ({self.slope_ci[0]:.3f}-{self.slope_ci[1]:.3f}); ICI "
            f"{self.ici:.4f}, E50 {self.e50:.4f}, E90 {self.e90:.4f}"
        ]

    @property
    def summary(self) -> pd.DataFrame:
        """One row: time_point, oe, slope, ici, e50, e90, emax, n, n_events."""
        return pd.DataFrame(
            [
                {
                    "time_point": self.time_point,
                    "oe": self.oe,
                    "slope": self.slope,
                    "ici": self.ici,
                    "e50": self.e50,
                    "e90": self.e90,
                    "emax": self.emax,
                    "n": self.n,
                    "n_events": self.n_events,
                }
            ]
        )


def _grouped(
    t: np.ndarray,
    ev: np.ndarray,
    p_pred: np.ndarray,
    groups: int,
    time_point: float,
    conf_level: float,
) -> pd.DataFrame:
    """Quantile groups of predicted risk: mean predicted and 1 - KM observed (with CI)."""
    g = min(int(groups), len(t))
    ranks = pd.Series(p_pred).rank(method="first").to_numpy()
    grp = np.ceil(ranks * g / len(t)).astype(int)
    rows = []
    for k in range(1, g + 1):
        m = grp == k
        s, _, lo, hi = km_at(t[m], ev[m], time_point, conf_level)
        rows.append(
            {
                "group": k,
                "n": int(m.sum()),
                "n_events": int(ev[m].sum()),
                "predicted": float(p_pred[m].mean()),
                "observed": 1.0 - s,
                "lower": 1.0 - hi,
                "upper": 1.0 - lo,
            }
        )
    return pd.DataFrame(rows)


def _smoothed(
    t: np.ndarray,
    ev: np.ndarray,
    s_pred: np.ndarray,
    method: str,
    knots: int,
    time_point: float,
    conf_level: float,
) -> tuple[np.ndarray, pd.DataFrame, np.ndarray, str]:
    """Austin, Harrell & van Klaveren (2020): a smoother of the outcome on
    rcs(cloglog(predicted risk)); returns per-patient observed risk, curve, knots, label."""
    p_pred = 1.0 - s_pred
    cll = np.log(-np.log(np.clip(s_pred, 1e-12, 1 - 1e-12)))
    kn = np.quantile(cll, RCS_KNOT_QUANTILES[knots])
    if np.unique(kn).size < kn.size:
        kn = np.unique(kn)
    basis = rcs_basis(cll, kn) if kn.size >= 3 else cll[:, None]
    lo_q, hi_q = np.quantile(p_pred, [0.01, 0.99])
    grid = np.linspace(lo_q, hi_q, 100)
    gcll = np.log(-np.log(np.clip(1.0 - grid, 1e-12, 1 - 1e-12)))
    gb = rcs_basis(gcll, kn) if kn.size >= 3 else gcll[:, None]
    if method == "rcs":
        obs, smooth = cox_smooth(t, ev, basis, gb, grid, time_point, conf_level)
        label = f"rcs ({kn.size} knots) Cox on cloglog(predicted risk)"
    else:
        hz = HazardSmoother(t, ev, basis, cll)
        obs = 1.0 - hz.surv(time_point, basis, cll)
        smooth = pd.DataFrame({"predicted": grid, "observed": 1.0 - hz.surv(time_point, gb, gcll)})
        label = (
            f"piecewise-exponential hazard regression on rcs ({kn.size} knots) of "
            f"cloglog(predicted risk) with a cloglog x log(time) term"
        )
    return obs, smooth, kn, label


@overload
def calibration(
    model: Any,
    df: pd.DataFrame | Any,
    time_point: float = ...,
    groups: int = ...,
    method: str = ...,
    knots: int = ...,
    time: str = ...,
    event: str = ...,
    conf_level: float = ...,
    cause: None = ...,
) -> CalibrationResult: ...


@overload
def calibration(
    model: Any,
    df: pd.DataFrame | Any,
    time_point: float = ...,
    groups: int = ...,
    method: str = ...,
    knots: int = ...,
    time: str = ...,
    event: str = ...,
    conf_level: float = ...,
    *,
    cause: int,
) -> CIFCalibrationResult: ...


def calibration(
    model: Any,
    df: pd.DataFrame | Any,
    time_point: float = 60,
    groups: int = 5,
    method: str = "rcs",
    knots: int = 3,
    time: str = "time",
    event: str = "event",
    conf_level: float = 0.95,
    cause: int | None = None,
) -> CalibrationResult | CIFCalibrationResult:
    """Calibration of predicted risk at a horizon: grouped, smoothed, O/E and slope.

    Parameters
    ----------
    model : CoxResult, PublishedModel or array
        Anything with ``predict_survival(newdata, times)`` and ``predict_risk(newdata)``
        (or ``apply``); or an array of predicted survival probabilities at ``time_point``.
    df : DataFrame or Cohort
        Patients with observed ``time`` and ``event``.
    time_point : float
        Horizon in months (default 60 = 5 years).
    groups : int
        Number of risk groups (quantiles of predicted risk) for the grouped table.
    method : {"rcs", "hazard"}
        Smoother. ``"rcs"``: a Cox model of the outcome on a restricted cubic spline of
        cloglog(predicted risk). ``"hazard"``: a piecewise-exponential (Poisson) hazard
        regression on the same spline plus a cloglog x log(time) term, which allows
        non-proportional hazards (a non-adaptive stand-in for Kooperberg's HARE).
    knots : {3, 4, 5}
        Spline knots at Harrell's default quantiles of cloglog(predicted risk).
    time, event : str
        Column names (event 0 censored, 1 event, 2 competing event, counted as censored).
    conf_level : float
        Level of the Kaplan-Meier and slope intervals.
    cause : {1, 2}, optional
        Competing risks: calibration of the predicted **cumulative incidence** of this cause at
        ``time_point``. ``model`` is then an array or column of predicted absolute risks of the
        cause by ``time_point``, or a model with ``predict_cif(newdata, times)``; the observed
        risk is the Aalen-Johansen estimate, and a :class:`CIFCalibrationResult` is returned
        (``method`` must be ``"rcs"``; see Notes).

    Returns
    -------
    CalibrationResult
        ``.table`` grouped (group, n, n_events, predicted, observed, lower, upper),
        ``.smooth`` (predicted, observed, and for "rcs" lower, upper), ``.patients``,
        ``.ici``, ``.e50``, ``.e90``, ``.emax``, ``.oe``, ``.slope`` and their intervals,
        ``.n`` and ``.dropped``.

    Raises
    ------
    SurvivalDataError
        R's 1/2 status, text or undeclared event codes, negative times.
    LMSPrognosisError
        Unknown method or knots, fewer than two events, a horizon beyond the follow-up.

    Notes
    -----
    Everything is on the **event-probability** scale, 1 - S(t). Observed risk in a group is
    1 - Kaplan-Meier at t with R's log-transform CI (``survfit`` default). The smoothed curve
    follows Austin, Harrell & van Klaveren (2020): fit ``cph(Surv(time, event) ~ rcs(cll, 3))``
    with cll = log(-log(1 - predicted risk)) (Efron ties), then each patient's observed risk is
    1 - S_fitted(t | cll) (pointwise CIs of the curve as R ``survfit.coxph``); ICI, E50 and
    E90 are the mean, median and 90th percentile of |observed - predicted| over the patients
    (checked against R to 1e-9, tests/reference/validate_rms.R). O/E = (1 - KM(t)) / mean
    predicted risk, its interval from the KM interval. The slope is the coefficient of a Cox
    model of the outcome on the model's linear predictor (1 = ideal, < 1 = predictions too
    extreme). Rows with a missing time, event, prediction or model covariate are left out
    and listed in ``.dropped``.

    With ``cause`` (competing risks) the observed risk is the Aalen-Johansen cumulative
    incidence, not 1 - Kaplan-Meier. Grouped: quantile groups of predicted risk as R
    ``riskRegression::plotCalibration(method = "quantile", cens.method = "local")``, with a
    jackknife interval. Smoothed: jackknife pseudo-values of the Aalen-Johansen estimate
    (R ``prodlim::jackknife``) regressed by least squares on rcs(cloglog(predicted risk))
    (Austin et al. 2022 smooth pseudo-observations); ICI, E50 and E90 from that curve. O/E is
    the Aalen-Johansen estimate over the mean predicted risk. Checked against R in
    tests/reference/competing_evaluate.R.

    References
    ----------
    Austin PC, Harrell FE Jr, van Klaveren D. Graphical calibration curves and the integrated
    calibration index (ICI) for survival models. Stat Med 2020;39:2714-42.
    Austin PC, Putter H, Giardiello D, van Klaveren D. Graphical calibration curves and the
    integrated calibration index (ICI) for competing risk models. Diagn Progn Res 2022;6:2.
    Andersen PK, Perme MP. Pseudo-observations in survival analysis. Stat Methods Med Res
    2010;19:71-99.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=400)
    >>> t = rng.exponential(60 * np.exp(-x))
    >>> d = pd.DataFrame({"time": np.minimum(t, 120), "event": (t < 120).astype(int)})
    >>> cal = calibration(np.exp(-np.exp(x) * 60 / 60), d, time_point=60)
    >>> bool(abs(cal.slope - 1) < 0.25), cal.n
    (True, 400)
    """
    if method not in ("rcs", "hazard"):
        raise LMSPrognosisError(f"method must be 'rcs' or 'hazard', not {method!r}")
    if knots not in RCS_KNOT_QUANTILES:
        raise LMSPrognosisError("knots must be 3, 4 or 5")
    if cause is not None:
        return _calibration_cif(
            model, df, time_point, groups, method, knots, time, event, conf_level, cause
        )
    frame = as_frame(df)
    pred = model_predictions(model, df, time_point)
    both = pred[["surv", "lp"]].to_numpy(float)
    sd, vals = checked(
        frame, time, event, {"prediction": both}, covariates=model_columns(model, frame)
    )
    t, ev = sd.time, sd.status(1)
    s_pred, lp = vals["prediction"][:, 0], vals["prediction"][:, 1]
    if ev.sum() < 2:
        raise LMSPrognosisError("calibration needs at least two events")
    if time_point > t.max():
        raise LMSPrognosisError(
            f"time_point {time_point:g} is beyond the last follow-up time "
            f"({t.max():g}): the observed risk there is not estimable"
        )
    p_pred = 1.0 - s_pred
    table = _grouped(t, ev, p_pred, groups, time_point, conf_level)
    obs, smooth, kn, label = _smoothed(t, ev, s_pred, method, knots, time_point, conf_level)
    diff = np.abs(obs - p_pred)
    s_all, _, lo_all, hi_all = km_at(t, ev, time_point, conf_level)
    expected = float(p_pred.mean())
    ratio = (lambda x: x / expected) if expected > 0 else (lambda x: float("nan"))  # O/E NA
    slope = calibration_slope(t, ev, lp, conf_level=conf_level)
    patients = pd.DataFrame(
        {"predicted": p_pred, "observed": obs, "linear_predictor": lp}, index=sd.index
    )
    return CalibrationResult(
        table=table,
        smooth=smooth,
        patients=patients,
        ici=float(diff.mean()),
        e50=float(np.median(diff)),
        e90=float(np.quantile(diff, 0.9)),
        emax=float(diff.max()),
        oe=float(ratio(1.0 - s_all)),
        oe_ci=(float(ratio(1.0 - hi_all)), float(ratio(1.0 - lo_all))),
        slope=slope.slope,
        slope_se=slope.se,
        slope_ci=(slope.lower, slope.upper),
        time_point=float(time_point),
        n=sd.n,
        n_events=int(ev.sum()),
        method=label,
        knots=kn,
        dropped=sd.dropped,
    )


def _calibration_cif(
    model: Any,
    df: Any,
    time_point: float,
    groups: int,
    method: str,
    knots: int,
    time: str,
    event: str,
    conf_level: float,
    cause: int,
) -> CIFCalibrationResult:
    """``calibration(..., cause=)``: predicted cumulative incidence against Aalen-Johansen."""
    if method != "rcs":
        raise LMSPrognosisError(
            "with cause= the smoother is the pseudo-value spline: use method='rcs'"
        )
    frame = as_frame(df)
    pred = cif_matrix(df, model, np.array([float(time_point)]), check_cause(None, cause))
    sd, vals = checked(
        frame, time, event, {"prediction": pred}, covariates=model_columns(model, frame)
    )
    res = cif_calibration(
        sd.time,
        sd.event,
        vals["prediction"][:, 0],
        sd.index,
        time_point,
        cause,
        groups,
        knots,
        conf_level,
    )
    res.dropped = sd.dropped
    return res
