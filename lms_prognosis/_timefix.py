"""R's timefix: times equal up to floating-point noise are one time (``survival:::aeqSurv``).

:func:`timefix` is applied by :func:`lms_prognosis._survdata.survival_data` (which re-exports
it), so Kaplan-Meier, log-rank, Cox, concordance and every other entry point see the same
times, as R's ``survfit``, ``survdiff``, ``coxph`` and ``concordance`` do with
``timefix = TRUE``. ``tests/reference/timefix.R`` pins it to R exactly.

Cost: times on a coarse grid (whole days, months to 0.1 or 0.01) are recognised in one pass
without a sort; other times need one sort and one hash lookup (10^6 continuous times: about
65 ms).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lms_prognosis.exceptions import SurvivalDataError

__all__ = ["timefix", "grid_step", "TIMEFIX_TOLERANCE"]

#: R's ``aeqSurv`` tolerance, ``sqrt(.Machine$double.eps)``
TIMEFIX_TOLERANCE = float(np.finfo(float).eps) ** 0.5
_CHUNK = 1 << 15  # values per pass of the grid check (fits the L2 cache)


def _on_coarse_grid(values: np.ndarray, tolerance: float) -> bool:
    """True if nothing can be merged (see :func:`grid_step`)."""
    return grid_step(values, tolerance) is not None


def grid_step(values: np.ndarray, tolerance: float = TIMEFIX_TOLERANCE) -> float | None:
    """The coarse step s (1, 10 or 100) every value sits on, or None; then nothing merges.

    That is, every value is exactly the double nearest k / s for an integer k (s = 1, 10 or
    100: whole days, months rounded to 0.1 or 0.01), and 1 / s is more than twice R's
    tolerance both absolutely and relative to the largest value (the mean R divides by is no
    larger). Two distinct such values then differ by about 1 / s, so no two can be tied and
    :func:`timefix` needs no sort. Checking ``values == rint(values * s) / s`` (not merely
    that ``values * s`` is whole) matters: 1.7 and the next double above it both give 17.0
    when multiplied by 10, yet R merges them.

    Examples
    --------
    >>> grid_step(np.array([3.0, 12.5, 7.1])), grid_step(np.array([0.1 + 0.2, 0.3]))
    (10.0, None)
    """
    if values.size == 0:
        return 1.0
    top = float(max(-values.min(), values.max()))
    steps = [
        s for s in (1.0, 10.0, 100.0) if 1.0 / s > 2 * tolerance and 1.0 / s > 2 * tolerance * top
    ]
    buf = np.empty(min(values.size, _CHUNK))
    for s in steps:
        if not _is_nearest(values[:_PEEK], s, buf):  # most grids fail on the first values
            continue
        if all(_is_nearest(values[i : i + _CHUNK], s, buf) for i in range(0, values.size, _CHUNK)):
            return s
    return None


#: values looked at first, so a grid they are not on is ruled out without a pass over all
_PEEK = 64


def _is_nearest(chunk: np.ndarray, step: float, buf: np.ndarray) -> bool:
    """Whether every value of ``chunk`` is the double nearest k / step (k whole)."""
    out = buf[: chunk.size]  # a reused buffer that stays in cache: no 8 MB temporaries
    if step == 1.0:
        np.rint(chunk, out=out)
    else:
        np.multiply(chunk, step, out=out)
        np.rint(out, out=out)
        np.divide(out, step, out=out)
    return bool(np.array_equal(out, chunk))


def _r_mean(x: np.ndarray) -> float:
    """R's ``mean`` of a double vector: a long-double sum, then one refinement pass."""
    n = x.size
    m = np.sum(x, dtype=np.longdouble) / n
    if np.isfinite(m):
        m += np.sum(x - m, dtype=np.longdouble) / n
    return float(m)


def _merge_targets(
    sorted_values: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """The distinct values R's ``aeqSurv`` replaces and what it replaces each by, or None."""
    v = sorted_values
    distinct = np.empty(v.size, dtype=bool)
    distinct[:1] = True
    np.not_equal(v[1:], v[:-1], out=distinct[1:])
    y = v[distinct]
    if y.size < 2:
        return None
    dy = np.diff(y)
    size = np.abs(y)
    with np.errstate(divide="ignore", invalid="ignore"):  # a mean of 0: dy alone decides
        ratio = dy / np.mean(size)
        if np.any(np.abs(ratio - tolerance) <= 1e-12 * tolerance):
            ratio = dy / _r_mean(size)  # borderline: R's long-double mean decides
    tied = (dy <= tolerance) | (ratio <= tolerance)
    if not tied.any():
        return None
    cuts = y[np.r_[True, ~tied]]
    moved = y[1:][tied]  # sorted and distinct: every value that is not the first of its run
    return moved, cuts[np.searchsorted(cuts, moved, side="right") - 1]


def timefix(
    time: np.ndarray, start: np.ndarray | None = None, tolerance: float = TIMEFIX_TOLERANCE
) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Merge times that differ only by rounding error, as R ``aeqSurv`` (``timefix = TRUE``).

    The distinct finite values of ``time`` (and ``start``) are sorted; a value closer to the
    one before it than ``tolerance``, absolutely or relative to the mean absolute distinct
    value, is replaced by the first value of its run (so a chain of small gaps is one run, as
    in R). So 0.1 + 0.2 and 0.3 are one tie, as in R's ``survfit``, ``survdiff``, ``coxph``
    and ``concordance``. Returns the new arrays (the inputs themselves when nothing changes)
    and the number of values changed. ``tests/reference/timefix.R`` pins this to R.
    Missing and infinite values are left as they are (R's ``findInterval`` would move an
    infinite time onto the largest finite one when anything is merged; :func:`survival_data`
    refuses infinite times before this runs).

    Raises :class:`SurvivalDataError` if merging makes a ``(start, stop]`` interval empty, as
    R's "aeqSurv exception".

    Examples
    --------
    >>> t, _, changed = timefix(np.array([0.1 + 0.2, 0.3, 1.0]))
    >>> t.tolist(), changed
    ([0.3, 0.3, 1.0], 1)
    """
    both = time if start is None else np.concatenate([start, time])
    if both.size == 0:
        return time, start, 0
    lo, hi = both.min(), both.max()
    finite = both if np.isfinite(lo) and np.isfinite(hi) else both[np.isfinite(both)]
    if _on_coarse_grid(finite, tolerance):
        return time, start, 0
    merge = _merge_targets(np.sort(finite), tolerance)
    if merge is None:
        return time, start, 0
    lookup = pd.Index(merge[0])

    def snap(x: np.ndarray) -> tuple[np.ndarray, int]:
        where = lookup.get_indexer(x)
        hit = where >= 0
        out = x.copy()
        out[hit] = merge[1][where[hit]]
        return out, int(np.count_nonzero(hit))

    new_time, changed = snap(time)
    new_start = None
    if start is not None:
        new_start, changed_start = snap(start)
        changed += changed_start
        if np.any(new_start >= new_time):
            raise SurvivalDataError(
                "a (start, stop] interval has length 0 once times equal up to rounding error "
                "are merged (R's aeqSurv exception); check the start and stop times"
            )
    return new_time, new_start, changed
