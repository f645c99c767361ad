"""Array engine behind :func:`lms_prognosis.kaplan_meier` (R ``survfit`` conventions).

Pure numpy on validated arrays: ``time`` float64 >= 0, ``died`` 0/1 (event of interest),
``gcode`` int group codes 0..G-1. The public wrapper, input checks and result objects live
in :mod:`lms_prognosis.nonparametric`.

Distinct times are found with a hash (``pandas.factorize``) and only the distinct values are
sorted, so the cost is O(n) plus O(U log U) for U distinct times; counts per (group, time)
cell come from ``np.bincount``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

CONF_TYPES = ("log", "log-log", "plain")
# R's tolerance in print.survfit's median rule (survival:::survmean, minmin)
_MEDIAN_TOL = np.finfo(float).eps ** 0.5


def _grid_codes(time: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Fast path for times on a grid (whole days, months rounded to 0.1 or 0.01).

    If every time is exactly the double k / s for an integer k (s = 1, 10 or 100) and k is
    not huge, the distinct times come from a bincount over k instead of a hash: O(n) with
    no sort. The distinct values returned are k / s, i.e. the input doubles themselves.
    """
    limit = max(2 * len(time), 1 << 16)
    head = time[:256]
    for s in (1.0, 10.0, 100.0):
        kh = np.rint(head * s)
        if kh.max() > limit or not np.array_equal(kh / s, head):
            continue
        k = np.rint(time * s)
        if k.max() > limit or not np.array_equal(k / s, time):
            continue
        k = k.astype(np.int64)
        present = np.bincount(k) > 0
        lut = np.cumsum(present) - 1
        return lut[k], np.flatnonzero(present) / s
    return None


def time_codes(time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each time among the sorted distinct times, and those distinct times.

    Times are compared exactly (no rounding of near-equal values).

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
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    grid = _grid_codes(time)
    if grid is not None:
        return grid
    codes, uniq = pd.factorize(time, sort=False)
    order = np.argsort(uniq, kind="stable")
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq), dtype=np.int64)
    return rank[codes], np.asarray(uniq)[order]


@dataclass
class Cells:
    """One row per distinct (group, time), sorted by group then time."""

    gcode: np.ndarray
    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    starts: np.ndarray  # first row of each group; starts[G] == number of rows


def count_cells(time: np.ndarray, died: np.ndarray, gcode: np.ndarray, n_groups: int) -> Cells:
    """Count subjects, events and censorings per distinct (group, time), with the risk sets."""
    tc, uniq = time_codes(time)
    n_times = len(uniq)
    key = tc if n_groups == 1 else gcode.astype(np.int64) * n_times + tc
    size = n_groups * n_times
    if size <= max(4 * len(time), 1 << 22):
        cnt = np.bincount(key, minlength=size)
        ev = np.bincount(key, weights=died, minlength=size)
        cells = np.flatnonzero(cnt)
        cnt, ev = cnt[cells], ev[cells]
    else:  # many groups x many distinct times: sort the occupied cells only
        cells, inv = np.unique(key, return_inverse=True)
        cnt = np.bincount(inv)
        ev = np.bincount(inv, weights=died)
    cg = cells // n_times
    n_event = ev.astype(np.int64)
    starts = np.searchsorted(cg, np.arange(n_groups + 1))
    n_risk = np.empty(len(cells), dtype=np.int64)
    for g in range(n_groups):
        sl = slice(starts[g], starts[g + 1])
        n_risk[sl] = np.cumsum(cnt[sl][::-1])[::-1]
    return Cells(cg, uniq[cells % n_times], n_risk, n_event, cnt - n_event, starts)


def km_curves(cells: Cells) -> dict[str, np.ndarray]:
    """Kaplan-Meier, Greenwood standard error (log scale) and Nelson-Aalen, per group."""
    n = cells.n_risk.astype(float)
    d = cells.n_event.astype(float)
    surv = np.empty_like(n)
    gw = np.empty_like(n)
    cumhaz = np.empty_like(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = 1.0 - d / n
        hz = d / n
        # Greenwood: d / (n (n - d)); infinite when everyone left dies (surv 0), as R
        gterm = np.where(d > 0, d / (n * (n - d)), 0.0)
    for g in range(len(cells.starts) - 1):
        sl = slice(cells.starts[g], cells.starts[g + 1])
        surv[sl] = np.cumprod(step[sl])
        gw[sl] = np.cumsum(gterm[sl])
        cumhaz[sl] = np.cumsum(hz[sl])
    return {"surv": surv, "se_log": np.sqrt(gw), "cumhaz": cumhaz}


def conf_int(surv: np.ndarray, se_log: np.ndarray, conf_type: str,
             conf_level: float) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise CI as R ``survival:::survfit_confint`` (``logse = TRUE``).

    ``se_log`` is the standard error of the cumulative hazard (R ``survfit()$std.err``).
    ``plain`` clips to [0, 1]; ``log`` clips the upper limit at 1 and is NaN where surv is 0;
    ``log-log`` is NaN where surv is 0 or 1.
    """
    z = norm.ppf(1.0 - (1.0 - conf_level) / 2.0)
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
    raise ValueError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")


def at_times(time: np.ndarray, n_risk: np.ndarray, n_event: np.ndarray, n_censor: np.ndarray,
             values: dict[str, np.ndarray], times: np.ndarray, extend: bool
             ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """One group's curve at requested times, as R ``summary(survfit, times=, extend=)``.

    ``times`` must be sorted and finite. The value at t is the step function at t (rows with
    time <= t), or the start (surv 1, std_err 0, CI 1, cumhaz 0) before the first row;
    n_risk is the number with time >= t (0 past the end); n_event / n_censor are counted in
    (previous requested time, t]. Without ``extend`` times after the last row are dropped.
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
