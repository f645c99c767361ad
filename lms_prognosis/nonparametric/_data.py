"""Input preparation for Kaplan-Meier and log-rank (temporary home of the old checks)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

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


