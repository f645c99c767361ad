"""Test of proportional hazards: R ``cox.zph`` of survival >= 3 (Grambsch-Therneau score test).

The model is augmented with the time-dependent covariates ``g(t) x`` and the score test of
their coefficients being 0 is computed at (beta_hat, 0): score ``U = sum_deaths g(t_i) r_i``
(``r_i`` the Schoenfeld residual) and the 2p x 2p information whose blocks are
``sum_t V_t``, ``sum_t g_t V_t`` and ``sum_t g_t^2 V_t``. This is the exact score test of
survival 3.x, not the older approximation (correlation of scaled residuals with time) that
survival 2.x and lifelines' ``proportional_hazard_test`` report.

Case weights enter as in the fit (weighted risk sets, each Efron step with the mean event
weight of its block); for counting-process data the risk sets are those of ``(start, stop]``
and the ``km`` transform is the Kaplan-Meier curve with delayed entry, as R's ``survfitKM``
on ``Surv(start, stop, event)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._distributions import chi2_sf
from lms_prognosis._results import Result
from lms_prognosis._survfit import product_limit
from lms_prognosis.cox._zph_smooth import SMOOTH_DF, SMOOTH_POINTS, zph_smooth
from lms_prognosis.cox.engine import Prepared, efron_event_sums, row_block_sums
from lms_prognosis.exceptions import CoxError

if TYPE_CHECKING:  # type-only: result.py imports this module at run time
    from lms_prognosis.cox.result import CoxResult

__all__ = ["PHTest", "cox_zph", "TRANSFORMS"]

TRANSFORMS = ("km", "rank", "identity")


@dataclass(repr=False, eq=False)
class PHTest(Result):
    """Result of :meth:`CoxResult.check_ph`: the ``cox.zph`` table and scaled residuals.

    Attributes
    ----------
    table : DataFrame
        term, chisq, df, p; one row per model term (a factor is one term with
        df = levels - 1) and a last row ``"GLOBAL"``.
    residuals : DataFrame
        Long table of scaled Schoenfeld residuals for plots: time, transformed_time, term,
        residual (R's ``cox.zph(fit)$y``; for a factor term the residual of the combined
        linear predictor of its levels, centred at 1 as R does).
    transform : str
        The time transform ("km", "rank" or "identity").
    var : DataFrame or None
        R's ``cox.zph(fit)$var``, term by term: the inverse of the mean information per
        event, the scale of the band around the smooth (:meth:`smooth`).
    """

    table: pd.DataFrame
    residuals: pd.DataFrame = field(repr=False)
    transform: str = "km"
    var: pd.DataFrame | None = field(default=None, repr=False)
    _title: ClassVar[str] = "PHTest"

    def smooth(self, term: str, df: int = SMOOTH_DF, n_points: int = SMOOTH_POINTS) -> pd.DataFrame:
        """The smooth of a term's scaled residuals with its band, as R ``plot.cox.zph``.

        Parameters
        ----------
        term : str
            A term of ``table`` (not ``"GLOBAL"``).
        df : int
            Degrees of freedom of the natural spline (R ``df = 4``).
        n_points : int
            Grid points over the transformed event times (R ``nsmo = 40``).

        Returns
        -------
        DataFrame
            transformed_time, time (months, read back from the events), fit, se, lower,
            upper: the least-squares fit on ``ns(x, df, intercept = TRUE)`` (knots from the
            grid and the event times together, as R) and ``fit -/+ 2 se``, with
            ``se = sqrt(var[term, term] * diag(P (X'X)^-1 P'))`` (R's 2 standard errors:
            about a 95% band). Empty when the spline fit is singular (R skips the term).

        Examples
        --------
        >>> import lms_prognosis as lp
        >>> ph = lp.fit_cox(lp.load_synthetic(), ["age", "grade"]).check_ph()
        >>> sm = ph.smooth("age")
        >>> len(sm), bool((sm["lower"] < sm["fit"]).all() and (sm["fit"] < sm["upper"]).all())
        (40, True)
        """
        res = self.residuals[self.residuals["term"] == term]
        if res.empty or self.var is None or term not in self.var.index:
            raise CoxError(
                f"no residuals for term {term!r}; terms are "
                f"{[t for t in self.table['term'] if t != 'GLOBAL']}"
            )
        x = res["transformed_time"].to_numpy(dtype=float)
        i = list(self.var.index).index(term)
        var = float(self.var.to_numpy(dtype=float)[i, i])
        out = zph_smooth(x, res["residual"].to_numpy(dtype=float), var, df, n_points)
        order = np.argsort(x, kind="stable")
        tt = res["time"].to_numpy(dtype=float)[order]
        out.insert(1, "time", np.interp(out["transformed_time"], x[order], tt))
        return out

    def _heading(self) -> str:
        return f"PHTest (cox.zph score test, transform={self.transform!r})"

    def _display_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out["chisq"] = out["chisq"].map(lambda v: f"{v:.3f}")
        out["p"] = out["p"].map(lambda v: f"{v:.4g}")
        return out


def _transformed_time(
    time: np.ndarray, event: np.ndarray, transform: str, start: np.ndarray | None = None
) -> np.ndarray:
    """R's ``cox.zph`` time transforms, computed over all strata together."""
    if transform == "identity":
        return time.astype(float)
    if transform == "rank":
        # scipy.stats.rankdata(time, method="average") to the bit, without importing scipy.stats
        return pd.Series(time).rank(method="average").to_numpy(dtype=float)
    # km: 1 - S(t-) of the pooled Kaplan-Meier (R: findInterval(..., left.open = TRUE))
    if start is None:
        return 1.0 - product_limit(time, event).at(time, left=True)
    ev = np.asarray(event) == 1
    u = np.unique(time[ev])
    n_risk = (time.size - np.searchsorted(np.sort(time), u, side="left")) - (
        start.size - np.searchsorted(np.sort(start), u, side="left")
    )
    d = np.bincount(np.searchsorted(u, time[ev]), minlength=u.size)
    surv = np.cumprod(1.0 - d / n_risk)
    before = np.searchsorted(u, time, side="left")  # event times < t
    return 1.0 - np.concatenate([[1.0], surv])[before]


def _weighted_info(
    prep: Prepared,
    x: np.ndarray,
    wx: np.ndarray,
    xbar_k: np.ndarray,
    inv: np.ndarray,
    h: np.ndarray,
) -> np.ndarray:
    """sum over event times of h_t * V_t (Efron / Breslow variance matrices)."""
    starts = prep.eblock_start
    kb = prep.k_block
    hk = h[kb] if prep.step_wt is None else h[kb] * prep.step_wt
    a = np.add.reduceat(hk * inv, starts)
    b = np.add.reduceat(hk * prep.k_frac * inv, starts)
    a_block = np.zeros(prep.block_end.shape[0])
    a_block[prep.eblock] = a
    cum_a = row_block_sums(a_block, prep)
    info = wx.T @ (x * cum_a[:, None])
    info -= wx[prep.death_rows].T @ (x[prep.death_rows] * b[kb][:, None])
    info -= (xbar_k * hk[:, None]).T @ xbar_k
    return info


def cox_zph(fit: CoxResult, transform: str = "km") -> PHTest:
    """Compute R's ``cox.zph(fit, transform=)`` for a fitted :class:`CoxResult`.

    The ``km`` transform is 1 - S(t-) of the pooled Kaplan-Meier curve of the fitted data
    (``lms_prognosis._survfit.product_limit``, the package's one product-limit kernel).
    Normally called as ``fit.check_ph(transform)``.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["age", "grade"])
    >>> cox_zph(fit, "rank").table.round(3)
         term  chisq  df      p
    0     age  0.381   1  0.537
    1   grade  0.867   2  0.648
    2  GLOBAL  1.208   3  0.751
    """
    if transform not in TRANSFORMS:
        raise CoxError(f"transform must be one of {TRANSFORMS}, got {transform!r}")
    prep = fit._prep
    if prep.freq is not None:
        raise CoxError("per-event residuals of a layout with freq=: repeat the rows instead")
    x = prep.x
    p = x.shape[1]
    beta = fit.coef.to_numpy()
    eta = x @ beta
    w = np.exp(eta - eta.max())
    if prep.weights is not None:
        w = w * prep.weights
    wx = x * w[:, None]
    _, s1, _, d1, inv = efron_event_sums(w, wx, prep)
    starts = prep.eblock_start
    kb = prep.k_block
    f = prep.k_frac
    # Schoenfeld residuals: x_i minus the mean (over the Efron steps) of the weighted means
    a = np.add.reduceat(inv, starts)
    b = np.add.reduceat(f * inv, starts)
    xbar = (s1 * a[:, None] - d1 * b[:, None]) / prep.ndeath[:, None]
    schoen = x[prep.death_rows] - xbar[kb]
    ttimes = _transformed_time(prep.time, prep.event, transform, prep.start)
    gt_death = ttimes[prep.death_rows]
    g_block = gt_death[starts] - gt_death.mean()
    if prep.death_wt is None or prep.step_wt is None:
        u2 = (schoen * (gt_death - gt_death.mean())[:, None]).sum(axis=0)
    else:  # sum_i g_i (w_i x_i - a_k m_k): the weighted events against their step means
        wres = prep.death_wt[:, None] * x[prep.death_rows] - prep.step_wt[:, None] * xbar[kb]
        u2 = (wres * (gt_death - gt_death.mean())[:, None]).sum(axis=0)
    xbar_k = (s1[kb] - f[:, None] * d1[kb]) * inv[:, None]
    i00 = _weighted_info(prep, x, wx, xbar_k, inv, np.ones_like(g_block))
    i01 = _weighted_info(prep, x, wx, xbar_k, inv, g_block)
    i11 = _weighted_info(prep, x, wx, xbar_k, inv, g_block * g_block)
    imat = np.block([[i00, i01], [i01.T, i11]])
    u = np.concatenate([np.zeros(p), u2])

    terms = fit._term_columns  # list of (term name, column indices)
    try:
        rows = _term_rows(u, imat, terms, p)
    except np.linalg.LinAlgError as exc:
        raise CoxError(
            f"the proportional-hazards test cannot be computed: its information matrix is "
            f"singular ({fit.n_events} event(s) for {p} coefficient(s)); it needs more events "
            f"than coefficients, with the covariates varying among them"
        ) from exc
    table = pd.DataFrame(rows, columns=["term", "chisq", "df"])
    table["p"] = chi2_sf(table["chisq"], table["df"])

    resid, vmean = _scaled_residuals(fit, prep, schoen, i00, terms, beta)
    # R orders events by stratum, then time ascending, ties in data order
    dt = prep.time[prep.death_rows]
    orig = prep.order[prep.death_rows]
    o = np.lexsort((orig, dt, prep.stratum[prep.death_rows]))
    long = pd.DataFrame(
        {
            "time": np.tile(dt[o], len(terms)),
            "transformed_time": np.tile(ttimes[prep.death_rows][o], len(terms)),
            "term": np.repeat([t for t, _ in terms], o.size),
            "residual": resid[o].T.ravel(),
        }
    )
    names = [t for t, _ in terms]
    var = pd.DataFrame(np.linalg.pinv(vmean), index=names, columns=names)  # R: solve(vmean)
    return PHTest(table=table, residuals=long, transform=transform, var=var)


def _term_rows(
    u: np.ndarray, imat: np.ndarray, terms: list[tuple[str, list[int]]], p: int
) -> list[tuple[str, float, int]]:
    """The score test of each term (with the time-transform columns), then GLOBAL."""
    rows = []
    for name, cols in terms:
        kk = np.concatenate([np.arange(p), p + np.asarray(cols)])
        uu = u[kk]
        chisq = float(uu @ np.linalg.solve(imat[np.ix_(kk, kk)], uu))
        rows.append((name, chisq, len(cols)))
    rows.append(("GLOBAL", float(u @ np.linalg.solve(imat, u)), p))
    return rows


def _scaled_residuals(
    fit: CoxResult,
    prep: Prepared,
    schoen: np.ndarray,
    i00: np.ndarray,
    terms: list[tuple[str, list[int]]],
    beta: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Scaled Schoenfeld residuals exactly as the R code of ``cox.zph`` builds them, and the
    mean information per event by term (``vmean``; R's ``$var`` is its inverse)."""
    p = schoen.shape[1]
    strat_codes, strat_of_row = np.unique(prep.stratum, return_inverse=True)
    ns = strat_codes.size
    used = np.zeros((ns, p))
    dead_strat = strat_of_row[prep.death_rows]
    ndead_s = np.bincount(dead_strat, minlength=ns)
    for s in range(ns):
        xs = prep.x[strat_of_row == s]
        varies = np.any(xs != xs[:1], axis=0)
        used[s, varies] = ndead_s[s]
    for _, cols in terms:
        if len(cols) > 1 and np.any(used[:, cols] == 0):
            used[:, cols] = used[:, cols].max(axis=1, keepdims=True)
    wtmat = np.zeros((p, p))
    for s in range(ns):
        wtmat += np.minimum.outer(used[s], used[s])
    vmean = i00 / np.where(wtmat == 0, 1.0, wtmat)
    nterm = len(terms)
    sres = schoen
    if any(len(c) > 1 for _, c in terms):
        temp = np.zeros((p, nterm))
        for i, (_, cols) in enumerate(terms):
            temp[cols, i] = 1.0 if len(cols) == 1 else beta[cols]
        sres = schoen @ temp
        vmean = temp.T @ vmean @ temp
        used = used[:, [c[0] for _, c in terms]]
    sres = np.array(sres, dtype=float, copy=True)
    for s in range(ns):
        k = np.flatnonzero(used[s] > 0)
        j = dead_strat == s
        if k.size:
            sub = sres[np.ix_(j, k)]
            sres[np.ix_(j, k)] = np.linalg.solve(vmean[np.ix_(k, k)], sub.T).T
            other = np.setdiff1d(np.arange(nterm), k)
            sres[np.ix_(j, other)] = np.nan
    for i, (_, cols) in enumerate(terms):
        sres[:, i] += beta[cols[0]] if len(cols) == 1 else 1.0
    return sres, vmean
