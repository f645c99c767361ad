"""Harrell's and Uno's concordance index with R ``survival::concordance()`` conventions.

The counting (O(n log n)) and the infinitesimal-jackknife variance are the package's one
concordance kernel, :mod:`lms_prognosis._concordance`, which ``CoxResult.concordance`` also
uses; the input goes through the one survival check, so near-tied times are merged (R's
``timefix``) here exactly as in ``fit_cox``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._concordance import TIMEWTS, concordance_core, stratified_concordance
from lms_prognosis._distributions import norm_ppf
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import as_frame
from lms_prognosis.evaluate._competing import check_cause
from lms_prognosis.evaluate._inputs import (
    checked,
    cif_matrix,
    is_model,
    model_columns,
    model_predictions,
    values_of,
)
from lms_prognosis.exceptions import LMSPrognosisError

__all__ = ["ConcordanceResult", "concordance"]


@dataclass(repr=False)
class ConcordanceResult(Result):
    """Concordance index with its standard error and pair counts.

    Attributes
    ----------
    c : float
        The concordance (Harrell's C, or Uno's C for ``method="uno"``).
    se : float
        Infinitesimal-jackknife standard error (R ``sqrt(concordance()$var)``).
    counts : dict
        Weighted pair counts: ``concordant``, ``discordant``, ``tied_risk`` (R ``tied.x``),
        ``tied_time`` (R ``tied.y``: events at the same time, not comparable) and
        ``tied_both`` (R ``tied.xy``).
    method, timewt, tau, conf_level
        What was computed.
    n, n_events : int
        Rows analysed and their events.
    dropped : DataFrame
        Rows left out (row, column, value, reason): a missing time, event, risk or covariate.
    """

    c: float
    se: float
    counts: dict[str, float]
    method: str
    timewt: str
    tau: float | None
    n: int
    n_events: int
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    conf_level: float = 0.95
    _title: ClassVar[str] = "Concordance"

    @property
    def dxy(self) -> float:
        """Somers' Dxy = 2 C - 1."""
        return 2.0 * self.c - 1.0

    @property
    def ci(self) -> tuple[float, float]:
        """Wald interval ``c -/+ z se`` (truncated to [0, 1])."""
        z = norm_ppf(0.5 + self.conf_level / 2)
        return max(0.0, self.c - z * self.se), min(1.0, self.c + z * self.se)

    @property
    def table(self) -> pd.DataFrame:
        """One row: method, timewt, tau, c, se, lower, upper, n, n_events and the counts."""
        lo, hi = self.ci
        row: dict[str, Any] = {
            "method": self.method,
            "timewt": self.timewt,
            "tau": self.tau,
            "c": self.c,
            "se": self.se,
            "lower": lo,
            "upper": hi,
            "n": self.n,
            "n_events": self.n_events,
        }
        row.update(self.counts)
        return pd.DataFrame([row])


def _weights(frame: pd.DataFrame, weights: Any) -> tuple[pd.DataFrame, str | None]:
    """Case weights as a column name for the survival check (an array becomes a column of
    a shallow copy: the caller's frame is not changed)."""
    if weights is None or isinstance(weights, str):
        return frame, weights
    name = "weights"
    while name in frame.columns:
        name = f"_{name}"
    out = frame.copy(deep=False)
    out[name] = np.asarray(weights, dtype=float)
    return out, name


