"""Weighted 2-D dominance sums, the counting under every concordance in the package.

For elements with a time key ``p`` and a risk rank ``u`` (dense integers), the concordance
needs, for each element q, the weight of the elements later in time with a smaller risk
(and a few sums that follow from sorted prefix sums). The "later with smaller" sum is counted
bit by bit of the rank, wavelet-tree style: the elements start in (p, u) order, and for every
bit, from the highest, each group of elements sharing the higher bits is stably split into
its bit-0 part and its bit-1 part (one O(n) numpy pass); before the split, every bit-1
element collects the weight of the bit-0 elements lying after it in its group.

Memory and speed: whole-number weights (unit case weights, the 0/1 events of Harrell's C)
travel as 32-bit integers, other weights as float64; the permutation of each level is
applied by scattering each carried array into a fresh one, so at most one extra copy of one
array is alive at a time. At n = 1e6 the sweep holds about 6 arrays of n (int32 and float64)
(benchmarks/bench_concordance.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "Sweep",
    "after_weight",
    "count_dtype",
    "integral",
    "level_counts",
    "runs",
    "scatter",
    "sweep",
]


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


def level_counts(
    lay_u: np.ndarray, k: int, z: np.ndarray, buf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bit ``k`` of every rank, the group bounds and ``z``: the running count of bit-0
    elements (``z[i]`` = those before position i); ``buf`` becomes the group of each element
    plus one (the groups, the higher bits, are contiguous in the layout)."""
    np.right_shift(lay_u, k, out=buf)
    np.bitwise_and(buf, 1, out=buf)
    one = buf.astype(bool)
    np.right_shift(lay_u, k + 1, out=buf)
    np.cumsum(~one, out=z[1:])
    sizes = np.bincount(buf)
    bounds = np.zeros(sizes.size + 1, dtype=z.dtype)
    np.cumsum(sizes, out=bounds[1:])
    buf += 1
    return one, bounds, buf


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
    pos = np.arange(n, dtype=it)
    acc_a = np.zeros(n, dtype=it if a is None else a.dtype)
    acc_b = None if b is None else np.zeros(n, dtype=b.dtype)
    z = np.zeros(n + 1, dtype=it)
    gnext = np.empty(n, dtype=it)
    for k in range(nbits - 1, -1, -1):
        one, bounds, gnext = level_counts(lay_u, k, z, gnext)
        zb = z.take(bounds)
        after = zb.take(gnext)  # bit-0 elements up to my group's end ...
        after -= z[1:]  # ... less those up to me: bit-0 elements after me in my group
        if a is None:
            acc_a += after * one
        else:
            acc_a += after_weight(a, one, bounds, gnext)
        if b is not None and acc_b is not None:
            acc_b += after_weight(b, one, bounds, gnext)
        # stable split: a bit-1 element moves past the bit-0 elements after it; a bit-0
        # element goes to its group start plus the bit-0 elements before it
        gnext -= 1
        base = (bounds - zb).take(gnext)
        base += z[:-1]
        after += pos
        np.copyto(after, base, where=~one)
        del base, one
        lay_u = scatter(lay_u, after)
        idx = scatter(idx, after)
        acc_a = scatter(acc_a, after)
        if a is not None:
            a = scatter(a, after)
        if b is not None and acc_b is not None:
            b = scatter(b, after)
            acc_b = scatter(acc_b, after)
        del after
    return Sweep(idx, lay_u, acc_a, acc_b)


def after_weight(
    w: np.ndarray, one: np.ndarray, bounds: np.ndarray, gnext: np.ndarray
) -> np.ndarray:
    """Per bit-1 element, the weight ``w`` of the bit-0 elements after it in its group (0 for
    the bit-0 elements)."""
    cw = np.zeros(w.size + 1, dtype=w.dtype)
    np.copyto(cw[1:], w, where=~one)
    np.cumsum(cw[1:], out=cw[1:])
    out = cw.take(bounds).take(gnext)
    out -= cw[1:]
    out *= one
    return out
