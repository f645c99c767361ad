"""Harrell's C of many risk scores on the same rows, in one counting pass (the bootstrap's).

Bootstrap validation counts C on the original rows once per replicate for the test sample
(the replicate's model applied to every row) and once for the training sample (the rows
drawn, as case counts: exactly the C of the expanded sample, since copies of a row are never
a comparable pair). The rows, their time keys and events are the same every time; only the
risk (and the counts) change. So the roles of the usual count are swapped: each score's rows
are put in risk order (one stable ``argsort`` of all scores at once, ties kept in time
order), and the bit sweep of :func:`lms_prognosis._dominance.sweep` splits the bits of the
**time key**, with the score's number in the high bits so no pair across scores is counted.
No per-score sort by (time, risk) is needed, and the tied-risk and later-time totals come
from prefix sums.

R ``concordance()`` rules, as :func:`lms_prognosis._concordance.harrell_c`: a pair is
comparable when the earlier time is an event (a censoring tied with an event time counts as
later; two events at one time are not comparable), a pair tied on the risk counts 1/2.
"""

from __future__ import annotations

import numpy as np

from lms_prognosis._dominance import (
    after_weight,
    count_dtype,
    integral,
    level_counts,
    runs,
    scatter,
)

__all__ = ["harrell_c_rows"]


def harrell_c_rows(
    keys: np.ndarray, event: np.ndarray, risk: np.ndarray, counts: np.ndarray | None = None
) -> np.ndarray:
    """Harrell's C of every row of ``risk`` (shape (m, n)) on the same n rows.

    Parameters
    ----------
    keys : ndarray of int, shape (n,)
        Time keys (``lms_prognosis._concordance.time_keys``: time, censored after events).
    event : ndarray, shape (n,)
        1 = event.
    risk : ndarray, shape (m, n)
        One risk score per row of the matrix (larger = shorter survival).
    counts : ndarray of int, shape (m, n), optional
        Case counts per score (a bootstrap's ``bincount``); None: every row once.

    Returns
    -------
    ndarray, shape (m,)
        C per score (NaN without a comparable pair).

    Examples
    --------
    >>> keys = np.array([0, 2, 3, 4]); ev = np.array([1, 1, 0, 1])
    >>> harrell_c_rows(keys, ev, np.array([[4.0, 3.0, 2.0, 1.0], [1.0, 2.0, 3.0, 4.0]])).tolist()
    [1.0, 0.0]
    """
    risk = np.atleast_2d(np.asarray(risk, dtype=float))
    m, n = risk.shape
    keys = np.asarray(keys, dtype=np.int64)
    if np.any(keys[1:] > keys[:-1]):  # the rows in time order, latest first
        perm = np.argsort(-keys, kind="stable")
        keys, event, risk = keys[perm], np.asarray(event)[perm], risk[:, perm]
        counts = None if counts is None else counts[:, perm]
    if n == 0:
        return np.full(m, np.nan)
    ev = np.asarray(event) == 1
    # later in time = before in this order; its starts: everything later than my time key
    starts, _ = runs([keys], n)
    new_key = np.ones(n, dtype=bool)
    new_key[1:] = keys[1:] != keys[:-1]
    flip = np.cumsum(new_key) - 1  # dense, 0 = the latest key
    # risk descending, ties in time order (latest first): stable sort of -risk
    order = np.argsort(-risk, axis=1, kind="stable")
    r_s = np.take_along_axis(risk, order, axis=1)
    f_s = flip[order]
    ev_s = ev[order]
    a_s = None if counts is None else np.take_along_axis(np.asarray(counts), order, axis=1)
    tie = _tied_risk(r_s, f_s, ev_s, a_s)
    conc = _concordant(*_split_layout(r_s, f_s, ev_s, a_s, flip))
    total = _later_total(ev, starts, counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (conc + tie / 2.0) / total, np.nan)


