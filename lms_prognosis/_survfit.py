"""Product-limit kernels shared by the whole package (pure numpy, R ``survival`` conventions).

One implementation of each survival primitive, called by Kaplan-Meier, log-rank, Cox
(per-patient CIs), ``cox.zph``, concordance, calibration, Brier and AUC:

* :func:`product_limit` -- the Kaplan-Meier (product-limit) curve of one sample with Greenwood's
  variance and the Nelson-Aalen cumulative hazard, or with ``reverse=True`` the censoring curve
  G (reverse Kaplan-Meier); returns a :class:`ProductLimit`.
* :meth:`ProductLimit.from_counts` -- the same curve from counts per distinct time (used when
  the counts are already at hand, e.g. per group).
* :func:`conf_int` -- pointwise CI transforms ``log``, ``log-log``, ``plain``, ``logit`` and
  ``arcsin``, as R
  ``survival:::survfit_confint``.
* :func:`time_codes`, :func:`count_cells`, :func:`at_times`, :func:`median_rule` -- distinct
  times, counts per (group, time), R ``summary(survfit, times=)`` and ``print.survfit``'s median.

Inputs are arrays that have already been checked by ``lms_prognosis._survdata.survival_data``
(times >= 0, near-ties merged as R's ``aeqSurv``): nothing here validates data frames or merges
times; times are compared exactly.

Distinct times on a grid (whole days, months rounded to 0.1 or 0.01) are indexed directly;
other times are hashed (``pandas.factorize``) and only the distinct values sorted, so the
cost is O(n) plus O(U log U) for U distinct times; counts per (group, time) cell come from
``np.bincount``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from lms_prognosis.exceptions import LMSPrognosisError

__all__ = [
    "ProductLimit",
    "product_limit",
    "conf_int",
    "CONF_TYPES",
    "KM_CONF_TYPES",
    "time_codes",
    "count_cells",
    "Cells",
    "at_times",
    "median_rule",
]

CONF_TYPES = ("log", "log-log", "plain", "logit")
# conf_int also computes R's "arcsin"; Kaplan-Meier offers it (Cox predictions keep CONF_TYPES)
KM_CONF_TYPES = (*CONF_TYPES, "arcsin")
# R's tolerance in print.survfit's median rule (survival:::survmean, minmin)
_MEDIAN_TOL = np.finfo(float).eps ** 0.5


def _grid_codes(
    time: np.ndarray, superset: bool, step: float | None = None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Fast path for times on a grid (whole days, months rounded to 0.1 or 0.01).

    If every time is exactly the double k / s for an integer k (s = 1, 10 or 100) and k is
    not huge, the distinct times come from k itself instead of a hash: O(n), no sort. The
    values returned are k / s, i.e. the input doubles themselves. With ``superset`` and a
    grid no longer than the data, every grid point 0..max(k) is returned (unused points
    simply get no rows), which saves a pass. ``step``, when the caller already knows that
    every time is the double nearest k / step (``SurvData.grid_step``), skips that check.
    """
    n = len(time)
    limit = max(2 * n, 1 << 16)
    head = time[:256]
    for s in (1.0, 10.0, 100.0) if step is None else (step,):
        kh = np.rint(head * s)
        if kh.max() > limit or (step is None and not np.array_equal(kh / s, head)):
            continue
        k = np.multiply(time, s)
        np.rint(k, out=k)
        kmax = k.max()
        if kmax > limit or (step is None and not np.array_equal(k / s, time)):
            continue
        ki = k.astype(np.intp)
        if superset and kmax < n + 1024:
            return ki, np.arange(int(kmax) + 1) / s
        present = np.bincount(ki) > 0
        if present.all():
            return ki, np.arange(len(present)) / s
        lut = np.cumsum(present) - 1
        return lut[ki], np.flatnonzero(present) / s
    return None


