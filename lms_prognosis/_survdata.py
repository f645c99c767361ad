"""The one survival-input check that every entry point calls.

:func:`survival_data` takes a DataFrame (or a :class:`~lms_prognosis.Cohort`) and the names of
the time, event, start, weight, covariate, group, stratum and cluster columns, and returns a
:class:`SurvData`: numpy arrays for the engines, a copy of the columns used for the rows kept,
and ``dropped``, the rows left out with row, column, value and reason. Kaplan-Meier, log-rank,
Cox, concordance, Brier, AUC, calibration, validation, cumulative incidence and Fine-Gray all
call it, so the same input gets the same answer everywhere:

* **Event codes** are 0 (censored), 1 (event of interest) and 2 (competing event); a boolean
  column is read as 0/1. R's 1/2 status (1 censored, 2 event), text codes and any other code
  are refused with :class:`~lms_prognosis.SurvivalDataError` and a message that gives the fix.
* **Times** must be numbers >= 0; a negative or infinite time is refused, a start time must be
  before its stop time, weights must be finite and >= 0.
* **Missing values** in time, event, start, weights, covariates, group, strata or cluster leave
  the row out (R's ``na.omit``); every such row is in ``dropped``, one line per missing cell.
* **Near-ties**: times that differ only by floating-point noise are one time, as R's
  ``aeqSurv`` (``timefix = TRUE``) does in ``survfit``, ``survdiff``, ``coxph`` and
  ``concordance``.

Nothing in the caller's frame is changed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._results import DROPPED_COLUMNS, empty_dropped
from lms_prognosis._threads import run_halves, split_rows
from lms_prognosis._timefix import TIMEFIX_TOLERANCE, grid_step, timefix
from lms_prognosis.exceptions import ColumnNotFoundError, SurvivalDataError

__all__ = [
    "SurvData",
    "survival_data",
    "as_frame",
    "require_columns",
    "timefix",
    "EVENT_CODES",
    "TIMEFIX_TOLERANCE",
]

#: the event codes of the schema (design.md section 3)
EVENT_CODES = {0: "censored", 1: "event of interest", 2: "competing event"}
_MAX_ROWS_NAMED = 5


@dataclass(frozen=True, eq=False)
class SurvData:
    """Checked survival input: arrays for the engines plus the rows left out.

    A SurvData lives inside one call of an entry point: ``frame`` and ``positions`` are
    built from the caller's frame on first use (an engine that needs only the arrays pays
    for no DataFrame); from then on they are SurvData's own copies, which results keep.

    Attributes
    ----------
    time : ndarray of float
        Follow-up (stop) time of the rows kept, >= 0, near-ties merged (R ``aeqSurv``).
    event : ndarray of int8
        0 censored, 1 event of interest, 2 competing event.
    start : ndarray of float or None
        Entry time for counting-process data ``(start, stop]``.
    weights : ndarray of float or None
        Case weights.
    frame : DataFrame
        A copy of the other columns used (covariates, group, strata, cluster, extra), for the
        rows kept, with the caller's index (built on first use).
    positions : ndarray of int
        Positions of the rows kept in the caller's frame (built on first use).
    dropped : DataFrame
        Rows left out: row (the caller's index label), column, value, reason.
    n_input : int
        Rows in the caller's frame.
    n_timefixed : int
        Times changed by the near-tie rule.
    grid_step : float or None
        1, 10 or 100 when every time is exactly the double nearest k / step (whole days,
        months to 0.1 or 0.01), as :func:`lms_prognosis._timefix.grid_step` found while
        checking for near-ties; kernels use it to index the distinct times without a second
        scan. None otherwise.
    """

    time: np.ndarray
    event: np.ndarray
    start: np.ndarray | None
    weights: np.ndarray | None
    dropped: pd.DataFrame
    n_input: int
    n_timefixed: int = 0
    grid_step: float | None = None
    # the caller's frame, the other columns used, the rows kept (None = all) and the extra
    # values: ``frame``, ``positions`` and ``column`` are built from them only when asked for,
    # so an engine that needs only the arrays pays for no DataFrame
    source: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    columns: tuple[str, ...] = ()
    keep: np.ndarray | None = field(default=None, repr=False)
    extras: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Rows analysed."""
        return int(self.time.shape[0])

    @cached_property
    def frame(self) -> pd.DataFrame:
        """A copy of the other columns used, for the rows kept, with the caller's index."""
        # take() by position makes a new frame (a copy) at a third of the cost of df[cols]
        src, cols = self.source, list(self.columns)
        if src.columns.is_unique:
            kept = src.take([int(src.columns.get_loc(c)) for c in cols], axis=1)  # type: ignore[arg-type]
        else:
            kept = src[cols]
        if self.keep is not None:
            kept = kept.take(self.positions)
        if self.extras:  # assign, not item setting: pandas warns on a .loc selection
            sel = (lambda a: a) if self.keep is None else (lambda a: a[self.keep])
            kept = kept.assign(**{k: sel(v) for k, v in self.extras.items()})
        return kept

    @property
    def view(self) -> pd.DataFrame:
        """The rows kept, read-only: the caller's own frame when no row was left out (no copy,
        and its cached columns are reused), else :attr:`frame`. Keep :attr:`frame`, not this."""
        return self.source if self.keep is None and not self.extras else self.frame

    def column(self, name: str) -> pd.Series:
        """One column used, for the rows kept (read-only: it may share the caller's data)."""
        if name in self.extras or "frame" in self.__dict__:
            return self.frame[name]
        col = self.source[name]
        return col if self.keep is None else col[self.keep]

    @cached_property
    def positions(self) -> np.ndarray:
        """Positions of the rows kept in the caller's frame."""
        return np.arange(self.n_input) if self.keep is None else np.flatnonzero(self.keep)

    @property
    def index(self) -> pd.Index:
        """The caller's index labels of the rows kept."""
        return self.source.index if self.keep is None else self.source.index[self.keep]

    @property
    def n_events(self) -> int:
        """Events of interest (code 1)."""
        return int(np.count_nonzero(self.event == 1))

    @property
    def n_competing(self) -> int:
        """Competing events (code 2)."""
        if self.event.size == 0 or self.event.max() < 2:  # one cheap pass in the usual case
            return 0
        return int(np.count_nonzero(self.event == 2))

    def status(self, cause: int = 1) -> np.ndarray:
        """0/1 float indicator of ``cause`` (other codes count as censored)."""
        return (self.event == cause).astype(float)


def as_frame(data: Any) -> pd.DataFrame:
    """The DataFrame behind ``data``: a DataFrame itself, or a Cohort's ``.data``.

    Examples
    --------
    >>> as_frame(pd.DataFrame({"time": [1.0]})).shape
    (1, 1)
    """
    if isinstance(data, pd.DataFrame):
        return data
    inner = getattr(data, "data", None)
    if isinstance(inner, pd.DataFrame):
        return inner
    raise TypeError(f"expected a pandas DataFrame or a Cohort, got {type(data).__name__}")


def require_columns(df: pd.DataFrame, names: Iterable[Any], role: str = "column") -> None:
    """Raise :class:`ColumnNotFoundError` naming close matches if a column is missing.

    Examples
    --------
    >>> try:
    ...     require_columns(pd.DataFrame({"time": [1]}), ["tme"], "time")
    ... except ColumnNotFoundError as err:
    ...     print(err)
    time column 'tme' is not in the data; did you mean 'time'? Columns: ['time']
    """
    cols = [str(c) for c in df.columns]
    for name in names:
        if name in df.columns:
            continue
        close = difflib.get_close_matches(str(name), cols, n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ";"
        shown = cols if len(cols) <= 20 else [*cols[:20], "..."]
        raise ColumnNotFoundError(
            f"{role} column {name!r} is not in the data{hint} Columns: {shown}"
        )


def _rows_text(index: pd.Index, bad: np.ndarray) -> str:
    where = np.flatnonzero(bad)
    shown = index[where[:_MAX_ROWS_NAMED]].tolist()
    more = f" and {len(where) - _MAX_ROWS_NAMED} more" if len(where) > _MAX_ROWS_NAMED else ""
    return f"row{'s' if len(where) > 1 else ''} {shown}{more}"


def _numeric(col: pd.Series, role: str, name: str) -> np.ndarray:
    """A column as float64 (NaN = missing); text that is not a number is refused."""
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iufb":
        return col.to_numpy(dtype=float)
    if pd.api.types.is_timedelta64_dtype(col.dtype) or pd.api.types.is_datetime64_any_dtype(
        col.dtype
    ):
        kind = "durations" if pd.api.types.is_timedelta64_dtype(col.dtype) else "dates"
        raise SurvivalDataError(
            f"{role} column {name!r} holds {kind}, not a number of months; convert it first, "
            f"e.g. df[{name!r}] = (df['last_contact'] - df['surgery']).dt.days / 30.4375"
        )
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    text = np.isnan(values) & col.notna().to_numpy()
    if text.any():
        examples = sorted({str(v) for v in col[text].head(50)})[:3]
        raise SurvivalDataError(
            f"{role} column {name!r} holds text that is not a number ({examples}, in "
            f"{_rows_text(col.index, text)}); convert it first, e.g. "
            f"df[{name!r}] = pd.to_numeric(df[{name!r}]), or read the file with "
            f"lp.read_cohort(...), which converts units and reports every change"
        )
    return values


def _event_values(col: pd.Series, name: str) -> np.ndarray:
    """Event codes (NaN = missing), refusing R's 1/2 status, text and other codes.

    A numeric column whose values are all 0, 1 or 2 (the usual case) is checked with two
    passes (min and max) and returned as is; anything else goes through :func:`_event_codes`.
    """
    if isinstance(col.dtype, np.dtype) and col.dtype.kind == "b":
        return col.to_numpy(dtype=float)
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iuf" and len(col):
        arr = col.to_numpy()
        lo, hi = arr.min(), arr.max()  # NaN if any value is missing: the slow path
        if (
            0 <= lo
            and hi <= 2
            and not (lo >= 1 and hi == 2)
            and (arr.dtype.kind in "iu" or np.array_equal(arr, np.rint(arr)))
        ):
            return arr
    return _event_codes(col, name)


def _event_codes(col: pd.Series, name: str) -> np.ndarray:
    numeric = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    text = np.isnan(numeric) & col.notna().to_numpy()
    if text.any():
        codes = sorted({str(v) for v in col[text].head(200)})[:4]
        example = ", ".join(f"{c!r}: ?" for c in codes)
        raise SurvivalDataError(
            f"event column {name!r} holds text codes {codes} ({_rows_text(col.index, text)}); "
            f"events must be 0 (censored), 1 (event) or 2 (competing event). Recode first, "
            f"e.g. df[{name!r}] = df[{name!r}].map({{{example}}}), or read the file with "
            f"lp.read_cohort(..., event_codes={{{example}}})"
        )
    present = set(np.unique(numeric[~np.isnan(numeric)]).tolist())
    if present and present <= {1.0, 2.0} and 2.0 in present:
        raise SurvivalDataError(
            f"event column {name!r} holds 1 and 2 but no 0: this looks like R's Surv status "
            f"(1 = censored, 2 = event), which would make every censored patient a death. "
            f"Recode it first: df[{name!r}] = df[{name!r}].map({{1: 0, 2: 1}}), or read the "
            f"file with lp.read_cohort(..., event_codes={{1: 0, 2: 1}}). If 1 really is the "
            f"event and 2 a competing event, no patient is censored: say so by recoding one "
            f"patient, or pass the codes through read_cohort(event_codes={{1: 1, 2: 2}})"
        )
    bad = ~np.isnan(numeric) & ~np.isin(numeric, (0.0, 1.0, 2.0))
    if bad.any():
        codes_bad = sorted({float(v) for v in numeric[bad][:200]})
        shown = [int(v) if float(v).is_integer() else v for v in codes_bad]
        mapping = ", ".join(f"{v!r}: 0" for v in shown[:3])
        raise SurvivalDataError(
            f"event column {name!r} has code(s) {shown} in {_rows_text(col.index, bad)}; "
            f"codes are 0 (censored), 1 (event) and 2 (competing event). Declare what they "
            f"mean, e.g. df[{name!r}] = df[{name!r}].replace({{{mapping}}}), or "
            f"lp.read_cohort(..., event_codes={{{mapping}}})"
        )
    return numeric


def _collect_missing(df: pd.DataFrame, names: Sequence[str], miss: dict[str, np.ndarray]) -> None:
    """Add the missing cells of the columns ``names`` to ``miss`` (in the order of ``names``).

    The float columns are checked together (:func:`_floats_with_nan`), the others one by one.
    """
    found: dict[str, np.ndarray | None] = {}
    floats: dict[str, np.ndarray] = {}
    for name in names:
        if name in miss or name in found:
            continue
        col = df[name]
        kind = col.dtype.kind if isinstance(col.dtype, np.dtype) else ""
        if kind in "iub" and kind:
            continue
        if kind == "f":
            floats[name] = col.to_numpy()
            found[name] = None  # filled below, keeping the order of ``names``
            continue
        m = col.isna().to_numpy()
        found[name] = m if m.any() else None
    for name in _floats_with_nan(floats):
        found[name] = np.isnan(floats[name])
    miss.update({k: v for k, v in found.items() if v is not None})


#: float cells stacked at once when looking for missing values (a few MB)
_NAN_BLOCK_CELLS = 1 << 18


def _floats_with_nan(columns: Mapping[str, np.ndarray]) -> list[str]:
    """The float columns with a missing value: one minimum over the stacked columns (NaN
    propagates), in blocks of rows, so each row is read once for all the columns (a column
    of a frame made from a row-major array is a strided view)."""
    if not columns:
        return []
    arrays = list(columns.values())
    n = arrays[0].shape[0]
    if n == 0:
        return []
    rows = max(1, _NAN_BLOCK_CELLS // len(arrays))
    found = np.zeros((2, len(arrays)), dtype=bool)  # per half of the rows
    mid = split_rows(n, rows)
    if mid is None:
        _nan_in_rows(arrays, rows, 0, n, found[0])
    else:
        run_halves(
            lambda: _nan_in_rows(arrays, rows, 0, mid, found[0]),
            lambda: _nan_in_rows(arrays, rows, mid, n, found[1]),
        )
    has_nan = np.logical_or(found[0], found[1]).tolist()
    return [name for name, bad in zip(columns, has_nan, strict=True) if bad]


def _nan_in_rows(arrays: list[np.ndarray], rows: int, lo: int, hi: int, out: np.ndarray) -> None:
    """Mark in ``out`` the arrays with a NaN in ``lo:hi``, reading blocks of ``rows`` rows."""
    buf = np.empty((len(arrays), min(rows, hi - lo)))
    for a in range(lo, hi, rows):
        m = min(rows, hi - a)
        for j, c in enumerate(arrays):
            buf[j, :m] = c[a : a + m]
        out |= np.isnan(buf[:, :m].min(axis=1))


def _nan_mask(values: np.ndarray) -> np.ndarray | None:
    """Where ``values`` is NaN, or None when nothing is (one pass: NaN propagates in min)."""
    if values.dtype.kind != "f" or values.size == 0 or not np.isnan(values.min()):
        return None
    return np.isnan(values)


def _check_time(t: np.ndarray, index: pd.Index, name: str, role: str, lo: Any = None) -> None:
    if t.size == 0:
        return
    lo = t.min() if lo is None else lo  # NaN if a value is missing: the full check below
    hi = t.max()
    if hi < np.inf and (0 <= lo if role == "time" else -np.inf < lo):
        return
    with np.errstate(invalid="ignore"):
        inf = np.isinf(t)
        neg = t < 0
    if inf.any():
        raise SurvivalDataError(
            f"{role} column {name!r} has infinite values in "
            f"{_rows_text(index, inf)}; use a finite follow-up time"
        )
    if role == "time" and neg.any():
        raise SurvivalDataError(
            f"time column {name!r} has negative values in {_rows_text(index, neg)}; follow-up "
            f"times must be >= 0 (check the dates of surgery and last contact)"
        )


def _dropped_table(
    df: pd.DataFrame, extras: Mapping[str, pd.Series], miss: dict[str, np.ndarray]
) -> pd.DataFrame:
    """One line per missing cell, in row order; an ``extra`` wins over a column of its name."""
    if not miss:
        return empty_dropped()
    parts = []
    for order, (name, m) in enumerate(miss.items()):
        pos = np.flatnonzero(m)
        source = extras[name] if name in extras else df[name]
        parts.append(
            pd.DataFrame(
                {
                    "_pos": pos,
                    "_order": order,
                    "row": df.index[pos],
                    "column": name,
                    "value": source.iloc[pos].to_numpy(),
                    "reason": "missing",
                }
            )
        )
    out = pd.concat(parts, ignore_index=True).sort_values(["_pos", "_order"], kind="stable")
    return out[list(DROPPED_COLUMNS)].reset_index(drop=True)


def _names(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def survival_data(
    df: Any,
    time: str = "time",
    event: str = "event",
    *,
    covariates: Sequence[str] = (),
    group: str | Sequence[str] | None = None,
    strata: str | Sequence[str] | None = None,
    start: str | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    extra: Mapping[str, Any] | None = None,
    apply_timefix: bool = True,
) -> SurvData:
    """Check survival input once, the same way for every entry point.

    Parameters
    ----------
    df : DataFrame or Cohort
        One row per patient (or per interval with ``start``).
    time, event : str
        Columns of follow-up (stop) time and event code (0 censored, 1 event, 2 competing).
    covariates, group, strata, cluster : column names, optional
        Columns the analysis uses; a row with a missing value in any of them is left out.
    start : str, optional
        Entry-time column for counting-process data; must be < ``time``.
    weights : str, optional
        Case-weight column; must be finite and >= 0.
    extra : mapping of name to array, optional
        Per-row values that are not columns of ``df`` (a risk score given as an array): each
        must have one value per row; a missing value leaves the row out under that name.
    apply_timefix : bool, default True
        Merge near-tied times as R's ``aeqSurv``.

    Returns
    -------
    SurvData

    Raises
    ------
    ColumnNotFoundError
        A named column is not in ``df``.
    SurvivalDataError
        R's 1/2 status, text or undeclared event codes; negative or infinite times; start
        not before stop; negative weights; no row left to analyse.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [3.0, 5.0, None, 9.0], "event": [1, 0, 1, 2],
    ...                    "grade": ["1", None, "2", "3"]})
    >>> sd = survival_data(df, covariates=["grade"])
    >>> sd.n, sd.n_events, sd.n_competing
    (2, 1, 1)
    >>> sd.dropped
       row column value   reason
    0    1  grade  None  missing
    1    2   time   NaN  missing
    """
    frame = as_frame(df)
    cols = _names(covariates) + _names(group) + _names(strata) + _names(cluster)
    require_columns(frame, [time], "time")
    require_columns(frame, [event], "event")
    for nm, role in ((start, "start"), (weights, "weights")):
        if nm is not None:
            require_columns(frame, [nm], role)
    require_columns(frame, cols, "covariate")
    cols = list(dict.fromkeys(c for c in cols if c not in (time, event, start, weights)))
    index = frame.index
    t = _numeric(frame[time], "time", time)
    e = _event_values(frame[event], event)
    s = None if start is None else _numeric(frame[start], "start", start)
    w = None if weights is None else _numeric(frame[weights], "weights", weights)
    miss: dict[str, np.ndarray] = {}
    t_min = t.min() if t.size else 0.0  # NaN when a time is missing; reused by the check
    for name, arr in ((time, t), (event, e), (start, s), (weights, w)):
        if name == time and arr is t:
            nan = np.isnan(t) if np.isnan(t_min) else None
        else:
            nan = None if name is None or arr is None else _nan_mask(arr)
        if name is not None and nan is not None:
            miss[name] = nan
    _collect_missing(frame, cols, miss)
    extras = _extra_columns(extra, len(frame), index)
    for name, values in extras.items():
        gone = values.isna().to_numpy()
        if gone.any():
            miss[name] = gone | miss[name] if name in miss else gone
    _check_values(t, s, w, index, time, start, weights, t_min)
    return _assemble(frame, cols, extras, miss, t, e, s, w, apply_timefix)


def _extra_columns(
    extra: Mapping[str, Any] | None, n: int, index: pd.Index
) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {}
    for name, values in (extra or {}).items():
        series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
        if len(series) != n:
            raise SurvivalDataError(
                f"{name} has {len(series)} values but the data have {n} "
                f"rows; give one value per row"
            )
        out[name] = pd.Series(series.to_numpy(), index=index, name=name)
    return out


def _check_values(
    t: np.ndarray,
    s: np.ndarray | None,
    w: np.ndarray | None,
    index: pd.Index,
    time: str,
    start: str | None,
    weights: str | None,
    t_min: Any = None,
) -> None:
    _check_time(t, index, time, "time", t_min)
    if s is not None and start is not None:
        _check_time(s, index, start, "start")
        with np.errstate(invalid="ignore"):
            bad = s >= t
        if bad.any():
            raise SurvivalDataError(
                f"start column {start!r} is not before time column {time!r} in "
                f"{_rows_text(index, bad)}; each interval (start, stop] needs start < stop"
            )
    if w is not None and weights is not None:
        with np.errstate(invalid="ignore"):
            bad = (w < 0) | np.isinf(w)
        if bad.any():
            raise SurvivalDataError(
                f"weights column {weights!r} has negative or infinite "
                f"values in {_rows_text(index, bad)}; weights must be >= 0"
            )


def _assemble(
    frame: pd.DataFrame,
    cols: list[str],
    extras: dict[str, pd.Series],
    miss: dict[str, np.ndarray],
    t: np.ndarray,
    e: np.ndarray,
    s: np.ndarray | None,
    w: np.ndarray | None,
    apply_timefix: bool,
) -> SurvData:
    dropped = _dropped_table(frame, extras, miss)
    keep = ~np.logical_or.reduce(list(miss.values())) if miss else None
    if keep is not None and not keep.any():
        raise SurvivalDataError(
            f"no rows left to analyse: all {len(frame)} rows have a missing "
            f"value ({', '.join(miss)})"
        )
    if len(frame) == 0:
        raise SurvivalDataError("no rows left to analyse: the data are empty")
    sel = (lambda a: a) if keep is None else (lambda a: a[keep])
    t = np.add(sel(t), 0.0)  # a float copy; -0.0 -> 0.0
    s = None if s is None else np.add(sel(s), 0.0)
    n_fixed = 0
    step = grid_step(t) if s is None else None  # on a coarse grid nothing can merge
    if apply_timefix and step is None:
        t, s, n_fixed = timefix(t, s)
    return SurvData(
        time=t,
        event=sel(e).astype(np.int8),
        start=s,
        weights=None if w is None else sel(w).astype(float),
        dropped=dropped,
        n_input=len(frame),
        n_timefixed=n_fixed,
        grid_step=step,
        source=frame,
        columns=tuple(cols),
        keep=keep,
        extras={k: v.to_numpy() for k, v in extras.items()},
    )
