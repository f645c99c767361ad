"""Input checks and the array engine behind :func:`lms_prognosis.kaplan_meier`.

``prepare_survival`` validates a DataFrame once for both Kaplan-Meier and the log-rank
test and returns arrays: ``time`` float64 >= 0, ``died`` 0/1 (event of interest), ``gcode``
int group codes 0..G-1. The rest is pure numpy with R ``survfit`` conventions. The public
functions and result objects live in :mod:`lms_prognosis.nonparametric.km`.

Distinct times on a grid (whole days, months rounded to 0.1 or 0.01) are indexed directly;
other times are hashed (``pandas.factorize``) and only the distinct values sorted, so the
cost is O(n) plus O(U log U) for U distinct times; counts per (group, time) cell come from
``np.bincount``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from lms_prognosis.exceptions import SurvivalDataError

# ---------------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------------

def _rows(index: pd.Index, bad: np.ndarray) -> str:
    where = index[np.flatnonzero(bad)[:5]].tolist()
    more = f" and {int(bad.sum()) - 5} more" if bad.sum() > 5 else ""
    return f"rows {where}{more}"


def _column(df: pd.DataFrame, name: str, role: str) -> pd.Series:
    if not isinstance(name, str) and name not in df.columns:
        raise SurvivalDataError(f"{role}= must name a column of df, got {name!r}")
    if name not in df.columns:
        raise SurvivalDataError(f"{role} column {name!r} not found; columns are {list(df.columns)}")
    return df[name]


def _labels(col: pd.Series, role: str) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (-1 = missing) and labels in category order (categorical) or sorted."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        # Categories with no rows are dropped, as R drops unused factor levels in survfit and
        # survdiff: a cohort's canonical categories (six sites, three grades) need not all occur.
        col = col.cat.remove_unused_categories()
        return col.cat.codes.to_numpy().astype(np.int64), list(col.cat.categories)
    arr = col.to_numpy()
    if arr.dtype == object and isinstance(col.dtype, pd.api.extensions.ExtensionDtype):
        arr = col.astype(col.dtype.numpy_dtype if hasattr(col.dtype, "numpy_dtype")
                         else object).to_numpy()
    if arr.dtype.kind == "f" and len(arr) and np.array_equal(arr, np.floor(arr)):
        arr = arr.astype(np.int64)  # grade 1.0 -> 1, as R prints it
    if arr.dtype.kind in "iu" and len(arr):
        lo = int(arr.min())
        if int(arr.max()) - lo < 2 * len(arr) + 65536:  # small integers: no hash, no sort
            shifted = arr.astype(np.intp) - lo if lo else arr.astype(np.intp, copy=False)
            present = np.bincount(shifted) > 0
            codes = shifted if present.all() else (np.cumsum(present) - 1)[shifted]
            return codes, [int(v) + lo for v in np.flatnonzero(present)]
    try:
        codes, uniques = pd.factorize(arr, sort=True)
    except TypeError:  # mixed types: sort by text
        codes, uniques = pd.factorize(col.astype(str).to_numpy(), sort=True)
    return codes.astype(np.int64), [v.item() if isinstance(v, np.generic) else v for v in uniques]


def _numbers(col: pd.Series) -> np.ndarray:
    """A column as a numpy number array (no copy for numpy dtypes); NaN for non-numbers."""
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iufb":
        return col.to_numpy()
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


@dataclass
class _Data:
    time: np.ndarray
    died: np.ndarray
    gcode: np.ndarray
    labels: list[Any]
    scode: np.ndarray | None
    slabels: list[Any]
    n_dropped: int
    n_competing: int


def prepare_survival(df: pd.DataFrame, time: str, event: str, group: str | None,
                     strata: str | None = None) -> _Data:
    """Check a survival DataFrame and return arrays for the engines.

    Rows with a missing group or stratum are left out with a warning (R's ``na.action``);
    missing, infinite or negative times, and missing, negative or fractional event codes
    raise :class:`SurvivalDataError` naming the rows. Event codes >= 2 (competing events)
    count as censored; 1/2 coding without any 0 gets a warning (R's status coding?).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    tcol = _column(df, time, "time")
    ecol = _column(df, event, "event")
    index = df.index
    keep: np.ndarray | None = None  # rows kept when a group or stratum is missing
    gcodes = scodes = None
    labels: list[Any] = ["all"]
    slabels: list[Any] = []
    for name, role in ((group, "group"), (strata, "strata")):
        if name is None:
            continue
        col = _column(df, name, role)
        if not (isinstance(col.dtype, np.dtype) and col.dtype.kind in "iub"):
            miss = col.isna().to_numpy()
            if miss.any():
                warnings.warn(f"{int(miss.sum())} rows with missing {role} {name!r} left out "
                              f"({_rows(index, miss)}), as R's na.action", UserWarning,
                              stacklevel=3)
                keep = ~miss if keep is None else keep & ~miss
    if group is not None:
        gcodes, labels = _labels(df[group] if keep is None else df[group][keep], "group")
    if strata is not None:
        scodes, slabels = _labels(df[strata] if keep is None else df[strata][keep], "strata")
    t = _numbers(tcol)
    e = _numbers(ecol)
    if keep is not None:  # rare path: rows with a missing group or stratum
        t, e, index = t[keep], e[keep], index[keep]
    if not np.isfinite(t).all():
        raise SurvivalDataError(f"time column {time!r} has missing, non-numeric or infinite "
                                f"values in {_rows(index, ~np.isfinite(t))}")
    if len(t) and t.min() < 0:
        raise SurvivalDataError(f"time column {time!r} has negative values in "
                                f"{_rows(index, t < 0)}; times must be >= 0")
    if e.dtype.kind == "f":
        bad_e = ~np.isfinite(e) | (e < 0) | (e != np.floor(e))
    else:
        bad_e = e < 0 if len(e) and e.min() < 0 else None
    if bad_e is not None and bad_e.any():
        raise SurvivalDataError(
            f"event column {event!r} must hold codes 0 (censored), 1 (event) or 2.. (competing "
            f"event, counted as censored); bad values in {_rows(index, bad_e)}")
    n_dropped = 0 if keep is None else int((~keep).sum())
    if len(t) == 0:
        raise SurvivalDataError("no rows to analyse (empty data, or every group value missing)")
    died = (e == 1).astype(float)
    n_comp = int((e >= 2).sum()) if e.max() >= 2 else 0  # codes >= 2: censored here
    if n_comp and not (e == 0).any():
        warnings.warn(
            f"event column {event!r} has codes 1 and 2 but no 0: if this is R's status coding "
            "(1 = censored, 2 = event), recode it (event - 1, or read_cohort(event_codes=)); "
            "here 1 is the event and 2 a competing event counted as censored", UserWarning,
            stacklevel=3)
    t = np.add(t, 0.0, dtype=float)  # a float copy; -0.0 -> 0.0
    if gcodes is None:
        gcodes = np.zeros(len(t), dtype=np.int64)
    return _Data(t, died, gcodes, labels, scodes, slabels, n_dropped, n_comp)


CONF_TYPES = ("log", "log-log", "plain")
# R's tolerance in print.survfit's median rule (survival:::survmean, minmin)
_MEDIAN_TOL = np.finfo(float).eps ** 0.5


def _grid_codes(time: np.ndarray, superset: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """Fast path for times on a grid (whole days, months rounded to 0.1 or 0.01).

    If every time is exactly the double k / s for an integer k (s = 1, 10 or 100) and k is
    not huge, the distinct times come from k itself instead of a hash: O(n), no sort. The
    values returned are k / s, i.e. the input doubles themselves. With ``superset`` and a
    grid no longer than the data, every grid point 0..max(k) is returned (unused points
    simply get no rows), which saves a pass.
    """
    n = len(time)
    limit = max(2 * n, 1 << 16)
    head = time[:256]
    for s in (1.0, 10.0, 100.0):
        kh = np.rint(head * s)
        if kh.max() > limit or not np.array_equal(kh / s, head):
            continue
        k = np.multiply(time, s)
        np.rint(k, out=k)
        kmax = k.max()
        if kmax > limit or not np.array_equal(k / s, time):
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


def time_codes(time: np.ndarray, superset: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Rank of each time among the sorted distinct times, and those distinct times.

    Times are compared exactly (no rounding of near-equal values). With ``superset=True``
    the returned values may include times that do not occur (still sorted, and
    ``values[codes] == time``), for callers that count per value anyway.

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
    grid = _grid_codes(time, superset)
    if grid is not None:
        return grid
    codes, uniq = pd.factorize(time, sort=False)
    order = np.argsort(uniq, kind="stable")
    rank = np.empty(len(uniq), dtype=np.intp)
    rank[order] = np.arange(len(uniq), dtype=np.intp)
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
    tc, uniq = time_codes(time, superset=True)
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
