"""Concordance (Harrell's and Uno's C) with R ``survival::concordance()`` conventions.

Private engine behind :func:`lms_prognosis.evaluate.concordance`. The counting is
O(n log n) and fully vectorised with numpy: instead of R's balanced binary tree walked one
observation at a time, the risk ranks are split bit by bit (a wavelet-tree style stable
partition, one O(n) numpy pass per bit), and at every level each observation collects the
weight of the "smaller-risk" sibling block that lies after it (or before it) in time order.

R's rules reproduced here (survival 3.5.3, ``concordancefit`` and C routine ``concordance3``):

* the risk set of an event at time t is everybody with time > t plus everybody *censored* at
  t (a censored time tied with an event time counts as later);
* two events at the same time are not comparable ("tied.y"), whatever their risk;
* a comparable pair tied on the predictor counts 1/2 ("tied.x");
* time weights per event time: ``n`` 1, ``S`` sum(w) S(t-)/n(t), ``S/G`` sum(w) S(t-)/(G(t-) n(t)),
  ``n/G2`` 1/G(t-)^2 (Uno), where S is the Kaplan-Meier curve, G the censoring curve (deaths at
  t leave the risk set before the censorings at t), both left-continuous; with fewer than two
  events R falls back to ``n``; event times above ``ymax`` (our ``tau``) get weight 0;
* variance: the infinitesimal jackknife (R's ``concordance()$var``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._survfit import product_limit
from lms_prognosis.exceptions import SurvivalDataError

TIMEWTS = ("n", "S", "S/G", "n/G2", "I")
SQRT_MAX = 1_500  # up to this many rows the square-root decomposition counts faster
STACK_MAX = 30_000  # stack small data sets into one count up to this many rows in all


def _runs(keys: list[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) index of the run each position belongs to.

    ``keys`` are arrays already sorted so that equal key tuples are contiguous.
    """
    new = np.zeros(n, dtype=bool)
    new[0] = True
    for k in keys:
        new[1:] |= k[1:] != k[:-1]
    pos: np.ndarray = np.arange(n)
    start = np.maximum.accumulate(np.where(new, pos, 0))
    end_flag = np.empty(n, dtype=bool)
    end_flag[:-1] = new[1:]
    end_flag[-1] = True
    end = np.minimum.accumulate(np.where(end_flag, pos + 1, n + 1)[::-1])[::-1]
    return start, end


def _cum(v: np.ndarray) -> np.ndarray:
    out = np.empty(len(v) + 1)
    out[0] = 0.0
    np.cumsum(v, out=out[1:])
    return out


