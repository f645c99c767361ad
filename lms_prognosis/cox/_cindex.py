"""Harrell's C of a Cox fit as R's ``coxph`` reports it, with weights, clusters and (start, stop].

R ``coxph`` calls ``concordancefit(Y, lp, strata, weights, cluster = cluster)``: pairs are
formed within strata, a pair counts ``w_i w_j``, and the infinitesimal-jackknife standard
error sums ``dfbeta_i = w_i ((c_i - d_i) / npair - somer / npair (c_i + d_i + t_i))`` within
clusters before squaring. Right-censored data use the package's one kernel
(``lms_prognosis._concordance``). For counting-process data (R ``concordance4``) an event at
t is compared with the rows at risk at t (start < t <= stop) that are not events at t; that
is computed here, one event time at a time (O(n log n) each).
"""

from __future__ import annotations

import numpy as np

from lms_prognosis._concordance import concordance_core
from lms_prognosis.cox._risksets import Prepared

__all__ = ["cox_concordance"]


def _core(
    time: np.ndarray, event: np.ndarray, lp: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Counts (concordant, discordant, tied risk, tied time) and influence of the kernel."""
    r = concordance_core(time, event, lp, w)
    counts = np.array([r["concordant"], r["discordant"], r["tied_x"], r["tied_y"] + r["tied_xy"]])
    return counts, r.get("influence", np.zeros((time.size, 3)))


def _counting_stratum(
    start: np.ndarray, stop: np.ndarray, event: np.ndarray, lp: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Counts and per-row influence (n, 3) for (start, stop] data, from three right-censored
    passes: pairs (event at t, row with stop >= t) less pairs (event at t, row with
    start >= t), the latter as the pairs of the events with pseudo-rows censored at the start
    times, less the pairs among the events themselves."""
    n = stop.size
    e_idx = np.flatnonzero(event == 1)
    m = e_idx.size
    counts_a, infl = _core(stop, event, lp, w)
    te, lpe, we = stop[e_idx], lp[e_idx], w[e_idx]
    ones = np.ones(m, dtype=np.int64)
    counts_ep, infl_ep = _core(
        np.concatenate([te, start]),
        np.concatenate([ones, np.zeros(n, dtype=np.int64)]),
        np.concatenate([lpe, lp]),
        np.concatenate([we, w]),
    )
    counts_e, infl_e = _core(te, ones, lpe, we)
    infl = infl.copy()
    infl[e_idx] -= infl_ep[:m] - infl_e
    infl -= infl_ep[m:]
    return counts_a - (counts_ep - counts_e), infl


def cox_concordance(
    prep: Prepared, lp: np.ndarray, cluster: np.ndarray | None = None
) -> tuple[float, float, dict[str, int]]:
    """C, its standard error and the pair counts, on the engine's sorted rows.

    ``lp`` is the linear predictor in the sorted order; ``cluster`` integer codes in the
    sorted order (or None).
    """
    n = prep.time.size
    w = np.ones(n) if prep.weights is None else prep.weights
    infl = np.zeros((n, 3))
    counts = np.zeros(4)
    for s in np.unique(prep.stratum):
        rows = np.flatnonzero(prep.stratum == s)
        if prep.start is not None:
            c, inf = _counting_stratum(
                prep.start[rows], prep.time[rows], prep.event[rows].astype(int), lp[rows], w[rows]
            )
        else:
            r = concordance_core(prep.time[rows], prep.event[rows].astype(int), lp[rows], w[rows])
            c = np.array(
                [r["concordant"], r["discordant"], r["tied_x"], r["tied_y"] + r["tied_xy"]]
            )
            inf = r.get("influence", np.zeros((rows.size, 3)))
        counts += c
        infl[rows] = inf
    keys = ("concordant", "discordant", "tied_risk", "tied_time")
    out_counts = {k: int(round(v)) for k, v in zip(keys, counts, strict=True)}
    npair = float(counts[:3].sum())
    if npair <= 0:
        return float("nan"), float("nan"), out_counts
    somer = (counts[0] - counts[1]) / npair
    dfbeta = w * ((infl[:, 0] - infl[:, 1]) / npair - somer / npair * infl.sum(axis=1))
    if cluster is not None:
        dfbeta = np.bincount(cluster, weights=dfbeta)
    return float((somer + 1) / 2), float(np.sqrt(np.sum(dfbeta**2) / 4)), out_counts
