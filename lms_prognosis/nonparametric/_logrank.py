"""Array engine behind :func:`lms_prognosis.logrank_test` (R ``survdiff`` conventions).

Pure numpy on checked arrays (``lms_prognosis._survdata.survival_data``); the pooled
Kaplan-Meier of the Fleming-Harrington weight is the shared product-limit kernel. The public
function and result object live in :mod:`lms_prognosis.nonparametric.logrank`.
"""

from __future__ import annotations

import numpy as np
from scipy.special import chdtrc  # chi2.sf without its per-call overhead

from lms_prognosis._survfit import ProductLimit, time_codes
from lms_prognosis.exceptions import SurvivalDataError


def survdiff_arrays(
    time: np.ndarray,
    died: np.ndarray,
    gcode: np.ndarray,
    n_groups: int,
    scode: np.ndarray | None,
    n_strata: int,
    rho: float,
    step: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed, expected (both weighted when rho != 0) and the variance matrix, summed over strata.

    Within each stratum, at every distinct event time t with n at risk and d events
    (n_g and d_g in group g) and weight w = S(t-)^rho (S the pooled Kaplan-Meier of the
    stratum): O_g += w d_g, E_g += w d n_g / n, and, for n > 1,
    V_gh += w^2 d (n - d) / (n (n - 1)) * n_g (delta_gh - n_h / n), as R's C routine
    ``survdiff2``. ``step`` is the times' grid step when known (see ``time_codes``).

    Examples
    --------
    >>> obs, exp, var = survdiff_arrays(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 1, 0, 1.0]),
    ...                                 np.array([0, 1, 0, 1]), 2, None, 1, 0.0)
    >>> obs.tolist(), exp.round(4).tolist()
    ([1.0, 2.0], [0.8333, 2.1667])
    """
    obs = np.zeros(n_groups)
    exp = np.zeros(n_groups)
    var = np.zeros((n_groups, n_groups))
    for s in range(n_strata):
        if scode is None:
            t, d, g = time, died, gcode
        else:
            m = scode == s
            t, d, g = time[m], died[m], gcode[m]
        if len(t) == 0:
            continue
        tc, uniq = time_codes(t, superset=True, step=step)
        size = len(uniq) * n_groups
        key = tc * n_groups + g
        cnt = np.bincount(key, minlength=size).reshape(len(uniq), n_groups)
        dth = np.bincount(key, weights=d, minlength=size).reshape(len(uniq), n_groups)
        at_risk = np.cumsum(cnt[::-1], axis=0)[::-1]
        dt = dth.sum(axis=1)
        keep = dt > 0
        at_risk, dth, dt = at_risk[keep].astype(float), dth[keep], dt[keep]
        n = at_risk.sum(axis=1)
        if rho != 0:
            pooled = ProductLimit.from_counts(uniq[keep], n, dt, np.zeros_like(dt))
            w = np.concatenate([[1.0], pooled.surv[:-1]]) ** rho  # S(t-)^rho
        else:
            w = np.ones_like(n)
        obs += w @ dth
        exp += (w * dt / n) @ at_risk
        with np.errstate(divide="ignore", invalid="ignore"):
            kt = np.where(n > 1, w * w * dt * (n - dt) / (n * (n - 1.0)), 0.0)
        kn = kt[:, None] * at_risk
        var += np.diag(kn.sum(axis=0)) - kn.T @ (at_risk / n[:, None])
    return obs, exp, var


def overall_chisq(obs: np.ndarray, exp: np.ndarray, var: np.ndarray) -> tuple[float, int, float]:
    """Chi-square on k - 1 df as R ``survdiff``.

    Groups with expected 0 are left out; the first remaining group is dropped and
    chisq = u' V^-1 u on the rest (u = O - E).

    Examples
    --------
    >>> stat, df, p = overall_chisq(np.array([3.0, 1.0]), np.array([2.0, 2.0]),
    ...                             np.array([[1.0, -1.0], [-1.0, 1.0]]))
    >>> stat, df, round(p, 4)
    (1.0, 1, 0.3173)
    """
    use = exp > 0
    df = int(use.sum()) - 1
    if df < 1:
        return 0.0, max(df, 0), 1.0
    u = (obs - exp)[use][1:]
    v = var[np.ix_(use, use)][1:, 1:]
    try:
        stat = float(u @ np.linalg.solve(v, u))
    except np.linalg.LinAlgError:
        stat = float(u @ np.linalg.pinv(v) @ u)
    return stat, df, float(chdtrc(df, stat))


def trend_chisq(
    obs: np.ndarray, exp: np.ndarray, var: np.ndarray, scores: np.ndarray
) -> tuple[float, float, float, float]:
    """Test for trend: chisq = (w'(O - E))^2 / (w' V w) on 1 df.

    Returns (chisq, p, statistic w'(O - E), its variance w' V w).

    Examples
    --------
    >>> v = np.array([[1.0, -1.0], [-1.0, 1.0]])
    >>> trend_chisq(np.array([3.0, 1.0]), np.array([2.0, 2.0]), v, np.array([1.0, 2.0]))[0]
    1.0
    """
    u = float(scores @ (obs - exp))
    v = float(scores @ var @ scores)
    if not v > 0:
        raise SurvivalDataError(
            "the trend statistic has zero variance: every group has the same "
            "score; check the scores (or the groups)"
        )
    stat = u * u / v
    return stat, float(chdtrc(1, stat)), u, v
