"""Concordance (Harrell's and Uno's C) with R ``survival::concordance()`` conventions.

Private engine behind :func:`lms_prognosis.evaluate.concordance`. The counting is
O(n log m) and fully vectorised with numpy: instead of R's balanced binary tree walked one
observation at a time, the risk ranks (or the time keys, whichever have fewer distinct values
m) are split bit by bit (a wavelet-tree style stable partition, one O(n) numpy pass per bit,
:mod:`lms_prognosis._dominance`), and at every level each observation collects the weight of
the "smaller-risk" sibling block that lies after it in time order. Whole-number weights (unit
case weights, Harrell's 0/1 events) are counted as integers, and the variance is summed from
two per-subject arrays, so the C with its standard error at n = 1e6 holds about 90 MiB
(benchmarks/bench_concordance.py).

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

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._dominance import count_dtype, integral, pair_sums, prefix_sums, runs, sweep
from lms_prognosis._survfit import product_limit, time_codes
from lms_prognosis.exceptions import SurvivalDataError

TIMEWTS = ("n", "S", "S/G", "n/G2", "I")


def risk_ranks(risk: np.ndarray, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """Dense ranks of ``risk`` (0 = the smallest; ``np.unique(risk, return_inverse=True)``'s
    codes) and the permutation that sorts it, both as ``dtype``, from one sort.

    Examples
    --------
    >>> risk = np.array([0.5, -1.0, 0.5, 2.0])
    >>> u, by_u = risk_ranks(risk, np.int32)
    >>> u.tolist(), risk[by_u].tolist()
    ([1, 0, 1, 2], [-1.0, 0.5, 0.5, 2.0])
    """
    risk = np.asarray(risk, dtype=float)
    by_u = np.argsort(risk).astype(dtype)
    ranks = np.zeros(risk.size, dtype=dtype)
    if risk.size > 1:
        srt = risk.take(by_u)
        np.not_equal(srt[1:], srt[:-1], out=ranks[1:])
        del srt
        np.cumsum(ranks, out=ranks)
    u = np.empty_like(ranks)
    u[by_u] = ranks
    return u, by_u


def time_weights(
    time: np.ndarray,
    event: np.ndarray,
    w: np.ndarray,
    timewt: str,
    ymax: float | None,
    codes: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Unique event times and R's time weight at each (``fastkm1`` + ``concordancefit``);
    ``codes``: ``lms_prognosis._survfit.time_codes(time)``, if known.

    S(t-) and G(t-) come from the one product-limit kernel (``product_limit`` and its
    ``.censoring()``, i.e. ``reverse=True``: deaths at t leave the risk set before the
    censorings at t, as ``fastkm1``).
    """
    tidx, utime = time_codes(time) if codes is None else codes
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
    influence: bool = True,
) -> dict:
    """Counts, concordance and IJ variance; ``risk`` larger = shorter survival.

    Returns a dict with ``concordant``, ``discordant``, ``tied_x``, ``tied_y``, ``tied_xy``,
    ``c``, ``var`` (None when ``std_err`` is False), ``npair`` and, with ``std_err`` and
    ``influence``, ``influence``: each subject's (concordant, discordant, tied) influence,
    shape (n, 3), unweighted.
    """
    n = len(time)
    it = count_dtype(2 * n + 2)
    w = None if weights is None else np.asarray(weights, dtype=float)
    ev = np.asarray(event) == 1
    tidx, utime = time_codes(time)
    tw = None
    if timewt != "n" or ymax is not None:
        ones = np.ones(n) if w is None else w
        tw = time_weights(time, ev.astype(np.int64), ones, timewt, ymax, (tidx, utime))[1]
    # event weight times its time weight (the 0/1 events themselves when both are 1)
    evw = ev if w is None and tw is None else ev * (1.0 if w is None else w)
    if tw is not None:
        evw *= tw
    u, by_u = risk_ranks(risk, it)
    tied_y = _tied_event_times(tidx, ev, w, tw)
    p = tidx.astype(it)
    del tidx, utime
    p *= 2
    p += ~ev  # censored at t sorts after events at t
    s = pair_sums(u, p, w, evw if std_err else None, by_u)
    del by_u
    tied_xy = _tied_event_pairs(s["orig"], u, p, ev, w, tw)
    del u, p
    # the event weights in the sums' layout
    b_f = (s["b"] if std_err else evw.take(s["orig"])).astype(float)
    del evw
    conc, tied_x = float(b_f @ s["a_lt_hi"]), float(b_f @ s["a_eq_hi"])
    disc = float(b_f @ s["a_hi"]) - conc - tied_x
    del b_f
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
        orig = s["orig"]
        ev_tw = ev.take(orig).astype(float)
        if tw is not None:
            ev_tw *= tw.take(orig)
        wf = None if w is None else w.take(orig)
        if influence:
            infl = _influence(s, ev_tw)
            full = np.empty((n, 3))
            for j in range(3):
                full[orig, j] = infl[j]
            out["influence"] = full  # per subject, unweighted
            del infl
        out["var"] = _ij_variance(s, ev_tw, wf, npair, somer)
    return out