def concordance(
    df: pd.DataFrame | Any,
    risk: str | Sequence[float] | np.ndarray | Any,
    time: str = "time",
    event: str = "event",
    method: str = "harrell",
    tau: float | None = None,
    timewt: str | None = None,
    weights: str | Sequence[float] | None = None,
    conf_level: float = 0.95,
    strata: str | Sequence[str] | None = None,
    cause: int | None = None,
) -> ConcordanceResult:
    """Harrell's or Uno's concordance index with R ``concordance()`` conventions.

    Parameters
    ----------
    df : DataFrame or Cohort
        One row per patient (a ``Cohort`` is read through its ``.data``).
    risk : str, array-like or model
        Column name or values of the risk score: **larger risk = shorter survival** (e.g. a
        Cox linear predictor); or a model (CoxResult, PublishedModel): its linear predictor.
    time, event : str
        Column names; ``event`` 0 censored, 1 event, 2 competing event (counted as censored).
    method : {"harrell", "uno"}
        ``"harrell"`` uses ``timewt="n"``; ``"uno"`` uses ``timewt="n/G2"`` (Uno et al. 2011).
    tau : float, optional
        Truncation time: events after ``tau`` get weight 0 (R ``ymax``). Recommended for Uno.
    timewt : {"n", "S", "S/G", "n/G2", "I"}, optional
        Overrides the time weight implied by ``method`` (R ``timewt``).
    weights : str or array-like, optional
        Case weights (R ``weights``).
    conf_level : float
        Level of the Wald interval in ``.table``.
    strata : str or list of str, optional
        Column(s) whose levels form strata (e.g. ``"centre"``): pairs are formed only within a
        stratum, as R ``concordance(Surv(time, event) ~ risk + strata(centre))``. Rows with a
        missing stratum are left out.
    cause : {1, 2}, optional
        Competing risks: the time-dependent C of Wolbers et al. for this cause. A patient with
        a competing event (an event code other than 0 and ``cause``) can never have ``cause``
        and so stays comparable with every later and earlier ``cause`` event (their time is
        set beyond the last follow-up, censored); ``tau`` truncates at the horizon. Pass the
        predicted cumulative incidence at ``tau`` as ``risk``, or a model with
        ``predict_cif(newdata, times)`` (then ``tau`` is required). Only ``method="harrell"``.

    Returns
    -------
    ConcordanceResult
        ``.c``, ``.se``, ``.counts``, ``.n``, ``.dropped`` and ``.table``.

    Raises
    ------
    SurvivalDataError
        R's 1/2 status, text or undeclared event codes, negative times (the one survival
        check, as every entry point).
    LMSPrognosisError
        Unknown method/timewt, lengths that differ, or no comparable pair.

    Notes
    -----
    R ``survival`` 3.5.3 ``concordance(Surv(time, event) ~ risk, reverse = TRUE, timewt=,
    ymax=)``: a pair is comparable when the shorter time is an event; a patient censored at the
    same time as an event counts as still at risk (comparable); two events at the same time are
    not comparable (``tied_time``); a comparable pair tied on the risk counts 1/2. The standard
    error is R's infinitesimal jackknife (``sqrt(var)``), not the older Cox-variance ``cvar``.
    Times equal up to rounding error are one time (R's ``timefix``), so the C of a Cox fit's
    linear predictor equals ``CoxResult.concordance``. Rows with a missing time, event or risk
    (or a covariate the model needs) are left out and listed in ``.dropped``. Computation is
    O(n log n) vectorised numpy (benchmarks/bench_concordance.py).

    With ``strata`` each stratum is counted with its own time weights, the counts are summed
    and the IJ variance uses every subject's influence against the pooled totals (R
    ``concordancefit``; tests/reference/concordance_strata.R). With ``cause`` the estimate is
    Wolbers et al. (2009)'s C for competing risks, C = P(M_i > M_j | T_i <= tau, D_i = cause,
    and T_i < T_j or D_j is a competing event), which equals R
    ``concordance(Surv(ifelse(event == 2, max(time) + 1, time), event == 1) ~ risk, ymax =
    tau, reverse = TRUE)`` (tests/reference/competing_evaluate.R). It does not weight for
    censoring (the IPCW version of Wolbers et al. 2014, R ``pec::cindex(cause=)``, is not
    implemented), so it depends somewhat on the censoring distribution.

    References
    ----------
    Harrell FE et al. Evaluating the yield of medical tests. JAMA 1982;247:2543-6.
    Uno H et al. On the C-statistics for evaluating overall adequacy of risk prediction
    procedures with censored survival data. Stat Med 2011;30:1105-17.
    Therneau T, Atkinson E. The concordance statistic. survival package vignette, 2023.
    Wolbers M, Koller MT, Witteman JC, Steyerberg EW. Prognostic models with competing risks:
    methods and application to coronary risk prediction. Epidemiology 2009;20:555-61.
    Wolbers M, Blanche P, Koller MT, Witteman JC, Gerds TA. Concordance for prognostic models
    with competing risks. Biostatistics 2014;15:526-39.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"time": [1, 2, 2, 3, 4], "event": [1, 1, 0, 1, 0],
    ...                   "risk": [5, 3, 3, 3, 1]})
    >>> res = concordance(d, "risk")
    >>> round(res.c, 4), res.counts["concordant"], res.counts["tied_risk"]
    (0.875, 6.0, 2.0)
    >>> d["centre"] = ["a", "a", "b", "b", "b"]
    >>> concordance(d, "risk", strata="centre").counts["concordant"]
    2.0
    """
    tw = _timewt(method, timewt, cause)
    frame = as_frame(df)
    covs = model_columns(risk, frame)
    if cause is not None and hasattr(risk, "predict_cif"):
        if tau is None:
            raise LMSPrognosisError(
                "with a competing-risk model and cause=, give tau=: the C compares the "
                "predicted cumulative incidences at that horizon"
            )
        r = cif_matrix(df, risk, np.array([float(tau)]), cause)[:, 0]
    elif is_model(risk):
        r = model_predictions(risk, df, None)["lp"].to_numpy(float)
    else:
        r = values_of(frame, risk, "risk")
    frame, wcol = _weights(frame, weights)
    sd, vals = checked(
        frame, time, event, {"risk": r}, covariates=covs, weights=wcol, strata=strata
    )
    t, ev = sd.time, sd.event
    if cause is not None:
        t, ev = _wolbers(t, ev, cause)
    if strata is None:
        res = concordance_core(
            t, ev, vals["risk"], weights=sd.weights, timewt=tw, ymax=tau, influence=False
        )
    else:
        res = stratified_concordance(
            t, ev, vals["risk"], _stratum(sd.frame, strata), sd.weights, tw, tau
        )
    if not res["npair"] > 0:
        raise LMSPrognosisError(
            "no comparable pair: concordance needs at least one event "
            "followed by a later time (after truncation at tau, if "
            "given)" + (" within a stratum" if strata is not None else "")
        )
    counts = {
        "concordant": res["concordant"],
        "discordant": res["discordant"],
        "tied_risk": res["tied_x"],
        "tied_time": res["tied_y"],
        "tied_both": res["tied_xy"],
    }
    return ConcordanceResult(
        c=float(res["c"]),
        se=float(np.sqrt(res["var"])),
        counts=counts,
        method=method if cause is None else f"wolbers (cause {cause})",
        timewt=tw,
        tau=tau,
        n=sd.n,
        n_events=int(np.count_nonzero(ev == 1)),
        dropped=sd.dropped,
        conf_level=conf_level,
    )


