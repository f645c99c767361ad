"""The rows of a Cox fit and their engine layout, rebuilt on demand.

Private to :mod:`lms_prognosis.cox`: ``fit_cox`` sorts its rows once into the engine's layout
(:class:`~lms_prognosis.cox.engine.Prepared`) and fits; the result then keeps only the rows in
the caller's order (:class:`FitRows` and its own copy of the design columns) and rebuilds the
sorted layout the first time a method needs it (:func:`prepare_rows`: the same inputs through
the same code, so the same layout). The sorted, centred copy of the design is therefore not
held beside the result's copy of the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lms_prognosis._threads import run_halves, split_rows
from lms_prognosis.cox.engine import Prepared, death_sums, prepare_sorted, sort_order

__all__ = ["FitRows", "sorted_design", "prepare_rows"]

#: designs up to this many cells are stacked whole (a few MB at most)
_SMALL = 1 << 16
#: sorted positions per block of the gather: each block's rows are read once for all columns
_GATHER = 1 << 14


@dataclass(frozen=True, eq=False)
class FitRows:
    """The analysed rows of a Cox fit in the caller's order (arrays owned by the result).

    Attributes
    ----------
    time : ndarray
        Follow-up (stop) times after R's ``timefix``; in the order ``order`` if given.
    event : ndarray of int8
        1 for the event of interest, else 0.
    stratum : ndarray of int or None
        Stratum code per row.
    weights, start : ndarray or None
        Case weights and entry times (after ``timefix``).
    efron : bool
        Efron (True) or Breslow ties.
    grid_step : float or None
        ``SurvData.grid_step`` of the times (a counting sort applies).
    order : ndarray of int or None
        The engine's row order, when ``time`` is stored sorted by it (``fit_cox`` keeps the
        layout's sorted times rather than a second copy in the caller's order).
    """

    time: np.ndarray
    event: np.ndarray
    stratum: np.ndarray | None
    weights: np.ndarray | None
    start: np.ndarray | None
    efron: bool
    grid_step: float | None = None
    order: np.ndarray | None = None  # given: ``time`` is sorted by it (the layout's own array)


def sorted_design(
    columns: Sequence[np.ndarray], center: np.ndarray, order: np.ndarray
) -> np.ndarray:
    """(p, n) engine layout: each column sorted by ``order`` and centred.

    The gather runs over blocks of sorted positions, taking every column for a block before the
    next: when the columns are strided views of one row-major array (a DataFrame made from an
    (n, p) array), each row's cache line is then read once instead of once per column.

    Examples
    --------
    >>> sorted_design([np.array([1.0, 2.0, 3.0])], np.array([2.0]), np.array([2, 0, 1])).tolist()
    [[1.0, -1.0, 0.0]]
    """
    n = order.shape[0]
    if len(columns) * n <= _SMALL:  # a few numpy calls in all, not two per column
        xt = np.take(np.vstack(columns), order, axis=1) if columns else np.empty((0, n))
        xt -= center[:, None]
        return xt
    xt = np.empty((len(columns), n))
    mid = split_rows(n, _GATHER)
    if mid is None:
        _gather(columns, center, order, xt, 0, n)
    else:  # a gather waits on memory: the two halves' waits overlap on two cores
        run_halves(
            lambda: _gather(columns, center, order, xt, 0, mid),
            lambda: _gather(columns, center, order, xt, mid, n),
        )
    return xt


def _gather(
    columns: Sequence[np.ndarray],
    center: np.ndarray,
    order: np.ndarray,
    xt: np.ndarray,
    lo: int,
    hi: int,
) -> None:
    """Fill the sorted positions ``lo:hi`` of ``xt`` (see :func:`sorted_design`)."""
    shared = _row_major_base(columns)
    if shared is not None:  # one (n, m) row-major array: gather whole rows (a cache line each)
        base, pos = shared
        whole = pos == list(range(base.shape[1]))
        buf = np.empty((min(_GATHER, hi - lo), base.shape[1]))
        shift = center[:, None]
        for a in range(lo, hi, _GATHER):  # gathered, transposed and centred in one block
            m = min(_GATHER, hi - a)
            rows = np.take(base, order[a : a + m], axis=0, out=buf[:m], mode="clip")  # valid rows
            block = rows.T if whole else rows[:, pos].T
            np.subtract(block, shift, out=xt[:, a : a + m])
        return
    if all(c.flags.c_contiguous for c in columns):
        for j, c in enumerate(columns):
            np.take(c, order[lo:hi], out=xt[j, lo:hi], mode="clip")  # unbuffered
    else:  # np.take would copy a strided column whole on every call: index a block at a time
        for a in range(lo, hi, _GATHER):
            idx = order[a : min(a + _GATHER, hi)]
            for j, c in enumerate(columns):
                xt[j, a : a + idx.shape[0]] = c[idx]
    for j in range(len(columns)):
        xt[j, lo:hi] -= center[j]


def _row_major_base(columns: Sequence[np.ndarray]) -> tuple[np.ndarray, list[int]] | None:
    """A read-only (n, m) view of rows holding all these columns, and their positions in it,
    when they are the float64 columns of one row-major array (a DataFrame made from an (n, p)
    array keeps that array as its block); else None.

    Examples
    --------
    >>> x = np.arange(6.0).reshape(3, 2)
    >>> rows, pos = _row_major_base([x[:, 1], x[:, 0]])
    >>> rows.tolist(), pos
    ([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]], [1, 0])
    >>> _row_major_base([x[:, 1].copy()]) is None
    True
    """
    owner = columns[0].base if columns else None
    n = columns[0].shape[0] if columns else 0
    step = columns[0].strides[0] if columns and columns[0].ndim == 1 else 0
    if owner is None or step <= 8 or step % 8:
        return None
    for c in columns:
        if c.base is not owner or c.dtype != np.float64 or c.shape != (n,) or c.strides[0] != step:
            return None
    address = [c.__array_interface__["data"][0] for c in columns]
    first = int(np.argmin(address))
    offsets = [a - address[first] for a in address]
    if any(o % 8 or o >= step for o in offsets):
        return None
    width = max(offsets) // 8 + 1  # from the first column to the last: inside the owner's rows
    rows = np.lib.stride_tricks.as_strided(
        columns[first], shape=(n, width), strides=(step, 8), writeable=False
    )
    return rows, [o // 8 for o in offsets]


def prepare_rows(
    columns: Sequence[np.ndarray],
    center: np.ndarray,
    rows: FitRows,
    order: np.ndarray | None = None,
) -> Prepared:
    """Sort the rows once (a counting sort on a time grid) into the engine's layout."""
    time = rows.time
    if rows.order is not None:  # sorted times: back to the caller's order (same values)
        order = rows.order
        time = np.empty_like(rows.time)
        time[order] = rows.time
    elif order is None:
        order = sort_order(rows.time, rows.stratum, rows.grid_step, rows.event)
    # a large design is made after the block and event indexing, so that the indexing's
    # temporaries are freed first; a small one before it (one call, one event sum)
    small = len(columns) * order.shape[0] <= _SMALL
    xt = sorted_design(columns, center, order) if small else np.empty((0, order.shape[0]))
    prep = prepare_sorted(
        order, time, rows.event, xt, rows.stratum, rows.efron,
        weights=rows.weights, start=rows.start,
    )  # fmt: skip
    if not small:
        prep.xt = sorted_design(columns, center, order)
        prep.xdeath_sum = death_sums(prep.xt, prep.death_rows, prep.death_wt)
    return prep
