"""The Breslow/Efron baseline hazard and per-patient survival after a Cox fit.

The one baseline-hazard implementation of the package: :func:`baseline` (on a prepared fit),
:func:`baseline_hazard` (for a fixed linear predictor given as an offset, e.g. recalibrating
a published model) and :func:`predict_survival` (R ``survfit.coxph`` + ``summary(, times=)``).

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

from lms_prognosis._survfit import conf_int  # one survfit_confint for KM and Cox
from lms_prognosis.cox.engine import Prepared, efron_event_sums, prepare, rev_block_cumsum
from lms_prognosis.exceptions import CoxError

__all__ = ["Baseline", "baseline", "BaselineHazard", "baseline_hazard", "predict_survival"]


@dataclass
class Baseline:
    """Baseline cumulative hazard at every distinct time, per stratum (centred covariates)."""

    time: np.ndarray  # (G,) block times (descending within stratum)
    stratum: np.ndarray  # (G,) stratum code of each block
    cumhaz: np.ndarray  # (G,) H0 at the block time, for a patient at the covariate means
    cumvar: np.ndarray  # (G,) cumulative sum of the hazard variance increments
    xbar: np.ndarray  # (G, p) cumulative sum of xbar * dH0


def baseline(prep: Prepared, beta: np.ndarray, variance: bool = True) -> Baseline:
    """R ``agsurv`` (survtype = vartype = 3 for Efron, 2 for Breslow), vectorised.

    The cumulative hazard is that of a patient with centred covariates 0 and offset 0 (the
    offset of ``prep``, if any, enters the risk sets). ``variance=False``: the cumulative
    hazard alone (``cumvar`` and ``xbar`` NaN), e.g. a bootstrap's predicted survival,
    without the (n, p) weighted covariates and their risk-set sums.

    Examples
    --------
    >>> prep = prepare(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1, 1, 1, 0]),
    ...                np.zeros((4, 0)), efron=False)
    >>> base = baseline(prep, np.zeros(0))
    >>> base.time.tolist(), base.cumhaz.round(4).tolist()  # descending time: d / n at risk
    ([3.0, 2.0, 1.0], [0.9167, 0.9167, 0.25])
    """
    x = prep.x
    p = x.shape[1]
    eta = x @ beta if p else np.zeros(x.shape[0])
    if prep.offset is not None:
        eta = eta + prep.offset
    w = np.exp(eta)
    if prep.weights is not None:  # R agsurv: weighted risk sets, events by their weights
        w = w * prep.weights
    nblock = prep.block_end.shape[0]
    bt = prep.time[prep.block_end]
    bs = prep.stratum[prep.block_end]
    if not variance:
        haz = np.zeros(nblock)
        if prep.death_rows.size:
            inv = efron_event_sums(w, np.zeros((w.size, 0)), prep)[4]  # no covariate sums
            if prep.step_wt is not None:
                inv = prep.step_wt * inv
            haz[prep.eblock] = np.add.reduceat(inv, prep.eblock_start)
        nan = np.full(nblock, np.nan)
        return Baseline(bt, bs, rev_block_cumsum(haz, prep), nan, np.full((nblock, p), np.nan))
    wx = x * w[:, None]
    haz = np.zeros(nblock)
    var = np.zeros(nblock)
    xb = np.zeros((nblock, p))
    if prep.death_rows.size:
        _, s1, _, d1, inv = efron_event_sums(w, wx, prep)
        starts = prep.eblock_start
        f = prep.k_frac
        inv2 = inv * inv
        if prep.step_wt is not None:  # each Efron step counts the mean event weight
            inv, inv2 = prep.step_wt * inv, prep.step_wt * inv2
        haz[prep.eblock] = np.add.reduceat(inv, starts)
        var[prep.eblock] = np.add.reduceat(inv2, starts)
        c = np.add.reduceat(inv2, starts)
        e = np.add.reduceat(f * inv2, starts)
        xb[prep.eblock] = s1 * c[:, None] - d1 * e[:, None]
    cumhaz = rev_block_cumsum(haz, prep)
    cumvar = rev_block_cumsum(var, prep)
    xbar = (
        np.column_stack([rev_block_cumsum(xb[:, j], prep) for j in range(p)])
        if p
        else np.zeros((nblock, 0))
    )
    return Baseline(time=bt, stratum=bs, cumhaz=cumhaz, cumvar=cumvar, xbar=xbar)


@dataclass(frozen=True, eq=False)
class BaselineHazard:
    """Baseline cumulative hazard of :func:`baseline_hazard`, ascending time per stratum.

    Attributes
    ----------
    time : ndarray
        Distinct times (events and censorings), ascending within each stratum.
    cumhaz : ndarray
        H0(t) for a patient whose linear predictor is 0.
    var : ndarray
        Cumulative sum of the hazard-increment variances (R ``agsurv``'s ``varhaz``).
    stratum : ndarray of int
        Stratum code of each row (all 0 without strata).
    """

    time: np.ndarray
    cumhaz: np.ndarray
    var: np.ndarray
    stratum: np.ndarray

    @property
    def table(self) -> pd.DataFrame:
        """stratum, time, cumhaz, surv (exp(-cumhaz))."""
        return pd.DataFrame(
            {
                "stratum": self.stratum,
                "time": self.time,
                "cumhaz": self.cumhaz,
                "surv": np.exp(-self.cumhaz),
            }
        )

    def at(self, times: np.ndarray | list[float] | float, stratum: int = 0) -> np.ndarray:
        """H0 at ``times`` in one stratum: 0 before the first time, NaN after the last one.

        Examples
        --------
        >>> h = baseline_hazard(np.array([1.0, 2.0, 3.0]), np.array([1, 1, 0]))
        >>> h.at([0.5, 2.5, 4.0]).round(3).tolist()
        [0.0, 0.833, nan]
        """
        t = np.atleast_1d(np.asarray(times, dtype=float))
        rows = self.stratum == stratum
        bt, bh = self.time[rows], self.cumhaz[rows]
        pos = np.searchsorted(bt, t, side="right") - 1
        out = np.where(pos >= 0, bh[np.maximum(pos, 0)], 0.0)
        return np.where(t > (bt[-1] if bt.size else -np.inf), np.nan, out)


def baseline_hazard(
    time: np.ndarray,
    event: np.ndarray,
    lp: np.ndarray | None = None,
    *,
    ties: str = "breslow",
    stratum: np.ndarray | None = None,
) -> BaselineHazard:
    """Baseline cumulative hazard for a fixed linear predictor (Breslow or Efron).

    The hazard of a patient with linear predictor 0 when every patient's risk is
    ``exp(lp)``: the linear predictor is an offset, not re-estimated. This recalibrates a
    published model's baseline to a local cohort.

    Parameters
    ----------
    time, event : ndarray
        Follow-up and event code (1 = event, other codes censored), already checked by
        ``lms_prognosis._survdata.survival_data`` (near-ties merged).
    lp : ndarray, optional
        Fixed linear predictor per patient (default 0: the Nelson-Aalen / Fleming-Harrington
        estimate).
    ties : {"breslow", "efron"}
        Breslow's increments ``d / sum exp(lp)``, or Efron's ``sum_k 1 / (S0 - k/d D0)``.
    stratum : ndarray of int, optional
        Stratum code per patient: one baseline per stratum.

    Returns
    -------
    BaselineHazard

    Notes
    -----
    As R ``survfit(coxph(Surv(time, event) ~ offset(lp), ties = ties), newdata =
    data.frame(lp = 0))$cumhaz`` (``ctype`` 1 for Breslow, 2 for Efron), pinned by
    ``tests/reference/cox_kernels.R``.

    Examples
    --------
    >>> h = baseline_hazard(np.array([1.0, 2.0, 2.0, 4.0]), np.array([1, 1, 1, 0]),
    ...                     np.array([0.5, 0.0, -0.5, 0.2]))
    >>> h.time.tolist(), h.cumhaz.round(4).tolist()
    ([1.0, 2.0, 4.0], [0.2234, 0.9306, 0.9306])
    """
    if ties not in ("breslow", "efron"):
        raise CoxError(f"ties must be 'breslow' or 'efron', got {ties!r}")
    time = np.asarray(time, dtype=float)
    n = time.shape[0]
    off = None if lp is None else np.asarray(lp, dtype=float)
    prep = prepare(
        time,
        np.asarray(event),
        np.zeros((n, 0)),
        None if stratum is None else np.asarray(stratum, dtype=np.int64),
        ties == "efron",
        offset=off,
    )
    base = baseline(prep, np.zeros(0))
    asc = np.lexsort((base.time, base.stratum))
    return BaselineHazard(
        time=base.time[asc],
        cumhaz=base.cumhaz[asc],
        var=base.cumvar[asc],
        stratum=base.stratum[asc],
    )


def predict_survival(
    base: Baseline,
    z: np.ndarray,
    lp: np.ndarray,
    strata: np.ndarray,
    times: np.ndarray,
    var_beta: np.ndarray,
    conf_type: str,
    conf_level: float,
    index: pd.Index,
) -> pd.DataFrame:
    """Survival for each row of ``z`` (centred design) at ``times``; long output.

    ``strata`` holds each row's stratum code (all 0 when the fit is not stratified). A time
    before the first observed time gives surv 1 with standard error 0; a time after the last
    observed time of the stratum gives NaN (R's ``summary(..., times=)`` drops such times).

    Examples
    --------
    >>> prep = prepare(np.array([1.0, 2.0, 3.0]), np.array([1, 1, 0]), np.zeros((3, 0)),
    ...                efron=False)
    >>> base = baseline(prep, np.zeros(0))
    >>> out = predict_survival(base, np.zeros((1, 0)), np.zeros(1), np.zeros(1, dtype=int),
    ...                        np.array([1.5, 9.0]), np.zeros((0, 0)), "log", 0.95,
    ...                        pd.Index(["A"]))
    >>> out[["patient", "time", "surv"]].round(4)
      patient  time    surv
    0       A   1.5  0.7165
    1       A   9.0     NaN
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
        # d' V d with d = H0(t) z - xbar(t), for all rows and times at once
        zr = z[rows]
        zv = zr @ var_beta
        zvz = np.einsum("ij,ij->i", zv, zr)
        xvx = np.einsum("ij,jk,ik->i", xb, var_beta, xb)
        quad = (h0 * h0)[None, :] * zvz[:, None] - 2 * h0[None, :] * (zv @ xb.T) + xvx[None, :]
        np.maximum(quad, 0.0, out=quad)  # a quadratic form in V: >= 0 up to rounding
        rr = risk[rows][:, None]
        cumhaz[rows] = np.where(inside, h0[None, :] * rr, np.nan)
        var[rows] = np.where(inside, (v0[None, :] + quad) * rr * rr, np.nan)
        before[rows] = pos < 0
    surv = np.exp(-cumhaz)
    se_log = np.sqrt(var)
    lower, upper = conf_int(surv, se_log, conf_type, conf_level)
    # before the first time of the curve R reports the starting values: 1 (1, 1)
    lower = np.where(before, 1.0, lower)
    upper = np.where(before, 1.0, upper)
    return pd.DataFrame(
        {
            "patient": np.repeat(np.asarray(index), nt),
            "time": np.tile(times, nrow),
            "surv": surv.ravel(),
            "std_err": (se_log * surv).ravel(),
            "lower": lower.ravel(),
            "upper": upper.ravel(),
            "cumhaz": cumhaz.ravel(),
        }
    )
