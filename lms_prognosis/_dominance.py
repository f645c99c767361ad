"""Weighted 2-D dominance sums, the counting under every concordance in the package.

For elements with a time key ``p`` and a risk rank ``u`` (dense integers), the concordance
needs, for each element q, the weight of the elements later in time with a smaller risk
(and a few sums that follow from sorted prefix sums). The "later with smaller" sum is counted
bit by bit of the rank, wavelet-tree style: the elements start in (p, u) order, and for every
bit, from the highest, each group of elements sharing the higher bits is stably split into
its bit-0 part and its bit-1 part (one O(n) numpy pass); before the split, every bit-1
element collects the weight of the bit-0 elements lying after it in its group.

Memory and speed: whole-number weights (unit case weights, the 0/1 events of Harrell's C)
travel as 32-bit integers, other weights as float64; the working arrays of a level are
allocated once per sweep (:class:`Level`: fresh arrays cost page faults, and numpy's ``take``
and scatter are fastest with ``intp`` indices); each level's permutation is applied by
scattering each carried array into a fresh one, so one spare copy of one array is alive at a
time; the group bounds of a level follow from the previous level's (no ``bincount``). The C
with its standard error at n = 1e6 peaks at about 90 MiB (benchmarks/bench_concordance.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["Level", "Sweep", "count_dtype", "integral", "runs", "scatter", "sweep", "top_bounds"]


def count_dtype(n: int) -> Any:
    """The integer type of positions and counts for ``n`` elements."""
    return np.int32 if n < 2**31 - 1 else np.int64


def integral(v: np.ndarray, n: int) -> np.ndarray:
    """``v`` as exact integers when its values are whole numbers whose sums fit, else float64."""
    v = np.asarray(v)
    if v.dtype.kind in "iub":
        return v.astype(count_dtype(n * max(1, int(v.max()) if v.size else 1)), copy=False)
    dt = count_dtype(n)
    if v.size and float(np.abs(v).max()) * n < np.iinfo(dt).max:
        iv = v.astype(dt)
        if np.array_equal(iv, v):
            return iv
    return v.astype(float, copy=False)


def runs(sorted_keys: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) of the run of equal key tuples each position belongs to.

    ``sorted_keys`` are arrays in an order where equal tuples are contiguous.

    Examples
    --------
    >>> [a.tolist() for a in runs([np.array([1, 1, 2, 3, 3, 3])], 6)]
    [[0, 0, 2, 3, 3, 3], [2, 2, 3, 6, 6, 6]]
    """
    it = count_dtype(n)
    new = np.empty(n, dtype=bool)
    new[:1] = True
    if n > 1:
        new[1:] = False
        for k in sorted_keys:
            new[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(new).astype(it)
    rid = np.cumsum(new, dtype=it)
    rid -= 1
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:]
    ends[-1:] = n
    return starts.take(rid), ends.take(rid)


def scatter(arr: np.ndarray, dest: np.ndarray) -> np.ndarray:
    """A new array ``out`` with ``out[dest] = arr`` (``dest`` a permutation)."""
    out = np.empty_like(arr)
    out[dest] = arr
    return out


class Sweep:
    """Result of :func:`sweep`, in the final layout (sorted by rank, then time key).

    Attributes
    ----------
    idx : ndarray
        Position in the initial (p, u) layout of each final-layout element.
    u : ndarray
        The rank of each final-layout element (non-decreasing).
    a_later_lt, b_later_lt : ndarray
        Per element q: the ``a`` (``b``) weight of the elements after q in the initial layout
        with a smaller rank (``b_later_lt`` None when no ``b`` was given).
    """

    def __init__(
        self, idx: np.ndarray, u: np.ndarray, a_later_lt: np.ndarray, b_later_lt: Any
    ) -> None:
        self.idx = idx
        self.u = u
        self.a_later_lt = a_later_lt
        self.b_later_lt = b_later_lt


def top_bounds(lay: np.ndarray, k: int) -> np.ndarray:
    """Bounds of the groups ``lay >> k`` (contiguous and ascending in the layout), indexed by
    the group value: group g is ``bounds[g]:bounds[g + 1]``."""
    top = lay >> k
    ng = int(top[-1]) + 1 if lay.size else 1
    return np.searchsorted(top, np.arange(ng + 1)).astype(np.intp)


