"""Pieces of :func:`lms_prognosis.evaluate.calibration`: Kaplan-Meier at a horizon, the
restricted cubic spline basis and the two smoothers (a Cox model on rcs(cloglog(predicted
risk)), and a piecewise-exponential hazard regression).

Nothing here re-implements a kernel: Kaplan-Meier is the one product-limit curve
(``lms_prognosis._survfit``), every Cox fit is the one Newton-Raphson engine and baseline of
:mod:`lms_prognosis.cox`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lms_prognosis._survfit import conf_int, product_limit
from lms_prognosis.cox.baseline import baseline, predict_survival
from lms_prognosis.cox.engine import newton_raphson, prepare
from lms_prognosis.exceptions import ConvergenceWarning

__all__ = ["RCS_KNOT_QUANTILES", "km_at", "rcs_basis", "cox_smooth", "HazardSmoother"]

#: Hmisc::rcspline.eval default knot quantiles (n >= 100), by number of knots
RCS_KNOT_QUANTILES = {
    3: (0.10, 0.50, 0.90),
    4: (0.05, 0.35, 0.65, 0.95),
    5: (0.05, 0.275, 0.50, 0.725, 0.95),
}


def km_at(
    time: np.ndarray, event: np.ndarray, t: float, conf_level: float = 0.95
) -> tuple[float, float, float, float]:
    """Kaplan-Meier S(t), its standard error and R's log-transform CI (Greenwood).

    NaN when ``t`` is beyond the last observed time (R ``summary(survfit, times=)`` drops it),
    unless the curve has already reached 0 (then it stays 0).

    Examples
    --------
    >>> s, se, lo, hi = km_at(np.array([1., 2, 3, 4]), np.array([1, 0, 1, 0]), 2.5)
    >>> round(s, 4), round(lo, 4), round(hi, 4)
    (0.75, 0.4259, 1.0)
    """
    if time.size == 0:
        return (np.nan,) * 4
    pl = product_limit(time, event == 1)
    i = int(np.searchsorted(pl.time, t, side="right")) - 1
    s = float(pl.surv[i]) if i >= 0 else 1.0
    if t > pl.time[-1] and s > 0:
        return (np.nan,) * 4
    var_log = float(pl.var_log[i]) if i >= 0 else 0.0
    if s == 0 or not np.isfinite(var_log):
        return s, np.nan, np.nan, np.nan
    lo, hi = conf_int(np.array([s]), np.array([np.sqrt(var_log)]), "log", conf_level)
    return s, s * float(np.sqrt(var_log)), float(lo[0]), float(hi[0])


def rcs_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Restricted cubic spline basis (Harrell's ``rcs``: x plus k-2 cubic terms, norm 2).

    Examples
    --------
    >>> rcs_basis(np.array([0.0, 2.0]), np.array([0.0, 1.0, 3.0])).round(4).tolist()
    [[0.0, 0.0], [2.0, 0.7222]]
    """
    k = np.asarray(knots, float)
    scale = (k[-1] - k[0]) ** 2
    cols = [x]
    for j in range(k.size - 2):
        term = (
            np.clip(x - k[j], 0, None) ** 3
            - np.clip(x - k[-2], 0, None) ** 3 * (k[-1] - k[j]) / (k[-1] - k[-2])
            + np.clip(x - k[-1], 0, None) ** 3 * (k[-2] - k[j]) / (k[-1] - k[-2])
        )
        cols.append(term / scale)
    return np.column_stack(cols)


