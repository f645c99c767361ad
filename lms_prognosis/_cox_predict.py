"""Per-patient survival after a Cox fit, as R ``survfit.coxph`` + ``summary(, times=)``.

The baseline cumulative hazard is R's ``agsurv``: for an Efron fit the Efron-corrected
(Fleming-Harrington type) increment ``sum_k 1 / (S0 - k/d D0)`` at a time with d tied events
(``stype = 2, ctype = 2``), for a Breslow fit ``d / S0``. Its variance for a new covariate
vector ``z`` is ``exp(2 lp) * (sum varhaz + d' V d)`` with ``d = H0(t) z - sum xbar dH0``:
the second term is the variance of beta carried into the curve (R's ``d' V d``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from lms_prognosis._cox_engine import Prepared, _rev_block_cumsum, _risk_sums

CONF_TYPES = ("log", "log-log", "plain")


@dataclass
class Baseline:
    """Baseline cumulative hazard at every distinct time, per stratum (centred covariates)."""

    time: np.ndarray  # (G,) block times (descending within stratum)
    stratum: np.ndarray  # (G,) stratum code of each block
    cumhaz: np.ndarray  # (G,) H0 at the block time, for a patient at the covariate means
    cumvar: np.ndarray  # (G,) cumulative sum of the hazard variance increments
    xbar: np.ndarray  # (G, p) cumulative sum of xbar * dH0


def baseline(prep: Prepared, beta: np.ndarray) -> Baseline:
    """R ``agsurv`` (survtype = vartype = 3 for Efron, 2 for Breslow), vectorised."""
    x = prep.x
    p = x.shape[1]
    eta = x @ beta if p else np.zeros(x.shape[0])
    w = np.exp(eta)
    wx = x * w[:, None]
    nblock = prep.block_end.shape[0]
    haz = np.zeros(nblock)
    var = np.zeros(nblock)
    xb = np.zeros((nblock, p))
    if prep.death_rows.size:
        s0 = _risk_sums(np.cumsum(w), prep)[prep.eblock]
        s1 = _risk_sums(np.cumsum(wx, axis=0), prep)[prep.eblock]
        starts = prep.eblock_start
        d0 = np.add.reduceat(w[prep.death_rows], starts)
        d1 = np.add.reduceat(wx[prep.death_rows], starts, axis=0)
        kb = prep.k_block
        f = prep.k_frac
        inv = 1.0 / (s0[kb] - f * d0[kb])
        inv2 = inv * inv
        haz[prep.eblock] = np.add.reduceat(inv, starts)
        var[prep.eblock] = np.add.reduceat(inv2, starts)
        c = np.add.reduceat(inv2, starts)
        e = np.add.reduceat(f * inv2, starts)
        xb[prep.eblock] = s1 * c[:, None] - d1 * e[:, None]
    cumhaz = _rev_block_cumsum(haz, prep)
    cumvar = _rev_block_cumsum(var, prep)
    xbar = np.column_stack([_rev_block_cumsum(xb[:, j], prep) for j in range(p)]) if p \
        else np.zeros((nblock, 0))
    bt = prep.time[prep.block_end]
    bs = prep.stratum[prep.block_end]
    return Baseline(time=bt, stratum=bs, cumhaz=cumhaz, cumvar=cumvar, xbar=xbar)


def confint(surv: np.ndarray, se_log: np.ndarray, conf_type: str, conf_level: float
            ) -> tuple[np.ndarray, np.ndarray]:
    """R ``survfit_confint`` (``logse = TRUE``, upper limit capped at 1 for log and plain)."""
    z = stats.norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            se2 = se_log * surv * z
            return np.maximum(surv - se2, 0.0), np.minimum(surv + se2, 1.0)
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            se2 = z * se_log
            return np.exp(np.log(xx) - se2), np.minimum(np.exp(np.log(xx) + se2), 1.0)
        if conf_type == "log-log":
            xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
            se2 = z * se_log / np.log(xx)
            lower = np.exp(-np.exp(np.log(-np.log(xx)) - se2))
            upper = np.exp(-np.exp(np.log(-np.log(xx)) + se2))
            return lower, upper
    raise ValueError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")


def predict_survival(base: Baseline, z: np.ndarray, lp: np.ndarray, strata: np.ndarray,
                     times: np.ndarray, var_beta: np.ndarray, conf_type: str,
                     conf_level: float, index: pd.Index) -> pd.DataFrame:
    """Survival for each row of ``z`` (centred design) at ``times``; long output.

    ``strata`` holds each row's stratum code (all 0 when the fit is not stratified). A time
    before the first observed time gives surv 1 with standard error 0; a time after the last
    observed time of the stratum gives NaN (R's ``summary(..., times=)`` drops such times).
    """
    nrow = z.shape[0]
    nt = times.size
    cumhaz = np.full((nrow, nt), np.nan)
    var = np.full((nrow, nt), np.nan)
    before = np.zeros((nrow, nt), dtype=bool)
    risk = np.exp(lp)
    for s in np.unique(strata):
        rows = np.flatnonzero(strata == s)
        blocks = np.flatnonzero(base.stratum == s)
        if blocks.size == 0:
            continue
        # blocks are in descending time: reverse to ascending for searchsorted
        asc = blocks[::-1]
        bt = base.time[asc]
        pos = np.searchsorted(bt, times, side="right") - 1
        inside = times <= bt[-1]
        h0 = np.where(pos >= 0, base.cumhaz[asc][np.maximum(pos, 0)], 0.0)
        v0 = np.where(pos >= 0, base.cumvar[asc][np.maximum(pos, 0)], 0.0)
        xb = np.where((pos >= 0)[:, None], base.xbar[asc][np.maximum(pos, 0)], 0.0)
        for r in rows:
            dvec = h0[:, None] * z[r][None, :] - xb
            quad = np.einsum("ij,jk,ik->i", dvec, var_beta, dvec)
            ch = h0 * risk[r]
            vv = (v0 + quad) * risk[r] ** 2
            cumhaz[r] = np.where(inside, ch, np.nan)
            var[r] = np.where(inside, vv, np.nan)
            before[r] = pos < 0
    surv = np.exp(-cumhaz)
    se_log = np.sqrt(var)
    lower, upper = confint(surv, se_log, conf_type, conf_level)
    # before the first time of the curve R reports the starting values: 1 (1, 1)
    lower = np.where(before, 1.0, lower)
    upper = np.where(before, 1.0, upper)
    return pd.DataFrame({
        "patient": np.repeat(np.asarray(index), nt),
        "time": np.tile(times, nrow),
        "surv": surv.ravel(),
        "std_err": (se_log * surv).ravel(),
        "lower": lower.ravel(),
        "upper": upper.ravel(),
        "cumhaz": cumhaz.ravel(),
    })


def concordance(time: np.ndarray, event: np.ndarray, lp: np.ndarray,
                stratum: np.ndarray) -> tuple[float, dict[str, int]]:
    """Harrell's C of the linear predictor with R ``concordance()`` tie rules, within strata.

    A pair is comparable when the shorter time is an event and the times differ, or the
    times are equal and only the shorter-lived... (R: an event time tied with a censoring
    time is comparable, the censored subject having survived longer); pairs with equal
    event times are not comparable. Tied linear predictors count 1/2. Larger lp = shorter
    survival. Computed in O(n log n) per stratum with a Fenwick tree over the ranks of lp,
    visiting the distinct event times from the longest down.
    """
    conc = disc = tied = 0.0
    tied_time = 0.0
    for s in np.unique(stratum):
        m = stratum == s
        c, d, t, tt = _concordance_one(time[m], event[m].astype(bool), lp[m])
        conc += c
        disc += d
        tied += t
        tied_time += tt
    total = conc + disc + tied
    c_index = (conc + tied / 2) / total if total > 0 else float("nan")
    return c_index, {"concordant": int(conc), "discordant": int(disc),
                     "tied_risk": int(tied), "tied_time": int(tied_time)}


def _concordance_one(time: np.ndarray, event: np.ndarray, lp: np.ndarray
                     ) -> tuple[float, float, float, float]:
    ranks = np.unique(lp, return_inverse=True)[1] + 1  # 1..m
    m = int(ranks.max()) if ranks.size else 0
    tree = np.zeros(m + 1)
    order = np.argsort(-time, kind="stable")
    t = time[order]
    ev = event[order]
    r = ranks[order]
    starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
    ends = np.r_[starts[1:], t.size]
    n_in = 0
    conc = disc = tied = tied_time = 0.0

    def add(idx: np.ndarray) -> None:
        idx = idx.copy()
        while idx.size:
            np.add.at(tree, idx, 1.0)
            idx = idx + (idx & -idx)
            idx = idx[idx <= m]

    def prefix(idx: np.ndarray) -> np.ndarray:
        out = np.zeros(idx.size)
        idx = idx.copy()
        while True:
            live = idx > 0
            if not live.any():
                return out
            out[live] += tree[idx[live]]
            idx[live] = idx[live] - (idx[live] & -idx[live])

    for a, b in zip(starts, ends, strict=True):
        evs = ev[a:b]
        # censored at this time are at risk (longer survival) for the events at this time
        cens_r = r[a:b][~evs]
        if cens_r.size:
            add(cens_r)
            n_in += cens_r.size
        if evs.any():
            er = r[a:b][evs]
            below = prefix(er - 1)  # lp smaller than the event's: concordant
            upto = prefix(er)
            conc += below.sum()
            tied += (upto - below).sum()
            disc += (n_in - upto).sum()
            ne = er.size
            tied_time += ne * (ne - 1) / 2
            add(er)
            n_in += ne
    return conc, disc, tied, tied_time
