"""Accuracy at a horizon: calibration, IPCW Brier score, time-dependent AUC, decision curves.

Private engine behind :mod:`lms_prognosis.evaluate.metrics`. Cox fits needed here (the smoothed
calibration curve and the calibration slope) go straight to the package's Newton-Raphson
engine (``_cox_engine``), the same code as ``fit_cox``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from lms_prognosis._concordance import TableResult
from lms_prognosis.cox.baseline import baseline
from lms_prognosis.cox.engine import newton_raphson, prepare

# Hmisc::rcspline.eval default knot quantiles (n >= 100), by number of knots
RCS_KNOT_QUANTILES = {3: (0.10, 0.50, 0.90), 4: (0.05, 0.35, 0.65, 0.95),
                      5: (0.05, 0.275, 0.50, 0.725, 0.95)}


def _frame(df: Any) -> pd.DataFrame:
    if isinstance(df, pd.DataFrame):
        return df
    data = getattr(df, "data", None)
    if isinstance(data, pd.DataFrame):
        return data
    raise TypeError(f"expected a pandas DataFrame or a Cohort, got {type(df).__name__}")


# --------------------------------------------------------------------------- small engines

def cox_fit(time: np.ndarray, event: np.ndarray, x: np.ndarray, efron: bool = True,
            eps: float = 1e-9, prep: Any = None
            ) -> tuple[np.ndarray, np.ndarray, Any, np.ndarray]:
    """Cox fit by the package engine: (beta, var, prepared data, covariate means).

    ``prep``: a ``Prepared`` of the same rows (any x) to reuse its sorting and risk-set blocks.
    """
    means = x.mean(axis=0)
    if prep is not None:
        prep = _with_covariates(prep, x - means, time, event, efron)
    if prep is None:
        prep = prepare(np.asarray(time, float), np.asarray(event), x - means, None, efron)
    nr = newton_raphson(prep, eps=eps)
    return nr.beta, nr.var, prep, means


def _with_covariates(prep: Any, xc: np.ndarray, time: np.ndarray, event: np.ndarray,
                     efron: bool = True) -> Any:
    """An engine ``Prepared`` for the same rows with new (centred) covariates ``xc``, reusing
    the sort order of ``prep`` (``_cox_engine.prepare_sorted``); None if unavailable."""
    from lms_prognosis.cox import engine as _cox_engine

    prepare_sorted = getattr(_cox_engine, "prepare_sorted", None)
    if prepare_sorted is None:
        return None
    xt = np.ascontiguousarray(np.asarray(xc, dtype=float).T[:, prep.order])
    return prepare_sorted(prep.order, np.asarray(time, float), np.asarray(event), xt, None,
                          efron)


def cox_surv_at(prep: Any, beta: np.ndarray, t: float, lp_centred: np.ndarray) -> np.ndarray:
    """exp(-H0(t) exp(lp)) with the engine's baseline (Efron/Breslow as fitted)."""
    base = baseline(prep, beta)
    bt = base.time[::-1]
    bh = base.cumhaz[::-1]
    i = np.searchsorted(bt, t, side="right") - 1
    h0 = bh[i] if i >= 0 else 0.0
    return np.exp(-h0 * np.exp(lp_centred))


def km_at(time: np.ndarray, event: np.ndarray, t: float, conf_level: float = 0.95
          ) -> tuple[float, float, float, float]:
    """Kaplan-Meier S(t), its std error, and R's log-transform CI (Greenwood).

    NaN when ``t`` is beyond the last observed time (R ``summary(survfit, times=)`` drops it),
    unless the curve has already reached 0 (then it stays 0).
    """
    if time.size == 0:
        return (np.nan,) * 4
    ut, inv = np.unique(time, return_inverse=True)
    d = np.bincount(inv, weights=event, minlength=ut.size)
    tot = np.bincount(inv, minlength=ut.size).astype(float)
    n = np.cumsum(tot[::-1])[::-1]
    keep = (ut <= t) & (d > 0)
    d, n = d[keep], n[keep]
    s = float(np.prod(1.0 - d / n))
    if t > time.max() and s > 0:
        return (np.nan,) * 4
    with np.errstate(divide="ignore", invalid="ignore"):
        gw = float(np.sum(d / (n * (n - d))))
        se = s * np.sqrt(gw) if s > 0 else np.nan
    if s == 0 or not np.isfinite(gw):
        return s, se, np.nan, np.nan
    z = stats.norm.ppf(0.5 + conf_level / 2)
    return s, se, s * np.exp(-z * np.sqrt(gw)), min(1.0, s * np.exp(z * np.sqrt(gw)))


