"""Quantiles of a Kaplan-Meier curve with confidence limits, as R ``quantile.survfit``.

Our own code, because neither lifelines nor scikit-survival has R's rule: lifelines'
``qth_survival_times`` returns the first time S <= 1 - p (no midpoint on a flat stretch, no
limits from the pointwise CI), scikit-survival has no quantile function. R (survival 3.5,
``survival:::findq``) reads the time at which 1 - S(t) reaches p with a tolerance of
sqrt(machine eps):

* if 1 - S equals p (within the tolerance) on a flat stretch, the quantile is the midpoint of
  the first time of that stretch and the next time the curve drops (and, when the curve ends
  on that stretch, of that time and the last observed time);
* the lower and upper limits are the same rule applied to the lower and upper pointwise
  curves (so they inherit the CI transform of the fit: log, log-log, plain, logit, arcsin);
  points where a limit is NA are skipped, as R's ``approx(na.rm = TRUE)``;
* NA where the curve (or limit) never reaches p; p = 0 gives the start time (0).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lms_prognosis.exceptions import SurvivalDataError

__all__ = ["find_quantile", "check_probs"]

_TOL = float(np.finfo(float).eps ** 0.5)


def check_probs(probs: float | Sequence[float] | np.ndarray) -> np.ndarray:
    """Probabilities as a float array, each in [0, 1] (R refuses others the same way).

    Examples
    --------
    >>> check_probs(0.5).tolist()
    [0.5]
    """
    p = np.atleast_1d(np.asarray(probs, dtype=float))
    if p.ndim != 1 or not np.isfinite(p).all() or ((p < 0) | (p > 1)).any():
        raise SurvivalDataError(
            f"probs must be numbers between 0 and 1 (the probability of the event by that "
            f"time: 0.5 is the median), got {np.asarray(probs).tolist()}"
        )
    return p


def find_quantile(
    time: np.ndarray, surv: np.ndarray, probs: np.ndarray, start: float = 0.0, tol: float = _TOL
) -> np.ndarray:
    """Times at which the curve ``surv`` falls to 1 - p, as R ``survival:::findq``.

    Parameters
    ----------
    time : ndarray
        Sorted distinct times of one curve (events and censorings, as ``survfit()$time``).
    surv : ndarray
        The curve (or a pointwise limit) at those times; NaN where R has NA.
    probs : ndarray
        Probabilities in [0, 1].
    start : float, default 0
        The start time (R's ``xmin``).
    tol : float
        R's ``tolerance = sqrt(.Machine$double.eps)``.

    Examples
    --------
    >>> find_quantile(np.array([1.0, 2, 3, 4]), np.array([0.75, 0.5, 0.5, 0.5]),
    ...               np.array([0.25, 0.5, 0.75])).tolist()
    [1.5, 3.0, nan]
    """
    x = np.concatenate([[start], np.asarray(time, dtype=float)])
    y = np.concatenate([[0.0], 1.0 - np.asarray(surv, dtype=float)])
    p = np.asarray(probs, dtype=float)
    if not np.any(np.isfinite(y)) or np.nanmax(y) < p.min():
        return np.full(len(p), np.nan)
    xmax = x[-1]
    keep = _first_of_runs(y)
    x, y = x[keep], y[keep]
    idx1 = _approx_index(y + tol, p)
    idx2 = _approx_index(y - tol, p)
    ok = (idx1 >= 0) & (idx2 >= 0)
    quant = np.full(len(p), np.nan)
    quant[ok] = (x[idx1[ok]] + x[idx2[ok]]) / 2.0
    quant[p == 0] = x[0]
    if not np.isnan(y[-1]):
        last = np.abs(p - y[-1]) < tol
        lo = last & (idx1 >= 0)
        quant[lo] = (x[idx1[lo]] + xmax) / 2.0
        quant[last & (idx1 < 0)] = np.nan
    return quant


def _first_of_runs(y: np.ndarray) -> np.ndarray:
    """Mask of the first occurrence of each value (NaN equal to NaN), as R ``!duplicated``."""
    return ~pd.Series(y).duplicated().to_numpy()


def _approx_index(xv: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R ``approx(xv, seq_along(xv), p, method = "constant", f = 1)`` as 0-based indices.

    NaN points are dropped (``na.rm = TRUE``), the rest sorted by value; a p outside their
    range gives -1 (R's NA, ``rule = 1``).
    """
    pos = np.flatnonzero(~np.isnan(xv))
    order = pos[np.argsort(xv[pos], kind="stable")]
    xs = xv[order]
    j = np.searchsorted(xs, p, side="left")
    out = np.full(len(p), -1, dtype=np.intp)
    inside = (p >= xs[0]) & (p <= xs[-1]) if len(xs) else np.zeros(len(p), dtype=bool)
    out[inside] = order[j[inside]]
    return out
