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


def _counting_stratum(
    start: np.ndarray, stop: np.ndarray, event: np.ndarray, lp: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Counts (concordant, discordant, tied risk, tied time) and per-row influence (n, 3)."""
    n = stop.size
    infl = np.zeros((n, 3))
    counts = np.zeros(4)
    ev = event == 1
    for t in np.unique(stop[ev]):
        at_risk = (start < t) & (stop >= t)
        dead = at_risk & ev & (stop == t)
        comp = np.flatnonzero(at_risk & ~dead)
        di = np.flatnonzero(dead)
        # events against comparators
        order = np.argsort(lp[comp], kind="stable")
        clp, cw = lp[comp][order], w[comp][order]
        ccum = np.concatenate([[0.0], np.cumsum(cw)])
        lo = np.searchsorted(clp, lp[di], side="left")
        hi = np.searchsorted(clp, lp[di], side="right")
        below, tied, above = ccum[lo], ccum[hi] - ccum[lo], ccum[-1] - ccum[hi]
        infl[di, 0] += below
        infl[di, 1] += above
        infl[di, 2] += tied
        wd = w[di]
        counts[:3] += [wd @ below, wd @ above, wd @ tied]
        # comparators against events
        eorder = np.argsort(lp[di], kind="stable")
        elp, ew = lp[di][eorder], wd[eorder]
        ecum = np.concatenate([[0.0], np.cumsum(ew)])
        lo = np.searchsorted(elp, lp[comp], side="left")
        hi = np.searchsorted(elp, lp[comp], side="right")
        infl[comp, 0] += ecum[-1] - ecum[hi]  # events with higher risk: concordant
        infl[comp, 1] += ecum[lo]
        infl[comp, 2] += ecum[hi] - ecum[lo]
        counts[3] += (wd.sum() ** 2 - (wd * wd).sum()) / 2  # pairs of tied event times
    return counts, infl


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