def censoring_curve(time: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reverse Kaplan-Meier G (right-continuous; events leave the risk set first), as
    scikit-survival's ``CensoringDistributionEstimator``."""
    ut, inv = np.unique(time, return_inverse=True)
    d = np.bincount(inv, weights=event, minlength=ut.size)
    tot = np.bincount(inv, minlength=ut.size).astype(float)
    c = tot - d
    n = np.cumsum(tot[::-1])[::-1] - d
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(c > 0, 1.0 - c / np.where(n > 0, n, 1.0), 1.0)
    return ut, np.cumprod(step)


def _g_at(ut: np.ndarray, g: np.ndarray, x: np.ndarray) -> np.ndarray:
    i = np.searchsorted(ut, x, side="right") - 1
    return np.where(i >= 0, g[np.clip(i, 0, None)], 1.0)


def ipcw_brier(time: np.ndarray, event: np.ndarray, surv_t: np.ndarray, t: float,
               cens: tuple[np.ndarray, np.ndarray] | None = None) -> float:
    """Graf et al. (1999) IPCW Brier score at ``t`` (scikit-survival's formula).

    Cases (event by t) are weighted by 1/G(T_i), controls (time > t) by 1/G(t); ``cens`` is
    the censoring curve (default: from the same data).
    """
    ut, g = censoring_curve(time, event) if cens is None else cens
    case = (time <= t) & (event == 1)
    ctrl = time > t
    g_y = _g_at(ut, g, time)
    g_t = float(_g_at(ut, g, np.array([t]))[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(case & (g_y > 0), surv_t**2 / np.where(g_y > 0, g_y, 1.0), 0.0)
        b = np.where(ctrl, (1.0 - surv_t) ** 2 / g_t, 0.0) if g_t > 0 else np.zeros_like(a)
    return float(np.mean(a + b))


def rcs_basis(x: np.ndarray, knots: np.ndarray) -> np.ndarray:
    """Restricted cubic spline basis (Harrell's ``rcs``: x plus k-2 cubic terms, norm 2)."""
    k = np.asarray(knots, float)
    kk = k.size
    scale = (k[-1] - k[0]) ** 2
    cols = [x]
    for j in range(kk - 2):
        term = (np.clip(x - k[j], 0, None) ** 3
                - np.clip(x - k[-2], 0, None) ** 3 * (k[-1] - k[j]) / (k[-1] - k[-2])
                + np.clip(x - k[-1], 0, None) ** 3 * (k[-2] - k[j]) / (k[-1] - k[-2]))
        cols.append(term / scale)
    return np.column_stack(cols)


def model_predictions(model: Any, df: Any, time_point: float | None) -> pd.DataFrame:
    """Per-patient ``lp`` (linear predictor) and ``surv`` (S(time_point)) indexed like df.

    ``model``: anything with ``predict_survival(newdata, times)`` (long table with patient,
    time, surv) and ``predict_risk(newdata)`` (linear_predictor) or ``apply``; or an array of
    predicted survival probabilities at ``time_point`` (then lp = log(-log S)).
    """
    frame = _frame(df)
    arg = frame if hasattr(type(model), "hazard_ratios") else df
    out = pd.DataFrame(index=frame.index)
    if isinstance(model, (np.ndarray, list, pd.Series)):
        s = np.asarray(model, dtype=float).ravel()
        if s.shape[0] != len(frame):
            raise ValueError(f"{s.shape[0]} predictions for {len(frame)} rows")
        if np.any((s < 0) | (s > 1)):
            raise ValueError("predicted survival probabilities must lie in [0, 1]")
        out["surv"] = s
        out["lp"] = np.log(-np.log(np.clip(s, 1e-12, 1 - 1e-12)))
        return out
    if time_point is not None:
        if not hasattr(model, "predict_survival"):
            raise TypeError("model needs a predict_survival(newdata, times) method")
        long = model.predict_survival(arg, [float(time_point)])
        long = long[np.isclose(long["time"].to_numpy(float), float(time_point))]
        out["surv"] = long.set_index("patient")["surv"].reindex(frame.index).to_numpy(float)
    if hasattr(model, "predict_risk"):
        lp = model.predict_risk(arg)["linear_predictor"]
    elif hasattr(model, "apply"):
        lp = model.apply(arg)["linear_predictor"]
    else:
        raise TypeError("model needs predict_risk(newdata) or apply(cohort)")
    out["lp"] = pd.Series(lp).reindex(frame.index).to_numpy(float)
    return out


# --------------------------------------------------------------------------- calibration

@dataclass(repr=False)
class CalibrationResult(TableResult):
    """Calibration at a horizon, on the **event-probability** scale (1 - S(t)).

    Attributes
    ----------
    table : DataFrame
        Grouped: group, n, n_events, predicted (mean predicted event probability), observed
        (1 - Kaplan-Meier at t), lower, upper (95% CI of observed, R's log CI on S).
    smooth : DataFrame
        predicted, observed, lower, upper on a grid of predicted values (Austin et al. 2020
        curve; for method "rcs" the pointwise CI of the smoothing Cox model, as R
        ``survfit.coxph``; no interval for method "hazard").
    patients : DataFrame
        Per patient (index of the data): predicted, observed (smoothed), linear_predictor.
    ici, e50, e90, emax : float
        Mean, median, 90th percentile and maximum of |observed - predicted| over patients.
    oe, oe_ci : float, tuple
        Calibration-in-the-large: KM observed event probability / mean predicted.
    slope, slope_se, slope_ci : float
        Calibration slope (Cox of the outcome on the linear predictor; 1 = ideal).
    time_point, n, n_events, n_dropped, method, knots
    """

    table: pd.DataFrame
    smooth: pd.DataFrame
    patients: pd.DataFrame
    ici: float
    e50: float
    e90: float
    emax: float
    oe: float
    oe_ci: tuple[float, float]
    slope: float
    slope_se: float
    slope_ci: tuple[float, float]
    time_point: float
    n: int
    n_events: int
    n_dropped: int
    method: str
    knots: np.ndarray
    _title: str = field(default="Calibration", init=False)

    def __repr__(self) -> str:
        head = (f"Calibration at {self.time_point:g} months (event probability scale), "
                f"n = {self.n}, events = {self.n_events}\n"
                f"O/E {self.oe:.3f} ({self.oe_ci[0]:.3f}-{self.oe_ci[1]:.3f}); slope "
                f"{self.slope:.3f} ({self.slope_ci[0]:.3f}-{self.slope_ci[1]:.3f}); ICI "
                f"{self.ici:.4f}, E50 {self.e50:.4f}, E90 {self.e90:.4f}")
        return f"{head}\n{self.table.to_string(index=False)}"

    @property
    def summary(self) -> pd.DataFrame:
        """One row: time_point, oe, slope, ici, e50, e90, emax, n, n_events."""
        return pd.DataFrame([{"time_point": self.time_point, "oe": self.oe,
                              "slope": self.slope, "ici": self.ici, "e50": self.e50,
                              "e90": self.e90, "emax": self.emax, "n": self.n,
                              "n_events": self.n_events}])


def calibration_core(model: Any, df: Any, time_point: float, groups: int, method: str,
                     knots: int, time: str, event: str, conf_level: float = 0.95
                     ) -> CalibrationResult:
    if method not in ("rcs", "hazard"):
        raise ValueError(f"method must be 'rcs' or 'hazard', not {method!r}")
    if knots not in RCS_KNOT_QUANTILES:
        raise ValueError("knots must be 3, 4 or 5")
    frame = _frame(df)
    pred = model_predictions(model, df, time_point)
    t = pd.to_numeric(frame[time], errors="coerce").to_numpy(float)
    e = pd.to_numeric(frame[event], errors="coerce").to_numpy(float)
    s_pred = pred["surv"].to_numpy(float)
    lp = pred["lp"].to_numpy(float)
    ok = np.isfinite(t) & np.isfinite(e) & np.isfinite(s_pred) & np.isfinite(lp)
    n_dropped = int((~ok).sum())
    t, ev, s_pred, lp = t[ok], (e[ok] == 1).astype(np.int64), s_pred[ok], lp[ok]
    index = frame.index[ok]
    if ev.sum() < 2:
        raise ValueError("calibration needs at least two events")
    if time_point > t.max():
        raise ValueError(f"time_point {time_point:g} is beyond the last follow-up time "
                         f"({t.max():g}): the observed risk there is not estimable")
    p_pred = 1.0 - s_pred
    # grouped: quantile groups of predicted risk
    g = min(int(groups), len(t))
    ranks = pd.Series(p_pred).rank(method="first").to_numpy()
    grp = np.ceil(ranks * g / len(t)).astype(int)
    rows = []
    for k in range(1, g + 1):
        m = grp == k
        s, _, lo, hi = km_at(t[m], ev[m], time_point, conf_level)
        rows.append({"group": k, "n": int(m.sum()), "n_events": int(ev[m].sum()),
                     "predicted": float(p_pred[m].mean()), "observed": 1.0 - s,
                     "lower": 1.0 - hi, "upper": 1.0 - lo})
    table = pd.DataFrame(rows)
    # smoothed (Austin, Harrell & van Klaveren 2020): Cox on rcs(cloglog(predicted risk))
    cll = np.log(-np.log(np.clip(s_pred, 1e-12, 1 - 1e-12)))
    kn = np.quantile(cll, RCS_KNOT_QUANTILES[knots])
    if np.unique(kn).size < kn.size:
        kn = np.unique(kn)
    basis = rcs_basis(cll, kn) if kn.size >= 3 else cll[:, None]
    lo_q, hi_q = np.quantile(p_pred, [0.01, 0.99])
    grid = np.linspace(lo_q, hi_q, 100)
    gcll = np.log(-np.log(np.clip(1.0 - grid, 1e-12, 1 - 1e-12)))
    gb = rcs_basis(gcll, kn) if kn.size >= 3 else gcll[:, None]
    if method == "rcs":
        beta, vbeta, prep, means = cox_fit(t, ev, basis)
        obs = 1.0 - cox_surv_at(prep, beta, time_point, (basis - means) @ beta)
        smooth = _smooth_curve(prep, beta, vbeta, gb - means, grid, time_point, conf_level)
    else:
        hz = _HazardSmoother(t, ev, basis, cll)
        obs = 1.0 - hz.surv(time_point, basis, cll)
        smooth = pd.DataFrame({"predicted": grid,
                               "observed": 1.0 - hz.surv(time_point, gb, gcll)})
    diff = np.abs(obs - p_pred)
    # calibration-in-the-large and slope
    s_all, _, lo_all, hi_all = km_at(t, ev, time_point, conf_level)
    expected = float(p_pred.mean())
    oe = (1.0 - s_all) / expected
    oe_ci = ((1.0 - hi_all) / expected, (1.0 - lo_all) / expected)
    sb, sv, _, _ = cox_fit(t, ev, lp[:, None])
    slope, slope_se = float(sb[0]), float(np.sqrt(sv[0, 0]))
    z = stats.norm.ppf(0.5 + conf_level / 2)
    patients = pd.DataFrame({"predicted": p_pred, "observed": obs, "linear_predictor": lp},
                            index=index)
    return CalibrationResult(
        table=table, smooth=smooth, patients=patients, ici=float(diff.mean()),
        e50=float(np.median(diff)), e90=float(np.quantile(diff, 0.9)), emax=float(diff.max()),
        oe=float(oe), oe_ci=(float(oe_ci[0]), float(oe_ci[1])), slope=slope,
        slope_se=slope_se, slope_ci=(slope - z * slope_se, slope + z * slope_se),
        time_point=float(time_point), n=int(t.size), n_events=int(ev.sum()),
        n_dropped=n_dropped,
        method=(f"rcs ({kn.size} knots) Cox on cloglog(predicted risk)" if method == "rcs"
                else f"piecewise-exponential hazard regression on rcs ({kn.size} knots) of "
                     f"cloglog(predicted risk) with a cloglog x log(time) term"),
        knots=kn)


class _HazardSmoother:
    """Hazard-regression smoother (``method="hazard"``): a Poisson piecewise-exponential model

    log h(t | cll) = a_j (interval j of t) + rcs(cll) + g * cll * log(t_j),

    with intervals cut at quantiles of the event times (at most 12, each with events). The
    cll x log(t) term lets the effect of the prediction change over time (non-proportional
    hazards), as Kooperberg's HARE (R ``polspline::hare``) used by Austin et al. can; unlike
    HARE it is not adaptive (no knot or term selection). Fit by IRLS.
    """

    def __init__(self, t: np.ndarray, ev: np.ndarray, basis: np.ndarray, cll: np.ndarray):
        et = np.sort(t[ev == 1])
        j = int(np.clip(ev.sum() // 10, 2, 12))
        cuts = np.unique(np.quantile(et, np.linspace(0, 1, j + 1)[1:-1]))
        self.edges = np.concatenate([[0.0], cuts, [np.inf]])
        self.mid = np.log(np.maximum(self._midpoints(t.max()), 1e-8))
        self.beta = self._fit(t, ev, basis, cll)

    def _midpoints(self, tmax: float) -> np.ndarray:
        lo, hi = self.edges[:-1], np.minimum(self.edges[1:], tmax)
        return (lo + np.maximum(hi, lo)) / 2.0

    def _exposure(self, t: np.ndarray) -> np.ndarray:
        lo, hi = self.edges[:-1], self.edges[1:]
        return np.clip(np.minimum(t[:, None], hi[None, :]) - lo[None, :], 0.0, None)

    def _design(self, basis: np.ndarray, cll: np.ndarray) -> np.ndarray:
        """(n, J, 1 + p + J) design: interval dummies, rcs(cll), cll * log(t_j)."""
        n, nj = basis.shape[0], self.mid.size
        dummies = np.broadcast_to(np.eye(nj)[None, :, :], (n, nj, nj))
        cov = np.broadcast_to(basis[:, None, :], (n, nj, basis.shape[1]))
        inter = (cll[:, None] * self.mid[None, :])[:, :, None]
        return np.concatenate([dummies, cov, inter], axis=2)

    def _fit(self, t: np.ndarray, ev: np.ndarray, basis: np.ndarray, cll: np.ndarray
             ) -> np.ndarray:
        expo = self._exposure(t)
        nj = self.mid.size
        d = np.zeros_like(expo)
        jj = np.clip(np.searchsorted(self.edges, t, side="left") - 1, 0, nj - 1)
        d[np.arange(t.size), jj] = ev
        keep = expo > 0
        x = self._design(basis, cll)[keep]
        y, off = d[keep], np.log(expo[keep])
        beta = np.zeros(x.shape[1])
        beta[:nj] = np.log(max(ev.sum(), 1) / expo.sum())
        for _ in range(50):
            mu = np.exp(x @ beta + off)
            info = x.T @ (x * mu[:, None])
            step = np.linalg.solve(info, x.T @ (y - mu))
            beta = beta + step
            if np.max(np.abs(step)) < 1e-9:
                break
        return beta

    def surv(self, t: float, basis: np.ndarray, cll: np.ndarray) -> np.ndarray:
        """S(t | cll) = exp(-sum_j h_j(cll) x time at risk in interval j up to t)."""
        haz = np.exp(self._design(basis, cll) @ self.beta)
        return np.exp(-(haz * self._exposure(np.full(basis.shape[0], float(t)))).sum(axis=1))


def _smooth_curve(prep: Any, beta: np.ndarray, vbeta: np.ndarray, z: np.ndarray,
                  grid: np.ndarray, t: float, conf_level: float) -> pd.DataFrame:
    """Observed risk on the grid with R ``survfit.coxph`` log-scale pointwise CIs (variance
    of the baseline hazard and of beta included)."""
    lp = z @ beta
    try:
        from lms_prognosis.cox import baseline as _cox_predict

        base = _cox_predict.baseline(prep, beta)
        long = _cox_predict.predict_survival(base, z, lp, np.zeros(len(z), dtype=np.int64),
                                             np.array([float(t)]), vbeta, "log", conf_level,
                                             pd.RangeIndex(len(z)))
        long = long.sort_values("patient")
        return pd.DataFrame({"predicted": grid, "observed": 1.0 - long["surv"].to_numpy(),
                             "lower": 1.0 - long["upper"].to_numpy(),
                             "upper": 1.0 - long["lower"].to_numpy()})
    except (TypeError, KeyError, ValueError, AttributeError):  # engine API changed: no CI
        return pd.DataFrame({"predicted": grid,
                             "observed": 1.0 - cox_surv_at(prep, beta, t, lp)})


# --------------------------------------------------------------------------- Brier and AUC

def _check_horizons(times: np.ndarray, train_t: np.ndarray, train_e: np.ndarray,
                    test_t: np.ndarray) -> None:
    ut, g = censoring_curve(train_t, train_e)
    last = float(train_t.max())
    g_at = _g_at(ut, g, times)
    bad = (times >= last) | (g_at <= 0)
    if bad.any():
        raise ValueError(
            f"evaluation time(s) {times[bad].tolist()} are at or beyond the follow-up of the "
            f"data that estimate the censoring distribution (last time {last:g}, censoring "
            f"survival there {float(_g_at(ut, g, np.array([last]))[0]):.3g}); inverse "
            f"probability of censoring weights are not defined there. Use earlier times.")
    if times.min() < test_t.min():
        raise ValueError(f"evaluation times must be >= the first test time ({test_t.min():g})")


@dataclass(repr=False)
class BrierResult(TableResult):
    """IPCW Brier score at each time (``table``: time, brier) and its integral."""

    table: pd.DataFrame
    integrated: float | None
    n: int
    _title: str = field(default="Brier score (IPCW)", init=False)

    def __repr__(self) -> str:
        ibs = "" if self.integrated is None else f"; integrated {self.integrated:.4f}"
        return f"{self._title}, n = {self.n}{ibs}\n{self.table.to_string(index=False)}"


@dataclass(repr=False)
class TimeAUCResult(TableResult):
    """Cumulative/dynamic AUC at each time (``table``: time, auc) and its weighted mean."""

    table: pd.DataFrame
    mean_auc: float
    n: int
    _title: str = field(default="Time-dependent AUC (cumulative/dynamic)", init=False)

    def __repr__(self) -> str:
        return (f"{self._title}, n = {self.n}; mean {self.mean_auc:.4f}\n"
                f"{self.table.to_string(index=False)}")


def _train_arrays(train: Any, time: str, event: str, default: tuple[np.ndarray, np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray]:
    if train is None:
        return default
    fr = _frame(train)
    t = pd.to_numeric(fr[time], errors="coerce").to_numpy(float)
    e = pd.to_numeric(fr[event], errors="coerce").to_numpy(float)
    ok = np.isfinite(t) & np.isfinite(e)
    return t[ok], (e[ok] == 1).astype(np.int64)


def _surv_struct(t: np.ndarray, e: np.ndarray) -> np.ndarray:
    y = np.empty(t.size, dtype=[("event", bool), ("time", float)])
    y["event"] = e == 1
    y["time"] = t
    return y


def brier_core(t: np.ndarray, e: np.ndarray, surv: np.ndarray, times: np.ndarray,
               train: tuple[np.ndarray, np.ndarray]) -> BrierResult:
    _check_horizons(times, train[0], train[1], t)
    cens = censoring_curve(*train)
    scores = np.array([ipcw_brier(t, e, surv[:, j], tt, cens) for j, tt in enumerate(times)])
    integrated = None
    if times.size >= 2:
        integrated = float(np.trapezoid(scores, times) / (times[-1] - times[0]))
    return BrierResult(table=pd.DataFrame({"time": times, "brier": scores}),
                       integrated=integrated, n=int(t.size))


def time_auc_core(t: np.ndarray, e: np.ndarray, risk: np.ndarray, times: np.ndarray,
                  train: tuple[np.ndarray, np.ndarray]) -> TimeAUCResult:
    from sksurv.metrics import cumulative_dynamic_auc

    _check_horizons(times, train[0], train[1], t)
    if times.max() >= t.max():
        raise ValueError(f"evaluation times must be < the last test time ({t.max():g})")
    # follow-up after the last evaluation time changes nothing (such patients are controls at
    # every time); cut it so scikit-survival never evaluates the censoring curve there
    cut = np.nextafter(times.max(), np.inf)
    tt = np.minimum(t, cut)
    ee = np.where(t > cut, 0, e)
    auc, mean_auc = cumulative_dynamic_auc(_surv_struct(*train), _surv_struct(tt, ee), risk,
                                           times)
    return TimeAUCResult(table=pd.DataFrame({"time": times, "auc": np.atleast_1d(auc)}),
                         mean_auc=float(mean_auc), n=int(t.size))


# --------------------------------------------------------------------------- decision curve

@dataclass(repr=False)
class DecisionCurveResult(TableResult):
    """Net benefit by threshold: model, treat all, treat none (``table``)."""

    table: pd.DataFrame
    time_point: float
    _title: str = field(default="Decision curve", init=False)


def decision_curve_core(t: np.ndarray, e: np.ndarray, risk: np.ndarray, time_point: float,
                        thresholds: np.ndarray) -> DecisionCurveResult:
    n = t.size
    s_all = km_at(t, e, time_point)[0]
    if not np.isfinite(s_all):
        raise ValueError(f"time_point {time_point:g} is beyond the last follow-up time")
    rows = []
    for pt in thresholds:
        odds = pt / (1.0 - pt)
        pos = risk >= pt
        npos = int(pos.sum())
        if npos:
            s_pos = km_at(t[pos], e[pos], time_point)[0]
            if not np.isfinite(s_pos):
                warnings.warn(f"threshold {pt:g}: the high-risk group's follow-up ends before "
                              f"{time_point:g}; net benefit not estimable", stacklevel=3)
            tp = (1.0 - s_pos) * npos / n
            fp = s_pos * npos / n
        else:
            tp = fp = 0.0
        nb = tp - fp * odds
        nb_all = (1.0 - s_all) - s_all * odds
        rows.append({"threshold": float(pt), "net_benefit": nb, "treat_all": nb_all,
                     "treat_none": 0.0, "n_positive": npos,
                     "interventions_avoided_per_100": (nb - nb_all) / odds * 100
                     if odds > 0 else np.nan})
    return DecisionCurveResult(table=pd.DataFrame(rows), time_point=float(time_point))