def _split_layout(
    r_s: np.ndarray,
    f_s: np.ndarray,
    ev_s: np.ndarray,
    a_s: np.ndarray | None,
    flip: np.ndarray,
) -> tuple[np.ndarray, np.ndarray | None, int, np.ndarray]:
    """The layout of the concordant count, packed (score, value, event), whichever splits
    fewer bits: the rows in risk order splitting the (flipped) time keys, or the rows in time
    order splitting the dense risk ranks (few distinct risks: few bits)."""
    m, n = r_s.shape
    new = np.ones((m, n), dtype=bool)
    new[:, 1:] = r_s[:, 1:] != r_s[:, :-1]
    rank = np.cumsum(new, axis=1)  # dense, 1 = the highest risk
    nu = int(rank[:, -1].max())
    nbu = max(1, (nu - 1).bit_length())
    nbk = max(1, int(flip[-1]).bit_length())
    if nbu < nbk:
        # time ascending, ties by risk ascending: stable sort (radix for small keys) of the
        # time ranks taken in risk-ascending order
        kr = int(flip[-1]) - f_s[:, ::-1]
        kt = np.int16 if flip[-1] < 2**15 else np.int64
        o2 = np.argsort(kr.astype(kt), axis=1, kind="stable")
        value = np.take_along_axis(nu - rank[:, ::-1], o2, axis=1)
        ev_l = np.take_along_axis(ev_s[:, ::-1], o2, axis=1)
        a_l = None if a_s is None else np.take_along_axis(a_s[:, ::-1], o2, axis=1)
        nb = nbu
    else:
        value, ev_l, a_l, nb = f_s, ev_s, a_s, nbk
    it = count_dtype(m << (nb + 2))
    lay = value.astype(it) << 1
    lay |= ev_l
    lay |= (np.arange(m, dtype=it) << (nb + 1))[:, None]
    lay = lay.ravel()
    a = None
    if a_l is not None:
        a = a_l.ravel()
        keep = a > 0  # rows not drawn take no part
        lay, a = lay[keep], integral(a[keep], int(keep.sum()))
    bounds = np.searchsorted(lay >> (nb + 1), np.arange(m + 1))
    return lay, a, nb, bounds


def _tied_risk(
    r_s: np.ndarray, f_s: np.ndarray, ev_s: np.ndarray, a_s: np.ndarray | None
) -> np.ndarray:
    """Per score: events times the weight of later-time rows with the same risk. In the risk
    layout a run of equal risk is in time order (latest first), so those rows lie between
    the run's start and the start of my time key within it."""
    m, n = r_s.shape
    row = np.repeat(np.arange(m), n)
    r, f, ev = r_s.ravel(), f_s.ravel(), ev_s.ravel()
    a = None if a_s is None else a_s.ravel()
    if a is not None:
        keep = a > 0
        row, r, f, ev, a = row[keep], r[keep], f[keep], ev[keep], a[keep]
    k = row.size
    rs, _ = runs([row, r], k)
    ks, _ = runs([row, r, f], k)
    cum = np.arange(k + 1) if a is None else np.concatenate([[0], np.cumsum(a)])
    w = ev if a is None else ev * a
    return np.bincount(row, weights=w * (cum[ks] - cum[rs]), minlength=m)


def _concordant(lay: np.ndarray, a: np.ndarray | None, nb: int, bounds: np.ndarray) -> np.ndarray:
    """Per score: sum over events i of ``a_i`` times the weight ``a`` of the rows after i in
    the risk layout (smaller risk) with a smaller flipped key (a later time).

    The bit loop of :func:`lms_prognosis._dominance.sweep` on the flipped keys (bits 1 to
    ``nb`` of ``lay``; bit 0 is the event), summing as it goes: only ``lay`` (and ``a``) are
    permuted, and a score's rows stay in its own block ``bounds[s]:bounds[s + 1]``.
    """
    n = lay.size
    it = count_dtype(max(n, 2))
    z = np.zeros(n + 1, dtype=it)
    buf = np.empty(n, dtype=np.int64)
    pos = np.arange(n, dtype=it)
    out = np.zeros(bounds.size - 1)
    cum = np.zeros(n + 1)
    for k in range(nb, 0, -1):
        one, gb, buf = level_counts(lay, k, z, buf)
        zb = z.take(gb)
        after = zb.take(buf)
        after -= z[1:]
        if a is None:
            contrib = after * (one & (lay & 1).astype(bool))
        else:
            contrib = after_weight(a, one, gb, buf) * (lay & 1) * a
        np.cumsum(contrib, out=cum[1:])
        out += np.diff(cum[bounds])
        buf -= 1
        base = (gb - zb).take(buf)
        base += z[:-1]
        after += pos
        np.copyto(after, base, where=~one)
        lay = scatter(lay, after)
        if a is not None:
            a = scatter(a, after)
    return out


def _later_total(ev: np.ndarray, starts: np.ndarray, counts: np.ndarray | None) -> np.ndarray:
    """Per score: sum over events of the weight of the rows with a later time key (the rows
    before the start of its key, rows in time order latest first), times its own weight."""
    if counts is None:
        return np.full(1, float(starts[ev].sum()))
    c = np.asarray(counts, dtype=np.int64)
    cum = np.zeros((c.shape[0], c.shape[1] + 1), dtype=np.int64)
    np.cumsum(c, axis=1, out=cum[:, 1:])
    evc = c[:, ev]
    return np.asarray((evc * cum[:, starts[ev]]).sum(axis=1), dtype=float)