def _ij_variance(
    s: dict[str, Any], ev_tw: np.ndarray, w: np.ndarray | None, npair: float, somer: float
) -> float:
    """R's infinitesimal-jackknife variance ``sum(dfbeta^2) / 4`` with ``dfbeta = w ((conc -
    disc) / npair - somer / npair (conc + disc + tied))``, from two sums per subject:
    conc - disc = ev_tw (2 a_lt + a_eq - a_hi) + b_lo - 2 b_lt - b_eq and conc + disc +
    tied = ev_tw a_hi + b_lo (the counts of :func:`_influence`, summed)."""
    diff = s["a_lt_hi"].astype(float)
    diff *= 2.0
    diff += s["a_eq_hi"]
    diff -= s["a_hi"]
    diff *= ev_tw
    diff += s["b_lo"]
    diff -= s["b_eq_lo"]
    diff -= 2.0 * s["b_lt_lo"]
    tot = s["a_hi"] * ev_tw
    tot += s["b_lo"]
    tot *= somer
    diff -= tot
    del tot
    diff /= npair
    if w is not None:
        diff *= w
    return float(diff @ diff / 4.0)


def _influence(s: dict[str, Any], ev_tw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each subject's (concordant, discordant, tied) influence, in the layout of ``s``: as
    the earlier member of a pair (an event: ``ev_tw`` times its counts) and as the later
    one (the event weights of the earlier events, ``b_*``)."""
    a_lt, a_eq = s["a_lt_hi"], s["a_eq_hi"]
    b_lt = s["b_lt_lo"].astype(float)
    b_eq = s["b_eq_lo"].astype(float)
    i_conc = s["b_lo"] - b_lt - b_eq  # b_gt
    i_conc += ev_tw * a_lt
    i_disc = (s["a_hi"] - a_lt - a_eq) * ev_tw  # a_gt
    i_disc += b_lt
    i_tie = b_eq
    i_tie += ev_tw * a_eq
    return i_conc, i_disc, i_tie


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


def _tied_event_times(
    tidx: np.ndarray, ev: np.ndarray, w: np.ndarray | None, tw: np.ndarray | None
) -> float:
    """Weighted pairs of events at the same time (R tied.y, tied.xy included); ``w``, ``tw``
    None: ones."""
    t = tidx[ev]
    return _pairs_within(t, None if w is None else w[ev], None if tw is None else tw[ev])


def _tied_event_pairs(
    orig: np.ndarray,
    u: np.ndarray,
    p: np.ndarray,
    ev: np.ndarray,
    w: np.ndarray | None,
    tw: np.ndarray | None,
) -> float:
    """Weighted pairs of events at the same time and tied on risk (R tied.xy), from the
    sums' layout ``orig`` (sorted by rank ``u``, then key ``p``): the events of one (u, p)
    are contiguous in it, so no further sort is needed; ``w``, ``tw`` None: ones."""
    rows = orig[ev.take(orig)]  # the events, in the layout
    if rows.size < 2:
        return 0.0
    uf, pf = u.take(rows), p.take(rows)
    new = np.empty(rows.size, dtype=bool)  # a new (u, p) run: dense group codes, in order
    new[0] = True
    np.not_equal(uf[1:], uf[:-1], out=new[1:])
    new[1:] |= pf[1:] != pf[:-1]
    del uf, pf
    group = np.cumsum(new) - 1
    return _pairs_within(
        group, None if w is None else w.take(rows), None if tw is None else tw.take(rows)
    )


def _pairs_within(group: np.ndarray, w: np.ndarray | None, tw: np.ndarray | None) -> float:
    """Sum over groups of tw (W^2 - sum w^2) / 2: the weighted pairs of members of one group
    (``group``: a non-negative code per member; ``w`` weights, ``tw`` the time weight, the
    same for every member of a group; None: ones)."""
    if group.size < 2:
        return 0.0
    ww = np.ones(group.size) if w is None else w
    k1 = np.bincount(group, weights=ww)
    k2 = np.bincount(group, weights=ww**2)
    wt = np.zeros(k1.size)
    wt[group] = 1.0 if tw is None else tw
    return float(np.sum(wt * (k1**2 - k2) / 2.0))


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
    tidx = time_codes(time)[0]
    return 2 * tidx.astype(np.int64) + (1 - (np.asarray(event) == 1))


def harrell_c(keys: np.ndarray, event: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's C only (unit weights, timewt "n", no variance): the bootstrap's fast path.

    ``keys`` from :func:`time_keys` (a bootstrap sample may index them: ``keys[idx]``).
    """
    return float(harrell_c_batch([(keys, event, risk)])[0])


def harrell_c_batch(items: Sequence[tuple[np.ndarray, ...]]) -> np.ndarray:
    """Harrell's C of several data sets ``(keys, event, risk[, counts])`` in one counting pass.

    ``counts`` (optional) are case counts, e.g. the bootstrap's ``bincount(idx)`` over the
    original rows: a comparable pair (i, j) then counts ``counts_i * counts_j`` times, which
    is exactly the C of the expanded sample (the copies of a row share its time, status and
    risk, so they never form a comparable pair). The data sets are stacked, the data set in
    the high bits of the risk rank, and one sweep (:func:`lms_prognosis._dominance.sweep`)
    splits only the low bits, so no pair across data sets is ever counted; one pass over
    many bootstrap samples costs far fewer numpy calls than one pass per sample.
    """
    sizes = np.array([len(t[0]) for t in items], dtype=np.int64)
    nd, n = len(items), int(sizes.sum())
    ds = np.repeat(np.arange(nd, dtype=np.int64), sizes)
    keys = np.concatenate([np.asarray(t[0], dtype=np.int64) for t in items])
    risk = np.concatenate([np.asarray(t[2], dtype=float) for t in items])
    ev = np.concatenate([np.asarray(t[1]) == 1 for t in items])
    weighted = any(len(t) > 3 for t in items)
    w = (
        np.concatenate([np.asarray(t[3]) if len(t) > 3 else np.ones(len(t[0])) for t in items])
        if weighted
        else None
    )
    if w is not None:  # rows not drawn take no part
        keep = w > 0
        ds, keys, risk, ev, w = ds[keep], keys[keep], risk[keep], ev[keep], w[keep]
        n = int(ds.size)
    if n == 0:
        return np.full(nd, np.nan)
    # dense risk rank within each data set, the data set in the high bits
    order = np.lexsort((risk, ds))
    new = np.ones(n, dtype=bool)
    new[1:] = (risk[order][1:] != risk[order][:-1]) | (ds[order][1:] != ds[order][:-1])
    g = np.cumsum(new) - 1
    first = np.ones(n, dtype=bool)
    first[1:] = ds[order][1:] != ds[order][:-1]
    u_loc = np.empty(n, dtype=np.int64)
    u_loc[order] = g - np.maximum.accumulate(np.where(first, g, 0))
    nb = max(1, int(u_loc.max()).bit_length())
    u = (ds << nb) | u_loc
    p = ds * (int(keys.max()) + 1) + keys
    a = None if w is None else integral(w, n)
    return _batch_c(u, p, ds, ev, a, nb, nd)


def _batch_c(
    u: np.ndarray,
    p: np.ndarray,
    ds: np.ndarray,
    ev: np.ndarray,
    a: np.ndarray | None,
    nb: int,
    nd: int,
) -> np.ndarray:
    """C per data set from the stacked ranks ``u`` and keys ``p`` (data set outermost)."""
    n = u.size
    order0 = np.argsort(p * (int(u.max()) + 1) + u)
    a0 = None if a is None else a[order0]
    sw = sweep(u[order0], a0, None, nb)
    idx = sw.idx
    ev_w = ev[order0] if a0 is None else ev[order0] * a0
    evw_f = ev_w[idx].astype(float)
    ds_f = ds[order0][idx]
    conc = np.bincount(ds_f, weights=evw_f * sw.a_later_lt, minlength=nd)
    # tied risk, later time: the rest of the (u) run after the (u, p) run, final layout
    _, ue = runs([sw.u], n)
    _, re = runs([sw.u, p[order0][idx]], n)
    acum = np.arange(n + 1) if a0 is None else prefix_sums(a0[idx])
    tie = np.bincount(ds_f, weights=evw_f * (acum[ue] - acum[re]), minlength=nd)
    # all later times in the data set, initial layout
    _, pe = runs([p[order0]], n)
    _, de = runs([ds[order0]], n)
    acum = np.arange(n + 1) if a0 is None else prefix_sums(a0)
    total = np.bincount(ds[order0], weights=ev_w * (acum[de] - acum[pe]), minlength=nd)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (conc + tie / 2.0) / total, np.nan)
