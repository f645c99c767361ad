"""The engine's row order: by stratum, then time descending, the events of a tied time last.

Private to :mod:`lms_prognosis.cox`; :mod:`lms_prognosis.cox.engine` re-exports
``sort_order`` and ``counting_order``. Times on a grid (whole days, months to 0.1) are sorted
by a counting sort of their integer keys, other times by a comparison sort whose tied runs are
then put in a fixed order: the same order either way, so a fit does not depend on which sort
ran.
"""

from __future__ import annotations

import numpy as np

from lms_prognosis._timefix import grid_step as find_grid_step

__all__ = ["sort_order", "counting_order"]


def sort_order(
    time: np.ndarray,
    stratum: np.ndarray | None,
    grid_step: float | None = None,
    event: np.ndarray | None = None,
) -> np.ndarray:
    """Row order by stratum, then time descending (the engine's layout); with ``event``,
    the censored rows of a tied time before its events.

    With ``event`` (1 = event) the events of each tied time are the last rows of its block.
    R's ``coxfit6`` keeps a tied time's censored rows and events in separate sums as it
    walks the block (its ``denom`` and ``denom2``); here the sort makes that split a
    position: the engine sums a block's events as one contiguous run
    (``Prepared.death_start``) instead of gathering them.

    With ``grid_step`` (every time is exactly the double nearest k / step, as
    ``SurvData.grid_step`` reports for whole days or months to 0.1 or 0.01; not given, it is
    looked for when there are more than 32,768 rows) the order is a counting sort of the
    integer keys k: the same order as a stable argsort, in O(n) (numpy's
    radix sort of 16-bit keys, one or two passes). Otherwise a comparison sort whose tied
    runs are then put in row order: the same stable order either way, so a fit does not
    depend on which sort ran (sums over a block are added in the same order).

    Examples
    --------
    >>> sort_order(np.array([2.0, 5.0, 1.0]), None).tolist()
    [1, 0, 2]
    >>> sort_order(np.array([0.2, 0.5, 0.2, 0.1]), None, grid_step=10).tolist()
    [1, 0, 2, 3]
    >>> sort_order(np.array([0.2, 0.5, 0.2, 0.1]), None, event=np.array([1, 0, 0, 1])).tolist()
    [1, 2, 0, 3]
    """
    ev = None if event is None else (np.asarray(event) == 1).view(np.uint8)
    if grid_step is None and time.size > _STABLE_DIRECTLY:  # look for a grid (one pass)
        grid_step = find_grid_step(time)
    if grid_step is not None and time.size:
        order = counting_order(time, stratum, grid_step, ev)
        if order is not None:
            return order
    if stratum is None:
        return _stable_descending(time, ev)
    keys = (-time, stratum) if ev is None else (ev, -time, stratum)
    return np.lexsort(keys)  # stable


def _stable_descending(time: np.ndarray, ev: np.ndarray | None) -> np.ndarray:
    """``argsort(-time, kind="stable")`` (with ``ev``: ``lexsort((ev, -time))``). A large
    array with few tied times: a quicksort, then each run of tied times put in (event, row)
    order (a stable sort of doubles is ~3x slower)."""
    if time.shape[0] <= _STABLE_DIRECTLY:
        return np.argsort(-time, kind="stable") if ev is None else np.lexsort((ev, -time))
    order = np.argsort(-time)
    ts = time[order]
    tied = ts[1:] == ts[:-1]
    if not tied.any():
        return order
    if np.count_nonzero(tied) > tied.shape[0] // 8:
        return np.argsort(-time, kind="stable") if ev is None else np.lexsort((ev, -time))
    in_run = np.zeros(ts.shape[0], dtype=bool)
    in_run[1:] = tied
    in_run[:-1] |= tied
    pos = np.flatnonzero(in_run)
    run = np.cumsum(np.r_[True, ~tied[pos[1:] - 1]])  # a new run where no tie precedes
    sub = order[pos]
    keys = (sub, run) if ev is None else (sub, ev[sub], run)
    order[pos] = sub[np.lexsort(keys)]
    return order


#: up to this many rows a stable sort of the times is as fast as any other
_STABLE_DIRECTLY = 1 << 15
#: keys below this are sorted in one radix pass (numpy sorts 16-bit keys by radix sort)
_ONE_PASS = 1 << 16


def counting_order(
    time: np.ndarray,
    stratum: np.ndarray | None,
    grid_step: float,
    ev: np.ndarray | None = None,
) -> np.ndarray | None:
    """Stable order by stratum, then time descending (then ``ev``, 0/1, ascending), of times
    on a grid of ``1 / grid_step``.

    The key of a row is ``stratum * K + (k_max - k)`` with ``k = rint(time * grid_step)``
    (exact: each time is the double nearest k / step) and K the number of grid points
    spanned, times 2 plus ``ev`` if given; keys below 2^32 are sorted as one or two 16-bit
    digits (LSD radix sort, stable). None when the keys would not fit (the caller then uses a
    comparison sort).
    """
    k = np.rint(time * grid_step)
    k_max = float(k.max())
    span = (k_max - float(k.min()) + 1) * (1 if ev is None else 2)
    n_strata = 1 if stratum is None or stratum.size == 0 else int(stratum.max()) + 1
    if stratum is not None and stratum.size and int(stratum.min()) < 0:
        return None
    if span * n_strata >= 2.0**32:
        return None
    key = np.subtract(k_max, k, out=k).astype(np.uint32)
    if ev is not None:
        key <<= np.uint32(1)
        key |= ev
    if stratum is not None and n_strata > 1:
        key += stratum.astype(np.uint32) * np.uint32(span)
    if span * n_strata <= _ONE_PASS:
        return np.argsort(key.astype(np.uint16), kind="stable")
    low = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
    high = np.argsort((key[low] >> 16).astype(np.uint16), kind="stable")
    return low[high]