class Level:
    """The bit loop's split, with its working arrays allocated once (fresh arrays cost page
    faults; numpy's ``take`` and scatter are fastest with ``intp`` indices).

    :meth:`count` at bit ``k`` (groups ``lay >> (k + 1)`` contiguous, bounded by ``bounds``)
    sets ``bit`` (the bit of every element) and ``after`` (for a bit-1 element, the bit-0
    elements after it in its group; 0 for bit-0 ones); then :meth:`move` turns ``after``
    into each element's position after the stable split (bit-0 part first in each group)
    and returns the bounds of the next level's groups (``lay >> k``), by group value.
    """

    def __init__(self, n: int) -> None:
        self.pos = np.arange(n, dtype=count_dtype(n))
        self.sel = np.empty(n, dtype=np.intp)  # lay >> k: 2 * group + bit, a table index
        self.bit = np.empty(n, dtype=np.int8)
        self.z = np.zeros(n + 1, dtype=np.intp)
        self.tv = np.empty(n, dtype=np.intp)
        self.after = np.empty(n, dtype=np.intp)
        self.zb = self.z[:1]

    def count(self, lay: np.ndarray, k: int, bounds: np.ndarray) -> None:
        """Set ``bit`` and ``after`` for the split of ``lay`` at bit ``k``."""
        sel, bit, z, tv, after = self.sel, self.bit, self.z, self.tv, self.after
        np.right_shift(lay, k, out=sel)
        np.bitwise_and(sel, 1, out=bit, casting="unsafe")
        np.subtract(1, bit, out=after)
        np.cumsum(after, out=z[1:])  # bit-0 elements before each position
        self.zb = zb = z.take(bounds)
        # per (group, bit): a bit-0 element goes to its group start plus the bit-0 elements
        # before it; a bit-1 element past the bit-0 elements after it (to the group end)
        table = np.empty(2 * (bounds.size - 1), dtype=np.intp)
        table[0::2] = bounds[:-1] - zb[:-1]
        table[1::2] = zb[1:]
        np.take(table, sel, out=tv)
        np.subtract(tv, z[:-1], out=after)
        np.multiply(after, bit, out=after)

    def move(self, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(destination of every element, bounds of the next level's groups); the
        destinations are ``after``'s array, overwritten."""
        tv, dest = self.tv, self.after
        tv += self.z[:-1]
        dest += self.pos
        dest -= tv
        dest *= self.bit
        dest += tv
        zb = self.zb
        nxt = np.empty(2 * bounds.size - 1, dtype=np.intp)
        nxt[0::2] = bounds
        nxt[1::2] = bounds[:-1] + np.diff(zb)
        return dest, nxt

    def after_weight(self, w: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        """Per bit-1 element, the weight ``w`` of the bit-0 elements after it in its group
        (0 for the bit-0 elements); ``bounds`` of the groups just split."""
        cw = np.zeros(w.size + 1, dtype=w.dtype)
        np.multiply(w, self.bit, out=cw[1:])
        np.subtract(w, cw[1:], out=cw[1:])
        np.cumsum(cw[1:], out=cw[1:])
        table = np.zeros(2 * (bounds.size - 1), dtype=w.dtype)
        table[1::2] = cw.take(bounds[1:])
        out = table.take(self.sel)
        out -= cw[1:]
        out *= self.bit
        return out


def sweep(lay_u: np.ndarray, a: np.ndarray | None, b: np.ndarray | None, nbits: int) -> Sweep:
    """The bit loop: "later with a smaller rank" sums of ``a`` (None: unit weights) and ``b``.

    ``lay_u`` are the ranks in the initial layout, sorted by (time key, rank) (the array is
    taken over); ``a`` and ``b`` the weights in that layout. Only the lowest ``nbits`` bits
    of the ranks are split: ranks that differ above them (e.g. the data set of a stacked
    batch, in the high bits) are separate groups whose elements are never compared.
    """
    n = lay_u.size
    it = count_dtype(max(n, int(lay_u.max()) + 1 if n else 0))
    lay_u = lay_u.astype(it, copy=False)
    idx = np.arange(n, dtype=it)
    acc_a = np.zeros(n, dtype=it if a is None else a.dtype)
    acc_b = None if b is None else np.zeros(n, dtype=b.dtype)
    bounds = top_bounds(lay_u, nbits)
    lv = Level(n)
    for k in range(nbits - 1, -1, -1):
        lv.count(lay_u, k, bounds)
        if a is None:
            acc_a += lv.after
        else:
            acc_a += lv.after_weight(a, bounds)
        if b is not None and acc_b is not None:
            acc_b += lv.after_weight(b, bounds)
        dest, bounds = lv.move(bounds)
        lay_u = scatter(lay_u, dest)
        idx = scatter(idx, dest)
        acc_a = scatter(acc_a, dest)
        if a is not None:
            a = scatter(a, dest)
        if b is not None and acc_b is not None:
            b = scatter(b, dest)
            acc_b = scatter(acc_b, dest)
    return Sweep(idx, lay_u, acc_a, acc_b)