def _bitwise_sweep(
    u_sorted: np.ndarray, order0: np.ndarray, col0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The bit loop of :func:`dominance_sums`: for each element, the weight ``col0`` of the
    elements after it in (p, u) order with a smaller ``u``; returns the sums, the weights, the
    ranks and the original positions in the final (u, p) layout."""
    n = len(u_sorted)
    nbits = int(u_sorted.max()).bit_length() if n else 0
    idx_t: Any = np.int32 if n < 2**31 - 1 else np.int64
    col: np.ndarray = col0
    acc: np.ndarray = np.zeros(n, dtype=col.dtype)
    lay_u: np.ndarray = u_sorted.astype(idx_t)
    lay_orig: np.ndarray = order0.astype(idx_t)
    pos = np.arange(n, dtype=idx_t)
    cw: np.ndarray = np.zeros(n + 1, dtype=col.dtype)
    z: np.ndarray = np.zeros(n + 1, dtype=idx_t)
    tmp: np.ndarray = np.empty(n, dtype=col.dtype)
    inv: np.ndarray = np.empty(n, dtype=idx_t)
    i1: np.ndarray = np.empty(n, dtype=idx_t)
    i2: np.ndarray = np.empty(n, dtype=idx_t)
    grp: np.ndarray = np.empty(n, dtype=idx_t)
    zero: np.ndarray = np.empty(n, dtype=bool)
    for k in range(nbits - 1, -1, -1):
        np.right_shift(lay_u, k, out=grp)
        np.bitwise_and(grp, 1, out=grp)
        one: np.ndarray = grp.astype(bool)
        np.logical_not(one, out=zero)
        # groups (same u >> (k+1)) are contiguous; their bounds from the group sizes
        np.right_shift(lay_u, k + 1, out=grp)
        sizes = np.bincount(grp)
        bounds: np.ndarray = np.zeros(len(sizes) + 1, dtype=idx_t)
        np.cumsum(sizes, out=bounds[1:])
        gs: np.ndarray = bounds.take(grp)
        grp += 1
        ge: np.ndarray = bounds.take(grp)
        # bit-1 elements collect the bit-0 weight after them in their group
        np.multiply(col, zero, out=tmp)
        np.cumsum(tmp, out=cw[1:])
        cw.take(ge, out=tmp)
        tmp -= cw[1:]
        tmp *= one
        acc += tmp
        # stable partition: bit-0 elements to gs + (zeros before), bit-1 after all zeros
        np.cumsum(zero, out=z[1:])
        zgs: np.ndarray = z.take(gs)
        zb: np.ndarray = z[:-1] - zgs
        np.subtract(pos, zb, out=i1)
        z.take(ge, out=i2)
        i2 -= zgs
        i1 += i2
        np.add(gs, zb, out=i2)
        inv[np.where(zero, i2, i1)] = pos
        lay_u = lay_u.take(inv)
        lay_orig = lay_orig.take(inv)
        col = col.take(inv)
        acc = acc.take(inv)
    return acc, col, lay_u, lay_orig


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
    (later with smaller u) minus (same p, smaller u). The loop runs once per bit of the largest
    rank: a stable partition of the layout by that bit (O(n) numpy passes), during which every
    element with the bit set collects the weight of the bit-0 part of its group lying after it.
    """
    n = len(u)
    umax = int(u.max()) + 1 if n else 1
    order0 = np.argsort(p.astype(np.int64) * umax + u, kind="stable")  # p, then u ascending
    # both weight columns travel together as one complex array (one cumsum, one gather)
    col0: np.ndarray = a[order0].astype(float) if b is None else a[order0] + 1j * b[order0]
    acc, col, lay_u, lay_orig = _bitwise_sweep(u[order0], order0, col0)
    accs = [acc] if b is None else [acc.real, acc.imag]
    cols = [col] if b is None else [col.real, col.imag]
    out: dict[str, np.ndarray] = {}
    a_lt_hi = np.empty(n)
    a_lt_hi[lay_orig] = accs[0]
    out["a_lt_hi"] = a_lt_hi
    # the layout is now sorted by (u, p): ties on u, and everything with a smaller u
    p_lay = p[lay_orig]
    us, ue = _runs([lay_u], n)
    rs, re = _runs([lay_u, p_lay], n)
    acum = _cum(cols[0])
    a_eq = np.empty(n)
    a_eq[lay_orig] = acum[ue] - acum[re]
    out["a_eq_hi"] = a_eq
    # totals over p only
    p0 = p[order0]
    ps, pe = _runs([p0], n)
    acum = _cum(a[order0])
    a_hi = np.empty(n)
    a_hi[order0] = acum[-1] - acum[pe]
    out["a_hi"] = a_hi
    if b is not None:
        bcum = _cum(cols[1])
        b_eq = np.empty(n)
        b_eq[lay_orig] = bcum[rs] - bcum[us]
        out["b_eq_lo"] = b_eq
        b_lt_all = np.empty(n)
        b_lt_all[lay_orig] = bcum[us]
        b_later = np.empty(n)
        b_later[lay_orig] = accs[1]
        # same p, smaller u: in the initial (p, u) layout, from the p-run start to the u-run start
        b0 = b[order0]
        bcum0 = _cum(b0)
        qs, _ = _runs([p0, u[order0]], n)
        b_same = np.empty(n)
        b_same[order0] = bcum0[qs] - bcum0[ps]
        out["b_lt_lo"] = b_lt_all - b_later - b_same
        b_lo = np.empty(n)
        b_lo[order0] = bcum0[ps]
        out["b_lo"] = b_lo
    return out


def time_weights(
    time: np.ndarray,
    event: np.ndarray,
    w: np.ndarray,
    timewt: str,
    ymax: float | None,
    unique: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Unique event times and R's time weight at each (``fastkm1`` + ``concordancefit``).

    S(t-) and G(t-) come from the one product-limit kernel (``product_limit`` and its
    ``.censoring()``, i.e. ``reverse=True``: deaths at t leave the risk set before the
    censorings at t, as ``fastkm1``).
    """
    utime, tidx = np.unique(time, return_inverse=True) if unique is None else unique
    nt = len(utime)
    is_event_time = np.bincount(tidx, weights=event.astype(float), minlength=nt) > 0
    if timewt != "n" and event.sum() < 2:
        timewt = "n"
    if timewt == "n":
        wt = np.ones(nt)
    else:
        surv = product_limit(time, event, w, codes=(tidx, utime))  # its times are utime
        nrisk = surv.n_risk
        s_minus = np.concatenate([[1.0], surv.surv[:-1]])
        g_minus = np.concatenate([[1.0], surv.censoring().surv[:-1]])
        total = w.sum()
        with np.errstate(divide="ignore", invalid="ignore"):
            if timewt == "S":
                wt = total * s_minus / nrisk
            elif timewt == "S/G":
                wt = total * s_minus / (g_minus * nrisk)
            elif timewt == "n/G2":
                wt = 1.0 / g_minus**2
            else:  # "I"
                wt = 1.0 / nrisk
        bad = is_event_time & ~np.isfinite(wt)
        if bad.any():
            raise SurvivalDataError(
                "time weights are not finite (the censoring curve reached 0 "
                "before an event time); use timewt='n' or a smaller tau"
            )
    wt = np.where(is_event_time, wt, 0.0)
    if ymax is not None:
        wt = np.where(utime > ymax, 0.0, wt)
    return utime, wt[tidx]


def concordance_core(
    time: np.ndarray,
    event: np.ndarray,
    risk: np.ndarray,
    weights: np.ndarray | None = None,
    timewt: str = "n",
    ymax: float | None = None,
    std_err: bool = True,
) -> dict:
    """Counts, concordance and IJ variance; ``risk`` larger = shorter survival.

    Returns a dict with ``concordant``, ``discordant``, ``tied_x``, ``tied_y``, ``tied_xy``,
    ``c``, ``var`` (None when ``std_err`` is False) and ``npair``.
    """
    n = len(time)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    ev = (np.asarray(event) == 1).astype(np.int64)
    utime, tidx = np.unique(time, return_inverse=True)
    _, tw = time_weights(time, ev, w, timewt, ymax, unique=(utime, tidx))
    p = 2 * tidx.astype(np.int64) + (1 - ev)  # censored at t sorts after events at t
    _, u = np.unique(risk, return_inverse=True)
    u = u.astype(np.int64)
    evw = ev * w * tw  # event weight times its time weight
    s = dominance_sums(u, p, w, evw if std_err else None)
    a_gt = s["a_hi"] - s["a_lt_hi"] - s["a_eq_hi"]
    # for an event: comparators later in time with lower risk are concordant
    conc = float(np.sum(evw * s["a_lt_hi"]))
    disc = float(np.sum(evw * a_gt))
    tied_x = float(np.sum(evw * s["a_eq_hi"]))
    # pairs of events at the same time (tied.y) and same time and risk (tied.xy)
    tied_y, tied_xy = _tied_event_pairs(tidx, u, ev, w, tw)
    npair = conc + disc + tied_x
    out: dict[str, Any] = {
        "concordant": conc,
        "discordant": disc,
        "tied_x": tied_x,
        "tied_y": tied_y - tied_xy,
        "tied_xy": tied_xy,
        "npair": npair,
        "var": None,
        "c": np.nan,
    }
    if npair <= 0:
        return out
    somer = (conc - disc) / npair
    out["c"] = (somer + 1.0) / 2.0
    if std_err:
        b_gt = s["b_lo"] - s["b_lt_lo"] - s["b_eq_lo"]
        ev_tw = ev * tw
        i_conc = ev_tw * s["a_lt_hi"] + b_gt
        i_disc = ev_tw * a_gt + s["b_lt_lo"]
        i_tie = ev_tw * s["a_eq_hi"] + s["b_eq_lo"]
        dfbeta = w * ((i_conc - i_disc) / npair - (somer / npair) * (i_conc + i_disc + i_tie))
        out["var"] = float(np.sum(dfbeta**2) / 4.0)
        out["influence"] = np.column_stack([i_conc, i_disc, i_tie])  # per subject, unweighted
    return out


def stratified_concordance(
    time: np.ndarray,
    event: np.ndarray,
    risk: np.ndarray,
    stratum: np.ndarray,
    weights: np.ndarray | None = None,
    timewt: str = "n",
    ymax: float | None = None,
) -> dict:
    """:func:`concordance_core` with pairs formed within strata (R ``strata()``).

    As R ``concordancefit``: each stratum is counted on its own (its own time weights), the
    counts are summed, and the infinitesimal-jackknife influence of each subject is taken
    against the pooled totals. Returns the same keys as :func:`concordance_core`.
    """
    n = len(time)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    infl = np.zeros((n, 3))
    keys = ("concordant", "discordant", "tied_x", "tied_y", "tied_xy")
    tot = dict.fromkeys(keys, 0.0)
    for s in pd.unique(stratum):
        rows = np.flatnonzero(stratum == s)
        r = concordance_core(time[rows], event[rows], risk[rows], w[rows], timewt, ymax)
        for k in keys:
            tot[k] += r[k]
        if "influence" in r:
            infl[rows] = r["influence"]
    npair = tot["concordant"] + tot["discordant"] + tot["tied_x"]
    out: dict[str, Any] = {**tot, "npair": npair, "var": None, "c": np.nan}
    if npair > 0:
        somer = (tot["concordant"] - tot["discordant"]) / npair
        dfbeta = w * ((infl[:, 0] - infl[:, 1]) / npair - somer / npair * infl.sum(axis=1))
        out["c"] = (somer + 1.0) / 2.0
        out["var"] = float(np.sum(dfbeta**2) / 4.0)
    return out


def stratified_harrell(
    time: np.ndarray, event: np.ndarray, risk: np.ndarray, stratum: np.ndarray
) -> tuple[float, float, dict[str, int]]:
    """Harrell's C, its IJ standard error and integer counts with pairs formed within strata.

    As R ``concordance(fit)`` for a stratified ``coxph`` (:func:`stratified_concordance`).
    """
    r = stratified_concordance(time, event, risk, stratum)
    counts = {
        "concordant": int(round(r["concordant"])),
        "discordant": int(round(r["discordant"])),
        "tied_risk": int(round(r["tied_x"])),
        "tied_time": int(round(r["tied_y"] + r["tied_xy"])),
    }
    if not r["npair"] > 0:
        return float("nan"), float("nan"), counts
    return float(r["c"]), float(np.sqrt(r["var"])), counts


def _tied_event_pairs(
    tidx: np.ndarray, u: np.ndarray, ev: np.ndarray, w: np.ndarray, tw: np.ndarray
) -> tuple[float, float]:
    mask = ev == 1
    if not mask.any():
        return 0.0, 0.0
    t = tidx[mask]
    ww = w[mask]
    wt = tw[mask]
    nt = int(t.max()) + 1
    s1 = np.bincount(t, weights=ww, minlength=nt)
    s2 = np.bincount(t, weights=ww**2, minlength=nt)
    wt_t = np.zeros(nt)
    wt_t[t] = wt
    tied_y = float(np.sum(wt_t * (s1**2 - s2) / 2.0))
    key = t.astype(np.int64) * (int(u.max()) + 1) + u[mask]
    _, kidx = np.unique(key, return_inverse=True)
    k1 = np.bincount(kidx, weights=ww)
    k2 = np.bincount(kidx, weights=ww**2)
    kwt = np.zeros(len(k1))
    kwt[kidx] = wt
    tied_xy = float(np.sum(kwt * (k1**2 - k2) / 2.0))
    return tied_y, tied_xy


class TableResult:
    """Mixin for result dataclasses: ``repr`` and ``_repr_html_`` show the tidy ``.table``."""

    _title = ""
    table: pd.DataFrame  # provided by the dataclass field or property of the subclass

    def __repr__(self) -> str:
        return f"{self._title}\n{self.table.to_string(index=False)}"

    def _repr_html_(self) -> str:
        return f"<p><b>{self._title}</b></p>" + self.table.to_html(index=False)


def time_keys(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    """Integer keys ordering (time, censored after events at the same time) for ``harrell_c``."""
    _, tidx = np.unique(time, return_inverse=True)
    return 2 * tidx.astype(np.int64) + (1 - (np.asarray(event) == 1))


def harrell_c(keys: np.ndarray, event: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's C only (unit weights, timewt "n", no variance): the bootstrap's fast path.

    ``keys`` from :func:`time_keys` (a bootstrap sample may index them: ``keys[idx]``).
    """
    return float(harrell_c_batch([(keys, event, risk)])[0])


def harrell_c_batch(items: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
    """Harrell's C of several data sets ``(keys, event, risk)`` in one counting pass.

    The data sets are stacked with offsets on the time keys and on the risk ranks, so every
    pair across data sets is "later and higher risk" (counted, then removed, as discordant
    for the earlier set's events). One pass over many small bootstrap samples costs far fewer
    numpy calls than one pass per sample (stacking stops at 30,000 rows in all; larger
    batches are counted one data set at a time). Up to 1,500 rows the counting uses a
    square-root decomposition (faster for small n); above, the O(n log n) bit-level sweep of
    :func:`dominance_sums`.
    """
    sizes = np.array([len(k) for k, _, _ in items], dtype=np.int64)
    if len(items) > 1 and sizes.sum() > STACK_MAX:
        return np.array([harrell_c_batch([it])[0] for it in items])
    ds = np.repeat(np.arange(len(items)), sizes)
    keys = np.concatenate([np.asarray(k, dtype=np.int64) for k, _, _ in items])
    keys = keys + ds * (int(keys.max()) + 1)
    risk = np.concatenate([np.asarray(r, dtype=float) for _, _, r in items])
    ev = np.concatenate([(np.asarray(e) == 1) for _, e, _ in items]).astype(float)
    n = keys.size
    order = np.lexsort((risk, ds))
    rs, dss = risk[order], ds[order]
    new = np.ones(n, dtype=bool)
    new[1:] = (rs[1:] != rs[:-1]) | (dss[1:] != dss[:-1])
    u = np.empty(n, dtype=np.int64)
    u[order] = np.cumsum(new) - 1
    if n <= SQRT_MAX:
        lt, eq, total = _elem_counts_sqrt(keys, u)
    else:
        s = dominance_sums(u, keys, np.ones(n))
        lt, eq, total = s["a_lt_hi"], s["a_eq_hi"], s["a_hi"]
    nd = len(items)
    conc = np.bincount(ds, weights=ev * lt, minlength=nd)
    tie = np.bincount(ds, weights=ev * eq, minlength=nd)
    n_after = n - np.cumsum(sizes)
    disc = (
        np.bincount(ds, weights=ev * total, minlength=nd)
        - conc
        - tie
        - np.bincount(ds, weights=ev, minlength=nd) * n_after
    )
    npair = conc + disc + tie
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(npair > 0, (conc + tie / 2.0) / npair, np.nan)


def _elem_counts_sqrt(keys: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per element: later-key elements with smaller u, equal u, and in all (sqrt blocks).

    Positions follow (key, u) ascending, so a later position with the same key never has a
    smaller u; later positions with the same key (not comparable) are removed from the tied
    and total counts with the run lengths.
    """
    n = keys.size
    m = int(u.max()) + 1
    order = np.argsort(keys * m + u, kind="stable")
    k = keys[order]
    uu = u[order]
    s = max(8, int(np.ceil(np.sqrt(n))))
    nb = -(-n // s)
    pad = nb * s - n
    blk = np.arange(n) // s
    # cross-block: elements in blocks strictly after mine, by u
    cnt = np.bincount(blk * m + uu, minlength=nb * m).reshape(nb, m)
    after = np.zeros((nb, m))
    after[:-1] = np.cumsum(cnt[::-1], axis=0)[::-1][1:]
    after_lt = np.cumsum(after, axis=1) - after  # u strictly smaller
    lt = after_lt[blk, uu]
    eq = after[blk, uu]
    total = (n - (blk + 1) * s).clip(min=0).astype(float)
    # within-block: later positions of the same block
    ub = np.concatenate([uu, np.full(pad, m + 1)]).reshape(nb, s)
    later = np.triu(np.ones((s, s), dtype=bool), 1)  # [q, r]: r after q
    real = np.concatenate([np.ones(n, bool), np.zeros(pad, bool)]).reshape(nb, s)
    lt += ((ub[:, None, :] < ub[:, :, None]) & later).sum(axis=2).ravel()[:n]
    eq += ((ub[:, None, :] == ub[:, :, None]) & later).sum(axis=2).ravel()[:n]
    total += (later[None, :, :] & real[:, None, :]).sum(axis=2).ravel()[:n]
    # drop later positions with the same key (same time and status: not comparable)
    eq -= _after_in_run(k * m + uu, n)
    total -= _after_in_run(k, n)
    out = [np.empty(n) for _ in range(3)]
    for o, v in zip(out, (lt, eq, total), strict=True):
        o[order] = v
    return out[0], out[1], out[2]


def _after_in_run(sorted_keys: np.ndarray, n: int) -> np.ndarray:
    """For each position, how many later positions share its key (keys sorted)."""
    _, end = _runs([sorted_keys], n)
    return (end - np.arange(n) - 1).astype(float)
