"""Survival input for Kaplan-Meier and log-rank: the one check, then group and stratum codes.

:func:`prepare` calls :func:`lms_prognosis._survdata.survival_data` (the check every entry
point shares: event codes, negative times, rows with a missing time, event, group or stratum
left out and reported, R's timefix) and codes the group and stratum columns as integers
0..k-1 with their labels. The arrays it returns are new: nothing refers to the caller's frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._results import empty_dropped
from lms_prognosis._survdata import survival_data


@dataclass(frozen=True, eq=False)
class GroupedData:
    """Checked arrays for the engines: time, 0/1 event indicator, group and stratum codes.

    Examples
    --------
    >>> d = prepare(pd.DataFrame({"time": [1.0, 2.0, 3.0], "event": [1, 2, 0],
    ...                           "g": ["b", "a", None]}), "time", "event", "g")
    >>> d.n, d.died.tolist(), d.gcode.tolist(), d.labels, d.dropped["column"].tolist()
    (2, [1.0, 0.0], [1, 0], ['a', 'b'], ['g'])
    """

    time: np.ndarray
    died: np.ndarray
    gcode: np.ndarray
    labels: list[Any]
    scode: np.ndarray | None = None
    slabels: list[Any] = field(default_factory=list)
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    n_competing: int = 0
    grid_step: float | None = None

    @property
    def n(self) -> int:
        """Rows analysed."""
        return int(self.time.shape[0])


def group_codes(col: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Integer codes 0..k-1 and labels: category order for a categorical, else sorted values.

    Categories with no rows are dropped, as R drops unused factor levels in ``survfit`` and
    ``survdiff`` (a cohort's canonical categories need not all occur). Whole-number floats are
    labelled as integers (grade 1.0 -> 1, as R prints it). ``col`` has no missing values.

    Examples
    --------
    >>> group_codes(pd.Series(["b", "a", "b"]))
    (array([1, 0, 1]), ['a', 'b'])
    >>> group_codes(pd.Series([3.0, 1.0, 3.0]))
    (array([1, 0, 1]), [1, 3])
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.cat.remove_unused_categories()
        return col.cat.codes.to_numpy().astype(np.int64), list(col.cat.categories)
    arr = col.to_numpy()
    if isinstance(col.dtype, pd.api.extensions.ExtensionDtype):
        numpy_dtype = getattr(col.dtype, "numpy_dtype", None)
        arr = col.to_numpy(dtype=numpy_dtype if numpy_dtype is not None else object)
    if arr.dtype.kind == "f" and len(arr) and np.array_equal(arr, np.floor(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind in "iu" and len(arr):
        lo = int(arr.min())
        if int(arr.max()) - lo < 2 * len(arr) + 65536:  # small integers: no hash, no sort
            shifted = np.subtract(arr, lo, dtype=np.intp) if lo else arr.astype(np.intp, copy=False)
            present = np.bincount(shifted) > 0
            codes = shifted if present.all() else (np.cumsum(present) - 1)[shifted]
            return codes.astype(np.int64, copy=False), [
                int(v) + lo for v in np.flatnonzero(present)
            ]
    try:
        codes, uniques = pd.factorize(arr, sort=True)
    except TypeError:  # mixed types: sort by text
        codes, uniques = pd.factorize(col.astype(str).to_numpy(), sort=True)
    return codes.astype(np.int64), [v.item() if isinstance(v, np.generic) else v for v in uniques]


def is_ordered(df: Any, group: str | None) -> bool:
    """Whether ``group`` is an ordered categorical column of ``df`` (or of a Cohort's data).

    Examples
    --------
    >>> is_ordered(pd.DataFrame({"g": pd.Categorical(["a"], ordered=True)}), "g")
    True
    """
    frame = getattr(df, "data", df)
    if group is None or not isinstance(frame, pd.DataFrame) or group not in frame.columns:
        return False
    dtype = frame[group].dtype
    return isinstance(dtype, pd.CategoricalDtype) and bool(dtype.ordered)


def prepare(
    df: Any, time: str, event: str, group: str | None, strata: str | None = None
) -> GroupedData:
    """Check survival input once (``survival_data``) and code group and strata.

    Event code 1 is the event; 0 and 2 (a competing event) are censored for the curve of the
    event of interest, as R ``Surv(time, event == 1)``. See :class:`GroupedData` for an
    example.
    """
    sd = survival_data(df, time, event, group=group, strata=strata)
    labels: list[Any] = ["all"]
    if group is None:
        gcode = np.broadcast_to(np.int64(0), (sd.n,))  # read-only zeros, no allocation
    else:
        gcode, labels = group_codes(sd.column(group))
    scode, slabels = (None, []) if strata is None else group_codes(sd.column(strata))
    return GroupedData(
        time=sd.time,
        died=sd.status(1),
        gcode=gcode,
        labels=labels,
        scode=scode,
        slabels=slabels,
        dropped=sd.dropped,
        n_competing=sd.n_competing,
        grid_step=sd.grid_step,
    )
