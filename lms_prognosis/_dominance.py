"""Weighted 2-D dominance sums, the counting under every concordance in the package.

For elements with a time key ``p`` and a risk rank ``u`` (dense integers), the concordance
needs, for each element q, the weight of the elements later in time with a smaller risk
(and a few sums that follow from sorted prefix sums). The "later with smaller" sum is counted
bit by bit of the rank, wavelet-tree style: the elements start in (p, u) order, and for every
bit, from the highest, each group of elements sharing the higher bits is stably split into
its bit-0 part and its bit-1 part (one O(n) numpy pass); before the split, every bit-1
element collects the weight of the bit-0 elements lying after it in its group.
:func:`pair_sums` runs the sweep on whichever of ``u`` and ``p`` has fewer bits (the
count is symmetric: "later in p with a smaller u" is "later in (max u - u) with a smaller
(max p - p)") and adds the sums that need only prefix sums in the (p, u) and (u, p) orders.

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

__all__ = [
    "Level",
    "Sweep",
    "count_dtype",
    "dominance_sums",
    "integral",
    "pair_sums",
    "prefix_sums",
    "runs",
    "scatter",
    "sweep",
    "top_bounds",
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
    # 0/1 weights b travel in the lowest bit of the layout, below the split bits: one
    # carried array fewer (a scatter a level), read back with one bitwise and
    packed = b is not None and b.dtype.kind in "iu" and (n == 0 or 0 <= b.min() <= b.max() <= 1)
    shift = 1 if packed else 0
    it = count_dtype(max(n, (int(lay_u.max()) + 1 if n else 0) << shift))
    lay_u = lay_u.astype(it, copy=False)
    if packed and b is not None:
        lay_u = lay_u << 1
        lay_u |= b
        b = np.empty(n, dtype=b.dtype)
    idx = np.arange(n, dtype=it)
    acc_a = np.zeros(n, dtype=it if a is None else a.dtype)
    acc_b = None if b is None else np.zeros(n, dtype=b.dtype)
    bounds = top_bounds(lay_u, nbits + shift)
    lv = Level(n)
    for k in range(nbits - 1 + shift, shift - 1, -1):
        lv.count(lay_u, k, bounds)
        if a is None:
            acc_a += lv.after
        else:
            acc_a += lv.after_weight(a, bounds)
        if b is not None and acc_b is not None:
            if packed:
                np.bitwise_and(lay_u, 1, out=b)
            acc_b += lv.after_weight(b, bounds)
        dest, bounds = lv.move(bounds)
        lay_u = scatter(lay_u, dest)
        idx = scatter(idx, dest)
        acc_a = scatter(acc_a, dest)
        if a is not None:
            a = scatter(a, dest)
        if b is not None and acc_b is not None:
            if not packed:
                b = scatter(b, dest)
            acc_b = scatter(acc_b, dest)
    return Sweep(idx, lay_u >> shift, acc_a, acc_b)


def prefix_sums(v: np.ndarray) -> np.ndarray:
    """Prefix sums with a leading 0, in the type of ``v`` (whose sums fit: see ``integral``)."""
    out = np.zeros(len(v) + 1, dtype=v.dtype if v.dtype.kind in "iu" else float)
    np.cumsum(v, out=out[1:])
    return out


def _layout(
    u: np.ndarray,
    p: np.ndarray,
    a: np.ndarray | None,
    b: np.ndarray | None,
    by_u: np.ndarray | None = None,
) -> tuple[np.ndarray, Sweep, np.ndarray | None, np.ndarray | None]:
    """The initial (p, u) order and the sweep's sums, with the weights in that order (whole
    numbers as integers, unit weights as None).

    The sweep costs one O(n) pass per bit of the ranks it splits, and "later in p with a
    smaller u" is the same set as "smaller in (max p - p) and later in (max u - u)". So the
    sweep splits whichever of ``u`` and ``p`` has fewer bits (:func:`_sweep_transposed` when
    it is ``p``: a Cox risk score has about n distinct values, event times in days far
    fewer), and the result is the same Sweep either way.
    """
    n = len(u)
    it = count_dtype(n)
    umax = int(u.max()) + 1 if n else 1
    pmax = int(p.max()) + 1 if n else 1
    ubits, pbits = max(1, (umax - 1).bit_length()), max(1, (pmax - 1).bit_length())
    if pbits < ubits:
        return _sweep_transposed(u, p, a, b, pbits, by_u)
    key = p.astype(np.int64) * umax
    key += u
    order0 = np.argsort(key).astype(it)  # p, then u ascending (equal keys: interchangeable)
    del key
    a0, b0 = _weights(a, order0), _weights(b, order0, keep_ones=True)
    return order0, sweep(u.take(order0).astype(it, copy=False), a0, b0, ubits), a0, b0


def _weights(v: np.ndarray | None, order: np.ndarray, keep_ones: bool = False) -> Any:
    """``v`` in ``order``, whole numbers as integers; unit weights as None unless ``keep_ones``."""
    if v is None:
        return None
    out = integral(v[order], len(order))
    if not keep_ones and out.dtype.kind == "i" and np.all(out == 1):
        return None
    return out


def _sweep_transposed(
    u: np.ndarray,
    p: np.ndarray,
    a: np.ndarray | None,
    b: np.ndarray | None,
    pbits: int,
    by_u: np.ndarray | None = None,
) -> tuple[np.ndarray, Sweep, np.ndarray | None, np.ndarray | None]:
    """:func:`_layout`'s result (initial (p, u) order, Sweep as :func:`sweep` on it, the
    weights in that order) with the bits of ``p`` split.

    The sweep runs on the (u, p)-descending layout with ranks ``max p - p``: its initial
    layout reversed is the (u, p) layout and its final layout reversed is the (p, u) one, so
    its sums are moved into the (u, p) layout and its positions mapped through the reversal.
    ``by_u`` (a permutation sorting ``u``) leaves only the runs of tied ``u`` to sort by
    ``p``: a stable sort of nearly sorted keys (timsort's runs), not a second full sort.
    """
    n = len(u)
    it = count_dtype(n)
    base = np.arange(n) if by_u is None else by_u
    key = u.take(base).astype(np.int64)
    key *= int(p.max()) + 1
    key += p.take(base)
    srt = np.argsort(key) if by_u is None else np.argsort(key, kind="stable")
    desc = base.take(srt)[::-1].astype(it)  # (u, p) descending
    del key, base, srt
    rank = p.take(desc).astype(it)
    np.subtract(int(p.max()), rank, out=rank)
    a_d, b_d = _weights(a, desc), _weights(b, desc, keep_ones=True)
    sw = sweep(rank, a_d, b_d, pbits)  # a_d, b_d are read, not changed
    del rank
    order0 = desc.take(sw.idx)[::-1].copy()  # final layout reversed: p, then u ascending
    a0 = None if a_d is None else a_d.take(sw.idx)[::-1].copy()  # the weights in order0
    b0 = None if b_d is None else b_d.take(sw.idx)[::-1].copy()
    del a_d, b_d
    inv = np.empty(n, dtype=it)  # final-layout position of each initial position
    inv[sw.idx] = np.arange(n, dtype=it)
    back = inv[::-1].copy()  # (u, p) position j -> its final-layout position
    del inv
    a_lt = sw.a_later_lt.take(back)
    b_lt = None if sw.b_later_lt is None else sw.b_later_lt.take(back)
    np.subtract(n - 1, back, out=back)  # (u, p) position -> (p, u) position
    return order0, Sweep(back, u.take(desc[::-1]).astype(it), a_lt, b_lt), a0, b0


def pair_sums(
    u: np.ndarray,
    p: np.ndarray,
    a: np.ndarray | None,
    b: np.ndarray | None,
    by_u: np.ndarray | None = None,
) -> dict[str, Any]:
    """The sums of :func:`dominance_sums`, per element of the final layout (sorted by u,
    then p), as integers when the weights are whole numbers; ``orig`` maps that layout to
    the caller's rows and ``b`` is ``b`` in it. ``a`` None: unit weights; ``by_u``: a
    permutation sorting ``u``, if known (``lms_prognosis._concordance.risk_ranks``).
    (Written to keep few arrays of n alive at a time.)"""
    n = len(u)
    order0, sw, a0, b0 = _layout(u, p, a, b, by_u)
    idx = sw.idx
    p0 = p.take(order0)
    out: dict[str, Any] = {"orig": order0.take(idx), "a_lt_hi": sw.a_later_lt}
    # in the initial (p, u) layout: everything later in p; b before in p, b same p smaller u
    ps, pe = runs([p0], n)
    if a0 is None:  # prefix sums of unit weights are the positions
        pe -= n
        out["a_hi"] = -pe.take(idx)
    else:
        acum = prefix_sums(a0)
        out["a_hi"] = (acum[-1] - acum[pe]).take(idx)
    del pe
    if b0 is not None:
        bcum0 = prefix_sums(b0)
        qs, _ = runs([p0, u.take(order0)], n)
        same = bcum0.take(qs)
        del qs
        b_lo = bcum0.take(ps)
        same -= b_lo
        out["b_lo"] = b_lo.take(idx)
        del b_lo, bcum0
        b_lt = -same.take(idx)
        del same
    del ps, order0
    # in the final (u, p) layout: same u later in p; b smaller u, b same u earlier in p
    p_f = p0.take(idx)
    del p0
    us, ue = runs([sw.u], n)
    rs, re = runs([sw.u, p_f], n)
    del p_f
    if a0 is None:
        ue -= re
        out["a_eq_hi"] = ue
    else:
        acum = prefix_sums(a0.take(idx))
        out["a_eq_hi"] = acum.take(ue) - acum.take(re)
    del ue, re
    if b0 is None:
        return out
    b_f = b0.take(idx)
    out["b"] = b_f
    bcum = prefix_sums(b_f)
    b_lt_all = bcum.take(us)
    out["b_eq_lo"] = bcum.take(rs) - b_lt_all
    del bcum, rs, us
    b_lt += b_lt_all
    b_lt -= sw.b_later_lt
    out["b_lt_lo"] = b_lt
    return out


def dominance_sums(
    u: np.ndarray, p: np.ndarray, a: np.ndarray, b: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Weighted 2-D dominance sums for every element q (strict in both u and p).

    Returns ``a_lt_hi[q] = sum_j a_j [u_j < u_q][p_j > p_q]``, ``a_eq_hi`` (u_j == u_q),
    ``a_hi`` (any u) and, when ``b`` is given, ``b_lt_lo[q] = sum_j b_j [u_j < u_q][p_j < p_q]``,
    ``b_eq_lo`` and ``b_lo``. ``u`` are dense integer ranks (0..m-1), ``p`` integer keys.

    Notes
    -----
    Ties in ``p`` are broken by ``u`` ascending, which makes the strict "later with smaller u"
    sum exact for ``a``; for ``b`` the "earlier" sum is recovered as (all with smaller u) minus
    (later with smaller u) minus (same p, smaller u). The counting is
    :func:`lms_prognosis._dominance.sweep` (one stable split per bit of the largest rank).

    Examples
    --------
    >>> s = dominance_sums(np.array([2, 0, 1]), np.array([0, 1, 2]), np.ones(3))
    >>> s["a_lt_hi"].tolist(), s["a_hi"].tolist()
    ([2.0, 0.0, 0.0], [2.0, 1.0, 0.0])
    """
    s = pair_sums(u, p, a, b)
    orig = s.pop("orig")
    s.pop("b", None)
    out: dict[str, np.ndarray] = {}
    for k, v in s.items():
        full = np.empty(len(u))
        full[orig] = v
        out[k] = full
    return out
