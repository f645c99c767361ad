"""Passes over the rows of the engine's sorted layout: the risk-set sums of ``x w``, their
sums over the events, and the weighted Gram matrix of the information.

Private to :mod:`lms_prognosis.cox`: the Newton-Raphson engine (:mod:`.engine`) calls them at
every point. Many rows are taken a block at a time, so that the (p, rows) products stay in
cache and no (p, n) temporary is made; the blocks and the order of the additions are fixed by
the data alone, so a fit gives the same values wherever it runs.
"""

from __future__ import annotations

import functools

import numpy as np

from lms_prognosis._threads import run_halves, split_rows
from lms_prognosis.cox._risksets import Prepared, event_risk_sums, stratified

__all__ = [
    "CHUNK",
    "risk_and_death_sums",
    "segment_sums",
    "group_sums",
    "fast_layout",
    "weighted_risk_sums",
    "chunked_risk_sums",
    "reduce_blocks",
    "weighted_gram",
    "mirrored",
]


def risk_and_death_sums(values: np.ndarray, prep: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """:func:`event_risk_sums` and the sums over each event block's events, from one
    ``reduceat``: one stratum, no entry times, events last in their blocks
    (``prep.death_start``; see :func:`fast_layout`).

    The rows from one event block to the next are cut where the events of the later block
    start, so each segment's sum is its censored part plus its events, and the events' sums
    need no gather.

    Examples
    --------
    >>> from lms_prognosis.cox.engine import prepare
    >>> t, e = np.array([2.0, 2.0, 3.0, 1.0]), np.array([0, 1, 1, 1])
    >>> prep = prepare(t, e, np.zeros((4, 0)))
    >>> risk, dead = risk_and_death_sums(np.array([1.0, 10.0, 100.0, 1000.0]), prep)
    >>> prep.order.tolist()  # values are per sorted row: times 3, 2 (censored, event), 1
    [2, 0, 1, 3]
    >>> risk.tolist(), dead.tolist()
    ([1.0, 111.0, 1111.0], [1.0, 100.0, 1000.0])
    """
    seg, first = prep.event_segments, prep.death_start
    if first is None or not fast_layout(prep):
        raise ValueError("risk_and_death_sums needs fast_layout(prep)")
    if not seg.size:
        empty = np.zeros((*values.shape[:-1], 0))
        return empty, empty
    end = prep.block_end[prep.eblock[-1]] + 1  # rows after the last event: never at risk
    m = 2 * seg.size
    if values.shape[-1] <= _BINCOUNT_ROWS and values.ndim <= 2:
        # few rows: one bincount over every row's part (numpy's reduceat costs ~9 ns per
        # part and row here, bincount ~2 ns per row); an empty part sums to 0
        parts = group_sums(values[..., :end], prep.death_pieces, m)
        censored, dead = parts[..., 0::2], parts[..., 1::2]
        return (censored + dead).cumsum(axis=-1), dead
    sums, dead = segment_sums(values[..., :end], prep.death_cuts, seg == first)
    return sums.cumsum(axis=-1), dead


def segment_sums(
    values: np.ndarray, cuts: np.ndarray, empty: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per event block: the sum of its segment (the rows since the previous event block) and
    of its events, from one ``reduceat`` at ``cuts`` (:attr:`Prepared.death_cuts`, shifted to
    the rows of ``values``); ``empty`` marks the blocks with no row before their events
    (``reduceat`` gives the part's first row there, not 0)."""
    parts = np.add.reduceat(values, cuts, axis=-1)
    censored, dead = parts[..., 0::2], parts[..., 1::2]
    censored[..., empty] = 0.0
    return censored + dead, dead


#: up to this many rows the risk-set and event sums are one ``np.bincount``
_BINCOUNT_ROWS = 1 << 14


def group_sums(values: np.ndarray, ids: np.ndarray, m: int) -> np.ndarray:
    """Sums of ``values`` (1-D, or 2-D along the last axis) by group ``ids`` (0 .. m - 1, one
    per value), in one ``np.bincount``: in the order of the values, an empty group 0.

    For short arrays (up to ~1e4 values) cut into many groups: ``np.add.reduceat`` costs
    about 9 ns per group and row there, this about 2 ns per value.

    Examples
    --------
    >>> group_sums(np.array([[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]]), np.array([0, 0, 2]), 3)
    array([[ 3.,  0.,  4.],
           [24.,  0., 32.]])
    """
    if values.ndim == 1:
        return np.bincount(ids, weights=values, minlength=m)
    k = values.shape[0]
    flat = (ids + (np.arange(k) * m)[:, None]).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=k * m).reshape(k, m)


def fast_layout(prep: Prepared) -> bool:
    """One stratum, no entry times, and each block's events its last rows: the risk-set and
    event sums of :func:`risk_and_death_sums` apply."""
    return not stratified(prep) and prep.start_order is None and prep.death_start is not None


#: rows per chunk of the (p, n) temporaries: about a MB, so memory stays near the data's size
CHUNK = 1 << 14


def weighted_risk_sums(
    prep: Prepared, w: np.ndarray, deaths: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """``event_risk_sums(prep.xt * w, prep)`` and, with ``deaths``, the sums of ``x w`` over
    the events of each event block, without a full (p, n) or (p, D) temporary."""
    xt = prep.xt
    starts, rows = prep.eblock_start, prep.death_rows
    if prep.start_order is not None or xt.shape[1] <= CHUNK:
        y = xt * w
        if fast_layout(prep):
            risk, dead = risk_and_death_sums(y, prep)
            return risk, (dead if deaths else None)
        d = reduce_blocks(np.take(y, rows, axis=1), starts) if deaths else None
        return event_risk_sums(y, prep), d
    if not stratified(prep):
        return chunked_risk_sums(prep, w, deaths)
    out = np.empty((xt.shape[0], prep.eblock.size))
    dsum = np.empty((xt.shape[0], prep.eblock.size)) if deaths else None
    # one covariate at a time through two reused buffers: no (p, n) temporary, and no fresh
    # large array per covariate (each would cost its page faults again)
    y = np.empty(xt.shape[1])
    yd = np.empty(rows.shape[0]) if dsum is not None else None
    for j in range(xt.shape[0]):
        np.multiply(xt[j], w, out=y)
        out[j] = event_risk_sums(y, prep)
        if dsum is not None and yd is not None:
            np.take(y, rows, out=yd, mode="clip")  # rows are valid; "clip" is unbuffered
            dsum[j] = reduce_blocks(yd, starts)
    return out, dsum


#: rows per block of the one-pass risk-set sums (p such rows of doubles stay in cache)
RISK_ROWS = 1 << 15


def chunked_risk_sums(
    prep: Prepared, w: np.ndarray, deaths: bool
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`weighted_risk_sums` with one stratum, in one pass over blocks of rows.

    The blocks end where an event time's rows end, so each holds whole segments of
    ``prep.event_segments`` (and whole event blocks): ``x w`` of a block is formed once, in
    cache, for all p covariates, summed per segment and, at the events, per event block.
    The same products and sums as covariate by covariate, so the same values. With the
    events last in their blocks (``prep.death_start``) a segment is summed as its censored
    part and its events (:func:`risk_and_death_sums`), so the events are not gathered.
    """
    xt, seg = prep.xt, prep.event_segments
    p, n_seg = xt.shape[0], seg.shape[0]
    if not n_seg:
        empty = np.zeros((p, 0))
        return empty, (empty if deaths else None)
    end = int(prep.block_end[prep.eblock[-1]]) + 1  # rows after the last event: never at risk
    step = max(1024, min(RISK_ROWS, end // 32))  # the buffer stays small beside the data
    cut = np.unique(np.searchsorted(seg, np.arange(0, end, step), side="left"))
    cut = np.append(cut[cut < n_seg], n_seg)
    sums = np.empty((p, n_seg))
    dsum = np.empty((p, n_seg)) if deaths else None
    row_at = np.append(seg, end)  # first row of each segment, and the end
    mid = split_rows(end)
    half = 0 if mid is None else int(np.searchsorted(row_at[cut], mid))
    if 0 < half < cut.shape[0] - 1:  # blocks cut[:half + 1] here, the rest on the helper
        run_halves(
            lambda: _risk_blocks(prep, w, row_at, cut[: half + 1], sums, dsum),
            lambda: _risk_blocks(prep, w, row_at, cut[half:], sums, dsum),
        )
    else:
        _risk_blocks(prep, w, row_at, cut, sums, dsum)
    return np.cumsum(sums, axis=1), dsum


def _risk_blocks(
    prep: Prepared,
    w: np.ndarray,
    row_at: np.ndarray,
    cut: np.ndarray,
    sums: np.ndarray,
    dsum: np.ndarray | None,
) -> None:
    """The segment sums of :func:`chunked_risk_sums` for the blocks between the segment
    indices ``cut`` (into ``sums`` and ``dsum``, in place); ``row_at``: the first row of each
    segment, and the end of the rows at risk."""
    xt, seg, est, rows = prep.xt, prep.event_segments, prep.eblock_start, prep.death_rows
    dead_at = np.append(est, rows.shape[0])  # first death of each event block, and the end
    buf = np.empty((xt.shape[0], int(np.max(np.diff(row_at[cut])))))
    first = prep.death_start
    if first is not None:
        cuts, empty = prep.death_cuts, seg == first
    for k0, k1 in zip(cut[:-1], cut[1:], strict=True):
        r0, r1 = row_at[k0], row_at[k1]
        y = buf[:, : r1 - r0]
        np.multiply(xt[:, r0:r1], w[r0:r1], out=y)
        if first is not None:
            sums[:, k0:k1], dead = segment_sums(y, cuts[2 * k0 : 2 * k1] - r0, empty[k0:k1])
            if dsum is not None:
                dsum[:, k0:k1] = dead
            continue
        sums[:, k0:k1] = np.add.reduceat(y, seg[k0:k1] - r0, axis=1)
        if dsum is not None:
            d0, d1 = dead_at[k0], dead_at[k1]
            yd = np.take(y, rows[d0:d1] - r0, axis=1)
            dsum[:, k0:k1] = np.add.reduceat(yd, est[k0:k1] - d0, axis=1)


def _gram_blocks(
    xt: np.ndarray, v: np.ndarray, gram: np.ndarray, lo: int, hi: int, buf: np.ndarray
) -> None:
    """Into ``gram[k]``, the product of the k-th block of :data:`GRAM_ROWS` rows, for the
    blocks of rows ``lo:hi`` (``lo`` a multiple of GRAM_ROWS; :func:`weighted_gram`)."""
    for a in range(lo, hi, GRAM_ROWS):
        x = xt[:, a : min(a + GRAM_ROWS, hi)]
        z = np.multiply(x, v[a : a + x.shape[1]], out=buf[:, : x.shape[1]])
        gram[a // GRAM_ROWS] = z @ x.T


def _in_order(blocks: np.ndarray) -> np.ndarray:
    """The sum of per-block matrices, added in block order from 0 (as one pass adds them)."""
    total = np.zeros(blocks.shape[1:])
    for b in blocks:
        total += b
    return total


def reduce_blocks(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sum of per-event ``values`` (last axis) over each event block (contiguous runs)."""
    if not starts.size:
        return np.zeros((*values.shape[:-1], 0))
    return np.add.reduceat(values, starts, axis=-1)


#: rows per block of the weighted Gram matrix (design value: the fastest of 2048 to 16384
#: rows measured at 1e6 x 8, where (p, rows) of products and of x stay in the L1/L2 caches)
GRAM_ROWS = 1 << 12


def weighted_gram(xt: np.ndarray, v: np.ndarray) -> np.ndarray:
    """sum_i v_i x_i x_i': BLAS gemm of (x v) and x on blocks of rows (no full (p, n)
    temporary). Symmetric up to rounding (the caller mirrors its result).

    A product of a block with itself (``y @ y.T`` with ``y = x sqrt(v)``, BLAS syrk) has
    half the flops, but needs the square root of every weight and, for p = 8, measured
    1.4x slower than gemm on blocks that stay in cache.
    """
    n, p = xt.shape[1], xt.shape[0]
    if n <= CHUNK:
        return (xt * v) @ xt.T
    blocks = np.empty((-(-n // GRAM_ROWS), p, p))  # each block's product, added in order below
    mid = split_rows(n, GRAM_ROWS)
    if mid is None:
        _gram_blocks(xt, v, blocks, 0, n, np.empty((p, GRAM_ROWS)))
    else:
        run_halves(
            lambda: _gram_blocks(xt, v, blocks, 0, mid, np.empty((p, GRAM_ROWS))),
            lambda: _gram_blocks(xt, v, blocks, mid, n, np.empty((p, GRAM_ROWS))),
        )
    return _in_order(blocks)


def mirrored(info: np.ndarray) -> np.ndarray:
    """``info`` with its upper triangle set to its lower one (in place): exactly symmetric,
    as R's ``coxfit6`` information, which accumulates one triangle only."""
    lower = _strict_lower(info.shape[0])
    info.T[lower] = info[lower]
    return info


@functools.lru_cache(maxsize=64)
def _strict_lower(p: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.tril_indices(p, -1)``, made once per p (a bootstrap's thousands of Newton points
    each asked for them: 0.1 ms a call, a tenth of a small model's point)."""
    rows, cols = np.tril_indices(p, -1)
    rows.flags.writeable = cols.flags.writeable = False
    return rows, cols
