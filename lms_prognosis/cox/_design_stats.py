"""Column statistics of a design (ranges and means over the complete rows, the centred Gram
matrix and the collinearity check on it).

Private to :mod:`lms_prognosis.cox`: :func:`~lms_prognosis.cox.design.design_matrix` calls them.
A small design is stacked once so each statistic is one numpy call rather than one per column;
the values are the same (each reduction runs along one column either way). A large design is
read in blocks of rows, every column's block at once (:func:`stacked_blocks`), so minimum,
maximum and sum take one pass over the rows, not three per column.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.linalg import lapack

from lms_prognosis._threads import run_halves, split_rows
from lms_prognosis.cox._cholesky import cholesky2

__all__ = [
    "ALIAS_TOLERANCE",
    "aliased_keep",
    "centred_gram",
    "column_ranges",
    "column_means",
    "column_summary",
    "stacked_blocks",
    "stacked_copy",
]

_CHUNK = 1 << 14  # rows per block of the centred Gram matrix (stays in cache)
ALIAS_TOLERANCE = 1e-10  # pivot of the correlation matrix below which a column is aliased

#: at most this many design cells are stacked into one array for the column statistics
_STACK_CELLS = 1 << 18
#: rows per block of a large design: every column's block is read once for all statistics
_BLOCK_ROWS = 1 << 14


def stacked_blocks(
    cols: list[np.ndarray], rows: int = _BLOCK_ROWS, start: int = 0, stop: int | None = None
) -> Iterator[np.ndarray]:
    """(p, m) blocks of consecutive rows ``start:stop`` of the columns, one block at a time (a
    reused buffer).

    When the columns are strided views of one row-major array, a block reads each row's
    cache line once for all columns, where a pass per column would read the whole array once
    per column.
    """
    n = cols[0].shape[0] if stop is None else stop
    buf = np.empty((len(cols), min(rows, n - start)))
    for a in range(start, n, rows):
        m = min(rows, n - a)
        for j, c in enumerate(cols):
            buf[j, :m] = c[a : a + m]
        yield buf[:, :m]


def stacked_copy(cols: list[np.ndarray]) -> np.ndarray:
    """(p, n) copy of the columns, filled a block of rows at a time (see :func:`stacked_blocks`:
    strided columns are read once, not once per column).

    Examples
    --------
    >>> x = np.arange(6.0).reshape(3, 2)
    >>> stacked_copy([x[:, 0], x[:, 1]]).tolist()
    [[0.0, 2.0, 4.0], [1.0, 3.0, 5.0]]
    """
    if not cols:
        return np.zeros((0, 0))
    n = cols[0].shape[0]
    out = np.empty((len(cols), n))
    mid = split_rows(n, _BLOCK_ROWS)
    if mid is None:
        _copy_rows(cols, out, 0, n)
    else:
        run_halves(lambda: _copy_rows(cols, out, 0, mid), lambda: _copy_rows(cols, out, mid, n))
    return out


def _copy_rows(cols: list[np.ndarray], out: np.ndarray, lo: int, hi: int) -> None:
    for a in range(lo, hi, _BLOCK_ROWS):
        b = min(a + _BLOCK_ROWS, hi)
        for j, c in enumerate(cols):
            out[j, a:b] = c[a:b]


def column_summary(
    cols: list[np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Minimum, maximum, complete rows (None: all) and, when no row has a missing value, the
    mean of each column, in one stacked pass (a small design) or one pass of row blocks."""
    if not cols:
        return np.zeros(0), np.zeros(0), None, np.zeros(0)
    n = cols[0].shape[0]
    if len(cols) * n <= _STACK_CELLS:
        x = np.vstack(cols)
        lo = x.min(axis=1)
        if not np.isnan(lo).any():
            return lo, x.max(axis=1), None, x.mean(axis=1)
        complete = ~np.isnan(x).any(axis=0)
        kept = x[:, complete]
        return kept.min(axis=1), kept.max(axis=1), complete, None
    # per block of rows: minimum, maximum and sum of each column; the blocks' sums are added
    # in block order (the same total whether or not the pass was split in two)
    stats = np.empty((-(-n // _BLOCK_ROWS), 3, len(cols)))
    mid = split_rows(n, _BLOCK_ROWS)
    if mid is None:
        _block_stats(cols, stats, 0, n)
    else:
        run_halves(
            lambda: _block_stats(cols, stats, 0, mid),
            lambda: _block_stats(cols, stats, mid, n),
        )
    lo, hi = stats[:, 0].min(axis=0), stats[:, 1].max(axis=0)  # NaN propagates: a row missing
    total = np.zeros(len(cols))
    for s in stats[:, 2]:
        total += s
    if np.isnan(lo).any():
        lo, hi, complete = column_ranges(cols)
        return lo, hi, complete, None
    return lo, hi, None, total / n


def _block_stats(cols: list[np.ndarray], stats: np.ndarray, lo: int, hi: int) -> None:
    """Minimum, maximum and sum of each column in each block of rows of ``lo:hi``."""
    first = lo // _BLOCK_ROWS
    for k, blk in enumerate(stacked_blocks(cols, start=lo, stop=hi), start=first):
        stats[k, 0] = blk.min(axis=1)
        stats[k, 1] = blk.max(axis=1)
        stats[k, 2] = blk.sum(axis=1)


def column_ranges(cols: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Minimum and maximum of each column over the complete rows, and those rows (None: all).

    A small design is stacked once so that each statistic is one call, not one per column
    (the same values: the reductions are along each column either way).
    """
    if not cols:
        return np.zeros(0), np.zeros(0), None
    if len(cols) * cols[0].shape[0] <= _STACK_CELLS:
        x = np.vstack(cols)
        lo = x.min(axis=1)
        if not np.isnan(lo).any():
            return lo, x.max(axis=1), None
        complete = ~np.isnan(x).any(axis=0)
        kept = x[:, complete]
        return kept.min(axis=1), kept.max(axis=1), complete
    lo = np.array([c.min() for c in cols])
    complete = None
    if np.isnan(lo).any():  # NaN propagates in min: some row has a missing value
        complete = ~np.logical_or.reduce([np.isnan(c) for c in cols])
        lo = np.array([c[complete].min() for c in cols])
    hi = np.array([(c if complete is None else c[complete]).max() for c in cols])
    return lo, hi, complete


def column_means(cols: list[np.ndarray], complete: np.ndarray | None) -> np.ndarray:
    """Mean of each column over the complete rows (one call for a small design)."""
    if cols and len(cols) * cols[0].shape[0] <= _STACK_CELLS:
        x = np.vstack(cols)
        return (x if complete is None else x[:, complete]).mean(axis=1)
    return np.array([(c if complete is None else c[complete]).mean() for c in cols])


def centred_gram(
    cols: list[np.ndarray], center: np.ndarray, complete: np.ndarray | None
) -> np.ndarray:
    """X_c' X_c of the centred columns, in row blocks (no n x p centred copy)."""
    p = len(cols)
    if complete is not None:
        cols = [c[complete] for c in cols]
    n = cols[0].shape[0]
    if n <= _CHUNK:  # one block: stack and centre at once
        xc = np.vstack(cols)
        xc -= center[:, None]
        return xc @ xc.T
    gram = np.zeros((p, p))
    blk = np.empty((p, min(n, _CHUNK)))
    for i in range(0, n, _CHUNK):
        m = min(_CHUNK, n - i)
        for j, c in enumerate(cols):
            np.subtract(c[i : i + m], center[j], out=blk[j, :m])
        b = blk[:, :m]
        gram += b @ b.T
    return gram


def aliased_keep(gram: np.ndarray) -> list[int]:
    """Columns to keep given the centred Gram matrix: a column that is a linear combination
    of earlier ones (pivot of the correlation matrix below 1e-10) is aliased.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 1.0], [3.0, 6.0, 0.0]])
    >>> xc = x - x.mean(axis=0)
    >>> aliased_keep(xc.T @ xc)
    [0, 2]
    """
    sd = np.sqrt(gram.diagonal())
    corr = gram / np.outer(sd, sd)
    chol, status = lapack.dpotrf(corr, lower=1)  # LAPACK's Cholesky (numpy's, without its checks)
    if status == 0 and chol.diagonal().min() ** 2 > ALIAS_TOLERANCE:
        return list(range(gram.shape[0]))
    fac, _ = cholesky2(corr, ALIAS_TOLERANCE)
    return [i for i in range(gram.shape[0]) if fac[i, i] != 0]