def _timewt(method: str, timewt: str | None, cause: int | None) -> str:
    """The time weight of ``method`` (or ``timewt``), refusing what is not defined."""
    if method not in ("harrell", "uno"):
        raise LMSPrognosisError(f"method must be 'harrell' or 'uno', not {method!r}")
    tw = timewt or ("n" if method == "harrell" else "n/G2")
    if tw not in TIMEWTS:
        raise LMSPrognosisError(f"timewt must be one of {TIMEWTS}, not {tw!r}")
    if cause is not None:
        check_cause(None, cause)
        if tw != "n":
            raise LMSPrognosisError(
                "with cause= only method='harrell' (timewt='n') is available: Wolbers' C "
                "for competing risks; pass tau= to truncate at the horizon"
            )
    return tw


def _wolbers(time: np.ndarray, event: np.ndarray, cause: int) -> tuple[np.ndarray, np.ndarray]:
    """Wolbers et al. (2009): competing events stay at risk beyond the last time (censored);
    ``cause`` events become the events (code 1)."""
    check_cause(event, cause)
    comp = (event != 0) & (event != cause)
    t = np.where(comp, float(time.max()) + 1.0, time)
    return t, (event == cause).astype(np.int64)


def _stratum(frame: pd.DataFrame, strata: str | Sequence[str]) -> np.ndarray:
    """One integer code per row for the combination of the ``strata`` columns."""
    cols = [strata] if isinstance(strata, str) else list(strata)
    return frame.groupby(cols, sort=True, observed=True, dropna=False).ngroup().to_numpy()