def time_codes(
    time: np.ndarray, superset: bool = False, step: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each time among the sorted distinct times, and those distinct times.

    Times are compared exactly (no rounding of near-equal values). With ``superset=True``
    the returned values may include times that do not occur (still sorted, and
    ``values[codes] == time``), for callers that count per value anyway.

    ``step`` (1, 10 or 100) says the times are known to be the doubles nearest k / step, as
    ``SurvData.grid_step`` reports, so the grid check is not repeated.

    Examples
    --------
    >>> codes, uniq = time_codes(np.array([3.0, 1.0, 3.0, 2.0]))
    >>> codes.tolist(), uniq.tolist()
    ([2, 0, 2, 1], [1.0, 2.0, 3.0])
    >>> codes, uniq = time_codes(np.array([0.3, 1 / 3, 0.3]))  # not on a grid: hashed
    >>> codes.tolist()
    [0, 1, 0]
    """
    if len(time) == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0)
    grid = _grid_codes(time, superset, step)
    if grid is not None:
        return grid
    codes, uniq = pd.factorize(time, sort=False)
    order = np.argsort(uniq, kind="stable")
    rank = np.empty(len(uniq), dtype=np.intp)
    rank[order] = np.arange(len(uniq), dtype=np.intp)
    return rank[codes], np.asarray(uniq)[order]


@dataclass
class Cells:
    """One row per distinct (group, time) with at least one row, sorted by group then time.

    Counts are integers, or floats (sums of weights) when the counts were weighted.
    """

    gcode: np.ndarray
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    starts: np.ndarray  # first cell of each group; starts[G] == number of cells


def count_cells(
    time: np.ndarray,
    died: np.ndarray,
    gcode: np.ndarray | None = None,
    n_groups: int = 1,
    weights: np.ndarray | None = None,
    codes: tuple[np.ndarray, np.ndarray] | None = None,
) -> Cells:
    """Count subjects, events and censorings per distinct (group, time), with the risk sets.

    ``died`` is 0/1 (1 = event); ``gcode`` holds group codes 0..n_groups-1 (None: one group).
    With ``weights`` the counts are sums of weights (a cell is kept if it has a row, even of
    weight 0). n_risk is the (weighted) number with time >= t in the group. ``codes`` =
    (rank of each time, sorted distinct times), e.g. ``np.unique(time, return_inverse=True)``
    reversed, skips finding the distinct times again.

    Examples
    --------
    >>> c = count_cells(np.array([2.0, 1.0, 2.0, 3.0]), np.array([1, 1, 0, 0]))
    >>> c.time.tolist(), c.n_risk.tolist(), c.n_event.tolist(), c.n_censor.tolist()
    ([1.0, 2.0, 3.0], [4, 3, 1], [1, 1, 0], [0, 1, 1])
    """
    tc, uniq = time_codes(time, superset=True) if codes is None else codes
    n_times = len(uniq)
    if gcode is None or n_groups == 1:
        key = tc
    else:
        key = np.multiply(gcode, n_times, dtype=np.intp)
        key += tc
    w_died = died if weights is None else weights * died
    cells, cnt, ev = _cell_counts(key, n_groups * n_times, weights, w_died)
    if n_groups == 1:  # cells None: every time occupied, no indexing needed
        times = uniq if cells is None else uniq[cells]
        cg = np.zeros(len(times), dtype=np.intp)
        starts = np.array([0, len(times)])
    else:
        cg, tcode = np.divmod(np.arange(n_groups * n_times) if cells is None else cells, n_times)
        times = uniq[tcode]
        starts = np.searchsorted(cg, np.arange(n_groups + 1))
    n_event = ev.astype(np.int64) if weights is None else ev
    n_risk = np.empty(len(times), dtype=cnt.dtype)
    for g in range(n_groups):
        sl = slice(starts[g], starts[g + 1])
        n_risk[sl] = np.cumsum(cnt[sl][::-1])[::-1]
    return Cells(cg, times, n_risk, n_event, cnt - n_event, starts)


def _cell_counts(
    key: np.ndarray, size: int, weights: np.ndarray | None, w_died: np.ndarray
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Occupied cells (None when all are), and the (weighted) rows and events in each."""
    if size <= max(4 * len(key), 1 << 22):
        rows = np.bincount(key, minlength=size)
        cnt = rows if weights is None else np.bincount(key, weights, size)
        ev = np.bincount(key, weights=w_died, minlength=size)
        if rows.all():
            return None, cnt, ev
        cells = np.flatnonzero(rows)
        return cells, cnt[cells], ev[cells]
    # many groups x many distinct times: sort the occupied cells only
    cells, inv = np.unique(key, return_inverse=True)
    cnt = np.bincount(inv) if weights is None else np.bincount(inv, weights=weights)
    return cells, cnt, np.bincount(inv, weights=w_died)


def _step_value(
    grid: np.ndarray, values: np.ndarray, x: Any, left: bool, start: float
) -> np.ndarray:
    """Right-continuous step function (``start`` before the first grid time) at ``x``."""
    xa = np.asarray(x, dtype=float)
    idx = np.searchsorted(grid, xa, side="left" if left else "right") - 1
    out = np.where(idx >= 0, np.append(values, start)[idx], start)
    return np.where(np.isnan(xa), np.nan, out)


@dataclass(frozen=True, eq=False)
class ProductLimit:
    """A product-limit curve over its sorted distinct times (see :func:`product_limit`).

    Attributes
    ----------
    time : ndarray of float
        Sorted distinct times with at least one row (events and censorings).
    n_risk, n_event, n_censor : ndarray
        Risk set, events and censorings at each time (integers, or sums of weights). For a
        censoring curve (``reverse=True``) n_event counts censorings, n_censor counts events,
        and n_risk is the risk set used, i.e. the number with time >= t less the events at t.
    surv : ndarray of float
        The right-continuous curve S(t) = prod over times <= t of (1 - n_event / n_risk).
    var_log : ndarray of float
        Greenwood's sum of n_event / (n_risk (n_risk - n_event)): the variance of log S(t)
        (and of the Nelson-Aalen hazard, as R ``survfit()$std.err``); inf once S reaches 0.
    cumhaz : ndarray of float
        Nelson-Aalen cumulative hazard, sum of n_event / n_risk.
    reverse : bool
        True for the censoring curve G.

    Examples
    --------
    >>> pl = product_limit(np.array([2.0, 1.0, 2.0]), np.array([1, 0, 1]))
    >>> pl.time.tolist(), pl.n_risk.tolist(), pl.surv.tolist()
    ([1.0, 2.0], [3, 2], [1.0, 0.0])
    """

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    reverse: bool = False

    @classmethod
    def from_counts(
        cls,
        time: np.ndarray,
        n_risk: np.ndarray,
        n_event: np.ndarray,
        n_censor: np.ndarray,
        reverse: bool = False,
    ) -> ProductLimit:
        """The curve from counts per sorted distinct time (the kernel itself).

        Examples
        --------
        >>> pl = ProductLimit.from_counts(np.array([1.0, 2.0]), np.array([4, 2]),
        ...                               np.array([1, 1]), np.array([1, 1]))
        >>> pl.surv.tolist(), pl.cumhaz.tolist()
        ([0.75, 0.375], [0.25, 0.75])
        """
        n = np.asarray(n_risk, dtype=float)
        hazard = np.divide(n_event, n, out=np.zeros(n.shape), where=n > 0)
        return cls(
            np.asarray(time, dtype=float),
            np.asarray(n_risk),
            np.asarray(n_event),
            np.asarray(n_censor),
            np.cumprod(1.0 - hazard),
            reverse,
        )

    @cached_property
    def var_log(self) -> np.ndarray:
        """Greenwood's sum of d / (n (n - d)) (computed on first use)."""
        n = np.asarray(self.n_risk, dtype=float)
        d = np.asarray(self.n_event, dtype=float)
        with np.errstate(divide="ignore"):  # inf once everyone left has the event, as R
            return np.cumsum(np.divide(d, n * (n - d), out=np.zeros(n.shape), where=d > 0))

    @cached_property
    def cumhaz(self) -> np.ndarray:
        """Nelson-Aalen cumulative hazard, sum of d / n (computed on first use)."""
        n = np.asarray(self.n_risk, dtype=float)
        return np.cumsum(np.divide(self.n_event, n, out=np.zeros(n.shape), where=n > 0))

    def censoring(self) -> ProductLimit:
        """The censoring curve G of the same data, as ``product_limit(..., reverse=True)``.

        Censorings become the events; the events at a time leave the risk set before the
        censorings there (step 1 - c / (n - d)).

        Examples
        --------
        >>> pl = product_limit(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1, 1, 0, 0]))
        >>> pl.censoring().surv.tolist()
        [1.0, 0.5, 0.0]
        """
        if self.reverse:
            raise ValueError("censoring() is for a survival curve, not a censoring curve")
        return ProductLimit.from_counts(
            self.time, self.n_risk - self.n_event, self.n_censor, self.n_event, reverse=True
        )

    @property
    def se_log(self) -> np.ndarray:
        """Standard error of log S(t), sqrt(var_log) (R ``survfit()$std.err``)."""
        return np.sqrt(self.var_log)

    def at(self, x: Any, left: bool = False) -> np.ndarray:
        """S(x), or S(x-) (the value just before x) with ``left=True``; 1 before the first time.

        Examples
        --------
        >>> pl = product_limit(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1, 1, 0, 0]))
        >>> pl.at([0.5, 2.0, 9.0]).tolist(), pl.at(2.0, left=True).tolist()
        ([1.0, 0.5, 0.5], 0.75)
        """
        return _step_value(self.time, self.surv, x, left, 1.0)

    def cumhaz_at(self, x: Any, left: bool = False) -> np.ndarray:
        """Nelson-Aalen H(x) (or H(x-) with ``left=True``); 0 before the first time.

        Examples
        --------
        >>> product_limit(np.array([1.0, 2.0]), np.array([1, 1])).cumhaz_at([1.5, 5]).tolist()
        [0.5, 1.5]
        """
        return _step_value(self.time, self.cumhaz, x, left, 0.0)


def product_limit(
    time: np.ndarray,
    status: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    reverse: bool = False,
    codes: tuple[np.ndarray, np.ndarray] | None = None,
) -> ProductLimit:
    """Kaplan-Meier curve of one sample, or the censoring curve G with ``reverse=True``.

    Parameters
    ----------
    time : ndarray of float
        Follow-up times, already checked (>= 0, no NaN) and with near-ties merged by
        ``lms_prognosis._survdata.survival_data``; compared exactly here.
    status : ndarray
        1 (or True, any non-zero) = event, 0 = censored. For one cause of several, pass
        ``SurvData.status(cause)``.
    weights : ndarray of float, optional
        Case weights: counts become sums of weights, and ``var_log`` is Greenwood's sum with
        weighted counts, as R ``survfit(weights=, robust = FALSE)``. (For non-integer weights
        R's default is the infinitesimal-jackknife variance, which this kernel does not
        compute; ``surv`` and ``cumhaz`` are the same either way.)
    reverse : bool, default False
        The censoring curve: censorings are the events. At a time with both events and
        censorings the events leave the risk set first, so the step there is
        1 - c / (n - d): R ``prodlim(..., reverse = TRUE)`` (the curve ``riskRegression``
        uses for IPCW) and the censoring curve inside R ``concordance()`` (``fastkm1``).
        R ``survfit(Surv(time, 1 - status) ~ 1)`` keeps the tied events in the risk set
        (1 - c / n) and so differs at such ties. ``.censoring()`` of the survival curve
        gives the same G from the same counts.
    codes : (ndarray of int, ndarray of float), optional
        The rank of each time among the sorted distinct times, and those times (as
        ``np.unique(time, return_inverse=True)``, swapped), when the caller has them already.

    Returns
    -------
    ProductLimit
        Curve over the sorted distinct times: ``surv`` (right-continuous), ``var_log``
        (Greenwood), ``cumhaz`` (Nelson-Aalen); ``.at(x, left=)`` and ``.cumhaz_at(x)``.

    Notes
    -----
    As R ``survfit`` (survival 3.5): S(t) = prod_{t_i <= t} (1 - d_i / n_i) with n_i the number
    with time >= t_i; var log S(t) = sum d_i / (n_i (n_i - d_i)) (Greenwood); H(t) = sum
    d_i / n_i (Nelson-Aalen). Checked against R in ``tests/reference/km_logrank.R`` and
    ``tests/reference/survfit_kernel.R`` (weights, and ``prodlim`` for ``reverse=True``).

    Examples
    --------
    >>> t = np.array([1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 4.0, 5.0, 6.0, 6.0])
    >>> d = np.array([1, 1, 0, 0, 1, 0, 1, 0, 1, 0])
    >>> product_limit(t, d).surv.round(4).tolist()
    [0.9, 0.8, 0.6667, 0.5333, 0.5333, 0.2667]
    >>> g = product_limit(t, d, reverse=True)  # prodlim(Hist(t, d) ~ 1, reverse = TRUE)
    >>> g.n_risk.tolist(), g.surv.round(4).tolist()
    ([9, 8, 5, 4, 3, 1], [1.0, 0.75, 0.75, 0.5625, 0.375, 0.0])
    """
    time = np.asarray(time, dtype=float)
    died = (np.asarray(status) != 0).astype(float)
    w = None if weights is None else np.asarray(weights, dtype=float)
    c = count_cells(time, died, weights=w, codes=codes)
    curve = ProductLimit.from_counts(c.time, c.n_risk, c.n_event, c.n_censor)
    return curve.censoring() if reverse else curve


def segment_curves(
    n_risk: np.ndarray, n_event: np.ndarray, starts: np.ndarray
) -> dict[str, np.ndarray]:
    """:meth:`ProductLimit.from_counts` for several curves laid end to end, in one pass.

    ``starts`` holds the first cell of each curve and, last, the number of cells (as
    :class:`Cells`). Returns ``surv``, ``se_log`` and ``cumhaz`` with the formulas of
    :class:`ProductLimit` (the kernel), the products and sums restarting at each curve.

    Examples
    --------
    >>> out = segment_curves(np.array([4, 2, 3]), np.array([1, 1, 3]), np.array([0, 2, 3]))
    >>> out["surv"].tolist(), out["cumhaz"].tolist()
    ([0.75, 0.375, 0.0], [0.25, 0.75, 1.0])
    """
    n = np.asarray(n_risk, dtype=float)
    d = np.asarray(n_event, dtype=float)
    hazard = np.divide(d, n, out=np.zeros(n.shape), where=n > 0)
    step = 1.0 - hazard
    with np.errstate(divide="ignore"):  # inf once everyone left has the event, as R
        green = np.divide(d, n * (n - d), out=np.zeros(n.shape), where=d > 0)
    surv, var_log, cumhaz = np.empty(n.shape), np.empty(n.shape), np.empty(n.shape)
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        np.cumprod(step[a:b], out=surv[a:b])
        np.cumsum(green[a:b], out=var_log[a:b])
        np.cumsum(hazard[a:b], out=cumhaz[a:b])
    return {"surv": surv, "se_log": np.sqrt(var_log), "cumhaz": cumhaz}


def conf_int(
    surv: np.ndarray, se_log: np.ndarray, conf_type: str, conf_level: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise CI as R ``survival:::survfit_confint`` (``logse = TRUE``).

    ``se_log`` is the standard error of the cumulative hazard (R ``survfit()$std.err``).
    ``plain`` clips to [0, 1]; ``log`` clips the upper limit at 1 and is NaN where surv is 0;
    ``log-log`` is NaN where surv is 0 or 1; ``logit`` (R ``conf.type = "logit"``) is NaN where
    surv is 0, and where surv is 1 with se 0; ``arcsin`` (R ``conf.type = "arcsin"``:
    ``sin(max(0, asin(sqrt(S)) -+ z se sqrt(S / (1 - S)) / 2))^2``, the angle capped at
    ``pi / 2`` above) is NaN where surv is 0, and where surv is 1 with se 0, as R.

    Examples
    --------
    >>> lo, hi = conf_int(np.array([0.8]), np.array([0.1]), "logit", 0.95)
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
    (0.600203, 0.914219)
    >>> lo, hi = conf_int(np.array([0.8]), np.array([0.1]), "arcsin", 0.95)
    >>> round(float(lo[0]), 6), round(float(hi[0]), 6)
    (0.624433, 0.930057)
    """
    z = ndtri(1.0 - (1.0 - conf_level) / 2.0)  # norm.ppf without its per-call overhead
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            half = se_log * surv * z
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            lo = np.exp(np.log(xx) - z * se_log)
            return lo, np.minimum(np.exp(np.log(xx) + z * se_log), 1.0)
        if conf_type == "log-log":
            xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
            se2 = z * se_log / np.log(xx)
            loglog = np.log(-np.log(xx))
            return np.exp(-np.exp(loglog - se2)), np.exp(-np.exp(loglog + se2))
        if conf_type == "logit":
            xx = np.where(surv == 0, np.nan, surv)
            se2 = z * se_log * (1.0 + xx / (1.0 - xx))
            logit = np.log(surv / (1.0 - surv))
            return (
                1.0 - 1.0 / (1.0 + np.exp(logit - se2)),
                1.0 - 1.0 / (1.0 + np.exp(logit + se2)),
            )
        if conf_type == "arcsin":
            xx = np.where(surv == 0, np.nan, surv)
            se2 = 0.5 * z * se_log * np.sqrt(xx / (1.0 - xx))
            angle = np.arcsin(np.sqrt(xx))
            # np.fmax/np.fmin would hide R's NaN (0 * inf at surv 1); maximum/minimum keep it
            return (
                np.sin(np.maximum(0.0, angle - se2)) ** 2,
                np.sin(np.minimum(np.pi / 2, angle + se2)) ** 2,
            )
    raise LMSPrognosisError(f"conf_type must be one of {KM_CONF_TYPES}, got {conf_type!r}")


def at_times(
    time: np.ndarray,
    n_risk: np.ndarray,
    n_event: np.ndarray,
    n_censor: np.ndarray,
    values: dict[str, np.ndarray],
    times: np.ndarray,
    extend: bool,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One group's curve at requested times, as R ``summary(survfit, times=, extend=)``.

    ``times`` must be sorted and finite. The value at t is the step function at t (rows with
    time <= t), or the start (surv 1, std_err 0, CI 1, cumhaz 0) before the first row;
    n_risk is the number with time >= t (0 past the end); n_event / n_censor are counted in
    (previous requested time, t]. Without ``extend`` times after the last row are dropped.

    Examples
    --------
    >>> tt, out = at_times(np.array([1.0, 2.0]), np.array([3, 2]), np.array([1, 1]),
    ...                    np.array([0, 1]), {"surv": np.array([2 / 3, 1 / 3])},
    ...                    np.array([0.0, 1.5, 5.0]), extend=True)
    >>> tt.tolist(), out["n_risk"].tolist(), out["surv"].round(3).tolist()
    ([0.0, 1.5, 5.0], [3, 2, 0], [1.0, 0.667, 0.333])
    """
    if not extend:
        times = times[times <= time[-1]]
    idx1 = np.searchsorted(time, times, side="right")  # rows with time <= t
    idx2 = np.searchsorted(time, times, side="left")  # first row with time >= t
    out: dict[str, np.ndarray] = {}
    start = {"surv": 1.0, "std_err": 0.0, "lower": 1.0, "upper": 1.0, "cumhaz": 0.0}
    row = np.maximum(idx1 - 1, 0)
    before = idx1 == 0
    for name, arr in values.items():
        out[name] = np.where(before, start[name], arr[row]) if len(arr) else arr
    out["n_risk"] = np.append(n_risk, 0)[idx2]
    for name, arr in (("n_event", n_event), ("n_censor", n_censor)):
        cum = np.concatenate([[0], np.cumsum(arr)])[idx1]
        out[name] = np.diff(np.concatenate([[0], cum]))
    return times, out


def median_rule(time: np.ndarray, y: np.ndarray) -> float:
    """First time the curve is <= 0.5, as R ``print.survfit`` (``survmean``'s ``minmin``).

    Missing values are skipped. If the first such value is 0.5 (within sqrt(eps)) and the
    curve drops below it later, the result is the midpoint of that time and the time of the
    next drop. NaN when the curve never reaches 0.5.

    Examples
    --------
    >>> median_rule(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.75, 0.5, 0.25, 0.0]))
    2.5
    """
    keep = ~np.isnan(y) & (y < 0.5 + _MEDIAN_TOL)
    if not keep.any():
        return float("nan")
    x, yk = time[keep], y[keep]
    if abs(yk[0] - 0.5) < _MEDIAN_TOL and (yk < yk[0]).any():
        return float((x[0] + x[np.argmax(yk < yk[0])]) / 2.0)
    return float(x[0])