def cox_smooth(
    time: np.ndarray,
    event: np.ndarray,
    basis: np.ndarray,
    grid_basis: np.ndarray,
    grid: np.ndarray,
    t: float,
    conf_level: float,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Austin et al.'s smoother: Cox of the outcome on ``basis`` (Efron ties).

    Returns each patient's observed event probability 1 - S(t | basis) and the curve on
    ``grid`` with R ``survfit.coxph`` log-scale pointwise CIs (variance of the baseline
    hazard and of beta included).
    """
    means = basis.mean(axis=0)
    prep = prepare(time, event, basis - means, None, True)
    nr = newton_raphson(prep, stacklevel=4)
    base = baseline(prep, nr.beta)
    times = np.array([float(t)])

    def surv(z: np.ndarray, ci: bool) -> pd.DataFrame:
        long = predict_survival(
            base,
            z,
            z @ nr.beta,
            np.zeros(len(z), dtype=np.int64),
            times,
            nr.var if ci else np.zeros_like(nr.var),
            "log",
            conf_level,
            pd.RangeIndex(len(z)),
        )
        return long.sort_values("patient", kind="stable")

    observed = 1.0 - surv(basis - means, False)["surv"].to_numpy()
    g = surv(grid_basis - means, True)
    curve = pd.DataFrame(
        {
            "predicted": grid,
            "observed": 1.0 - g["surv"].to_numpy(),
            "lower": 1.0 - g["upper"].to_numpy(),
            "upper": 1.0 - g["lower"].to_numpy(),
        }
    )
    return observed, curve


class HazardSmoother:
    """Hazard-regression smoother (``method="hazard"``): a Poisson piecewise-exponential model

    log h(t | cll) = a_j (interval j of t) + rcs(cll) + g * cll * log(t_j),

    with intervals cut at quantiles of the event times (at most 12, each with events). The
    cll x log(t) term lets the effect of the prediction change over time (non-proportional
    hazards), as Kooperberg's HARE (R ``polspline::hare``) used by Austin et al. can; unlike
    HARE it is not adaptive (no knot or term selection). Fit by IRLS (a
    :class:`~lms_prognosis.exceptions.ConvergenceWarning` if it does not converge).
    """

    def __init__(self, t: np.ndarray, ev: np.ndarray, basis: np.ndarray, cll: np.ndarray):
        et = np.sort(t[ev == 1])
        j = int(np.clip(ev.sum() // 10, 2, 12))
        cuts = np.unique(np.quantile(et, np.linspace(0, 1, j + 1)[1:-1]))
        self.edges = np.concatenate([[0.0], cuts, [np.inf]])
        self.mid = np.log(np.maximum(self._midpoints(float(t.max())), 1e-8))
        self.beta = self._fit(t, ev, basis, cll)

    def _midpoints(self, tmax: float) -> np.ndarray:
        lo, hi = self.edges[:-1], np.minimum(self.edges[1:], tmax)
        return (lo + np.maximum(hi, lo)) / 2.0

    def _exposure(self, t: np.ndarray) -> np.ndarray:
        lo, hi = self.edges[:-1], self.edges[1:]
        return np.clip(np.minimum(t[:, None], hi[None, :]) - lo[None, :], 0.0, None)

    def _design(self, basis: np.ndarray, cll: np.ndarray) -> np.ndarray:
        """(n, J, 1 + p + J) design: interval dummies, rcs(cll), cll * log(t_j)."""
        n, nj = basis.shape[0], self.mid.size
        dummies = np.broadcast_to(np.eye(nj)[None, :, :], (n, nj, nj))
        cov = np.broadcast_to(basis[:, None, :], (n, nj, basis.shape[1]))
        inter = (cll[:, None] * self.mid[None, :])[:, :, None]
        return np.concatenate([dummies, cov, inter], axis=2)

    def _fit(self, t: np.ndarray, ev: np.ndarray, basis: np.ndarray, cll: np.ndarray) -> np.ndarray:
        expo = self._exposure(t)
        nj = self.mid.size
        d = np.zeros_like(expo)
        jj = np.clip(np.searchsorted(self.edges, t, side="left") - 1, 0, nj - 1)
        d[np.arange(t.size), jj] = ev
        keep = expo > 0
        x = self._design(basis, cll)[keep]
        y, off = d[keep], np.log(expo[keep])
        beta = np.zeros(x.shape[1])
        beta[:nj] = np.log(max(ev.sum(), 1) / expo.sum())
        for _ in range(50):
            mu = np.exp(x @ beta + off)
            info = x.T @ (x * mu[:, None])
            step = np.linalg.solve(info, x.T @ (y - mu))
            beta = beta + step
            if np.max(np.abs(step)) < 1e-9:
                return beta
        warnings.warn(
            "the hazard-regression calibration smoother did not converge in 50 "
            "IRLS iterations; its curve may be inaccurate (use method='rcs')",
            ConvergenceWarning,
            stacklevel=4,
        )
        return beta

    def surv(self, t: float, basis: np.ndarray, cll: np.ndarray) -> np.ndarray:
        """S(t | cll) = exp(-sum_j h_j(cll) x time at risk in interval j up to t)."""
        haz = np.exp(self._design(basis, cll) @ self.beta)
        return np.exp(-(haz * self._exposure(np.full(basis.shape[0], float(t)))).sum(axis=1))
