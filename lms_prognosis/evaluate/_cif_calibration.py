"""Calibration of a predicted cumulative incidence at a horizon (competing risks): the part of
:func:`lms_prognosis.evaluate.calibration` that runs with ``cause=``.

Observed risk is the Aalen-Johansen cumulative incidence, never 1 - Kaplan-Meier (which
counts competing events as censored and overstates the risk):

* **grouped**: R ``riskRegression::plotCalibration(method = "quantile", cens.method =
  "local")``: groups cut at the quantiles of the predicted risk (R ``cut(p, quantile(p,
  seq(0, 1, 1/q)), include.lowest = TRUE)``), mean predicted risk against the Aalen-Johansen
  estimate in each group (with a jackknife Wald interval);
* **smoothed**: jackknife pseudo-values of the Aalen-Johansen estimate at the horizon (R
  ``prodlim::jackknife``; Andersen & Perme 2010) regressed by least squares on a restricted
  cubic spline of cloglog(predicted risk), as Austin et al. (2022) smooth pseudo-observations;
  each patient's observed risk is the fitted value, and ICI/E50/E90 are the mean, median and
  90th percentile of |observed - predicted| (Austin et al. 2020, 2022). A least-squares spline
  rather than a loess so that the curve is R-checkable (``lm(pseudo ~ rcspline.eval(cll))``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._distributions import norm_ppf
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis.evaluate._calibration import RCS_KNOT_QUANTILES, rcs_basis
from lms_prognosis.evaluate._competing import aalen_johansen_at, check_cause, pseudo_values
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = ["CIFCalibrationResult", "cif_calibration"]


@dataclass(repr=False)
class CIFCalibrationResult(Result):
    """Calibration of a predicted cumulative incidence (absolute risk of one cause) at a horizon.

    Attributes
    ----------
    table : DataFrame
        Grouped: group, n, n_events (events of the cause), predicted (mean predicted risk),
        observed (Aalen-Johansen cumulative incidence at the horizon in the group; NaN when
        the group's follow-up ends before the horizon, as R ``prodlim``), lower, upper
        (jackknife Wald interval of observed, clipped to [0, 1]).
    smooth : DataFrame
        predicted, observed on a grid of predicted risks (the pseudo-value spline).
    patients : DataFrame
        Per patient (index of the data): predicted, pseudo (jackknife pseudo-value), observed
        (smoothed).
    ici, e50, e90, emax : float
        Mean, median, 90th percentile and maximum of |observed - predicted| over patients.
    oe, oe_ci : float, tuple
        Calibration-in-the-large: Aalen-Johansen cumulative incidence / mean predicted risk.
    slope : float
        NaN: no calibration slope on the cumulative-incidence scale is computed here.
    time_point, cause, n, n_events, n_competing, method, knots
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
    time_point: float
    cause: int
    n: int
    n_events: int
    n_competing: int
    method: str
    knots: np.ndarray
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    slope: float = float("nan")
    _title: ClassVar[str] = "Calibration (cumulative incidence)"

    def _heading(self) -> str:
        return (
            f"Calibration of the cumulative incidence of cause {self.cause} at "
            f"{self.time_point:g} months, n = {self.n}, events = {self.n_events}, "
            f"competing = {self.n_competing}"
        )

    def _summary_lines(self) -> list[str]:
        return [
            f"O/E {self.oe:.3f} ({self.oe_ci[0]:.3f}-{self.oe_ci[1]:.3f}); ICI {self.ici:.4f}, "
            f"E50 {self.e50:.4f}, E90 {self.e90:.4f}"
        ]

    @property
    def summary(self) -> pd.DataFrame:
        """One row: time_point, cause, oe, ici, e50, e90, emax, n, n_events, n_competing."""
        keys = ("time_point", "cause", "oe", "ici", "e50", "e90", "emax", "n", "n_events")
        return pd.DataFrame(
            [{**{k: getattr(self, k) for k in keys}, "n_competing": self.n_competing}]
        )


def _jackknife_se(pv: np.ndarray) -> float:
    """Standard error of the estimate from its pseudo-values (the jackknife variance)."""
    n = pv.size
    return float(np.sqrt(np.sum((pv - pv.mean()) ** 2) / (n * (n - 1)))) if n > 1 else np.nan


def _quantile_groups(p: np.ndarray, groups: int) -> np.ndarray:
    """Group 1..q of each prediction, as R ``cut(p, quantile(p, seq(0, 1, 1/q)),
    include.lowest = TRUE)`` (right-closed; repeated breaks merged)."""
    breaks = np.unique(np.quantile(p, np.linspace(0.0, 1.0, groups + 1)))
    if breaks.size < 2:
        return np.ones(p.size, dtype=int)
    return np.clip(np.searchsorted(breaks, p, side="left"), 1, breaks.size - 1)


def _grouped(
    t: np.ndarray, e: np.ndarray, p: np.ndarray, cause: int, tp: float, groups: int, z: float
) -> pd.DataFrame:
    grp = _quantile_groups(p, groups)
    rows = []
    for k in np.unique(grp):
        m = grp == k
        # beyond the group's last follow-up the estimate is not defined (R prodlim: NA),
        # unless everybody in the group had an event
        known = tp <= t[m].max() or bool(np.all(e[m] != 0))
        obs = aalen_johansen_at(t[m], e[m], cause, tp) if known else np.nan
        se = _jackknife_se(pseudo_values(t[m], e[m], cause, tp)) if known else np.nan
        rows.append(
            {
                "group": int(k),
                "n": int(m.sum()),
                "n_events": int(np.sum(e[m] == cause)),
                "predicted": float(p[m].mean()),
                "observed": obs,
                "lower": max(0.0, obs - z * se),
                "upper": min(1.0, obs + z * se),
            }
        )
    return pd.DataFrame(rows)


def _spline(cll: np.ndarray, knots: int) -> tuple[np.ndarray, np.ndarray]:
    kn = np.quantile(cll, RCS_KNOT_QUANTILES[knots])
    kn = np.unique(kn)
    basis = rcs_basis(cll, kn) if kn.size >= 3 else cll[:, None]
    return np.column_stack([np.ones(cll.size), basis]), kn


def _cll(p: np.ndarray) -> np.ndarray:
    return np.log(-np.log(1.0 - np.clip(p, 1e-12, 1 - 1e-12)))


def cif_calibration(
    t: np.ndarray,
    e: np.ndarray,
    p: np.ndarray,
    index: pd.Index,
    time_point: float,
    cause: int,
    groups: int,
    knots: int,
    conf_level: float,
) -> CIFCalibrationResult:
    """Calibration of predicted cumulative incidences ``p`` of ``cause`` at ``time_point``
    (checked rows: time ``t``, event code ``e``); see the module docstring."""
    cause = check_cause(e, cause)
    if np.sum(e == cause) < 2:
        raise LMSPrognosisError(f"calibration needs at least two events of cause {cause}")
    if time_point > t.max():
        raise LMSPrognosisError(
            f"time_point {time_point:g} is beyond the last follow-up time ({t.max():g}): the "
            f"observed cumulative incidence there is not estimable"
        )
    z = float(norm_ppf(0.5 + conf_level / 2))
    table = _grouped(t, e, p, cause, time_point, groups, z)
    pv = pseudo_values(t, e, cause, time_point)
    x, kn = _spline(_cll(p), knots)
    beta = np.linalg.lstsq(x, pv, rcond=None)[0]
    obs = x @ beta
    lo, hi = np.quantile(p, [0.01, 0.99])
    grid = np.linspace(float(lo), float(hi), 100)
    gx = np.column_stack(
        [np.ones(grid.size), rcs_basis(_cll(grid), kn) if kn.size >= 3 else _cll(grid)[:, None]]
    )
    diff = np.abs(obs - p)
    aj = aalen_johansen_at(t, e, cause, time_point)
    se = _jackknife_se(pv)
    mean_p = float(p.mean())
    return CIFCalibrationResult(
        table=table,
        smooth=pd.DataFrame({"predicted": grid, "observed": gx @ beta}),
        patients=pd.DataFrame({"predicted": p, "pseudo": pv, "observed": obs}, index=index),
        ici=float(diff.mean()),
        e50=float(np.median(diff)),
        e90=float(np.quantile(diff, 0.9)),
        emax=float(diff.max()),
        oe=aj / mean_p,
        oe_ci=((aj - z * se) / mean_p, (aj + z * se) / mean_p),
        time_point=float(time_point),
        cause=cause,
        n=int(t.size),
        n_events=int(np.sum(e == cause)),
        n_competing=int(np.sum((e != 0) & (e != cause))),
        method=f"pseudo-values on rcs ({kn.size} knots) of cloglog(predicted risk), least squares",
        knots=kn,
    )
