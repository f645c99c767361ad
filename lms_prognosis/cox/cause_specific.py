"""Cause-specific Cox models and per-patient absolute risk of each cause.

``fit_cause_specific`` fits one Cox model per cause with :func:`~lms_prognosis.fit_cox` (the
package's one Cox engine), the other cause censored, on the same complete cases.
``predict_cif`` combines the two cause-specific hazards into the absolute risk of each cause
by the Aalen-Johansen product limit, as R's multi-state ``survfit(coxph(Surv(time,
factor(event)) ~ x, id = id), newdata, stype = 1)`` and ``riskRegression::CSC`` +
``predict(..., product.limit = TRUE)``; its standard error comes from the influence functions
of both models' coefficients and baseline hazards, as riskRegression's (equal without tied
times; see ``predict_cif``). Our own code: no Python library gives per-patient absolute risks
of competing causes with confidence intervals.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._distributions import norm_ppf
from lms_prognosis._results import Result
from lms_prognosis._survdata import as_frame, survival_data
from lms_prognosis._survfit import CONF_TYPES
from lms_prognosis.cox._cs_aggregate import (
    EventTerms,
    delta_variance,
    event_terms,
    mstate_variance,
    term_sums,
)
from lms_prognosis.cox._display import hr_display, newdata_frame
from lms_prognosis.cox.fit import fit_cox
from lms_prognosis.cox.pool import is_imputed, pool_imputed
from lms_prognosis.cox.result import CoxResult
from lms_prognosis.exceptions import CoxError, CoxWarning

__all__ = ["fit_cause_specific", "CauseSpecificResult"]

#: standard errors of ``CauseSpecificResult.predict_cif``: riskRegression's influence
#: function (over the fitted patients), or from aggregates only: the delta method, or mstate's
SE_METHODS = ("influence", "aggregate", "mstate")


@dataclass(frozen=True, eq=False)
class _Hazard:
    """One cause's fitted hazard on the distinct times of the data (ascending)."""

    dh0: np.ndarray  # (K,) baseline hazard increments (centred covariates 0), as fit_cox's
    s0: np.ndarray  # (K,) sum of exp(x b) over the risk set (Breslow)
    xbar: np.ndarray  # (K, p) risk-set mean of the centred covariates
    beta: np.ndarray
    var: np.ndarray
    score_res: np.ndarray  # (n, p) score residuals (R residuals(fit, type = "score"))
    e: np.ndarray  # (n,) exp(x_i b), centred
    dh0_sq: np.ndarray  # (K,) Aalen-type variance increments sum 1 / den^2 (mstate msfit)
    xdh0: np.ndarray  # (K, p) sum xbar / den (Efron's xbar for an Efron fit)


def _hazard(
    fit: CoxResult, ut: np.ndarray, tidx: np.ndarray, xc: np.ndarray, ev: np.ndarray
) -> _Hazard:
    """Risk-set sums and score residuals of one cause's fit on the distinct times ``ut``."""
    beta = np.asarray(fit.coef, dtype=float)
    e = np.exp(xc @ beta)
    k, p = ut.size, xc.shape[1]

    def tail(w: np.ndarray) -> np.ndarray:  # sum over the risk set t_j >= u
        return np.bincount(tidx, weights=w, minlength=k)[::-1].cumsum()[::-1]

    s0 = tail(e)
    s1 = np.column_stack([tail(e * xc[:, j]) for j in range(p)]).reshape(k, p)
    xbar = s1 / s0[:, None]
    terms = event_terms(xc, e, ev, tidx, s0, s1, fit.ties == "efron")
    dh0, dh0_sq, xdh0 = term_sums(terms, k)
    score = _score_residuals(xc, e, ev, tidx, terms, dh0, xdh0)
    return _Hazard(dh0, s0, xbar, beta, fit.vcov.to_numpy(), score, e, dh0_sq, xdh0)


def _score_residuals(
    xc: np.ndarray,
    e: np.ndarray,
    ev: np.ndarray,
    tidx: np.ndarray,
    t: EventTerms,
    a_all: np.ndarray,
    b_all: np.ndarray,
) -> np.ndarray:
    """R ``residuals(coxph, type = "score")`` (Breslow or Efron), one row per subject, from
    the per-event terms and their sums at the distinct times (``a_all``: the baseline hazard
    increments, R ``survfit.coxph``'s ``d / S0`` or Efron's ``sum_k 1 / (S0 - k/d D0)``;
    ``b_all``: ``sum xbar / den``).

    At a time with ``d`` tied events Efron's k-th term (k = 0..d-1) removes ``k/d`` of the
    dying subjects' risk; a dying subject is at risk in it with weight ``1 - k/d``.
    """
    k, p = a_all.size, xc.shape[1]
    xavg = np.zeros((k, p))
    a_die, b_die = np.zeros(0), np.zeros((0, p))
    if t.times.size:
        w_die = (1 - t.frac) / t.den
        a_die = np.add.reduceat(w_die, t.starts)
        b_die = np.add.reduceat(t.xb * w_die[:, None], t.starts)
        xavg[t.times] = np.add.reduceat(t.xb, t.starts) / t.dd[:, None]
    ca, cb = np.cumsum(a_all)[tidx], np.cumsum(b_all, axis=0)[tidx]
    out = ev[:, None] * (xc - xavg[tidx]) - e[:, None] * (xc * ca[:, None] - cb)
    # a dying subject is at risk at its own time with weight 1 - k/d, not 1
    dying = ev != 0
    pos = np.zeros(k, dtype=int)
    pos[t.times] = np.arange(t.times.size)
    at = tidx[dying]
    corr_a = a_all[at] - a_die[pos[at]]
    corr_b = b_all[at] - b_die[pos[at]]
    out[dying] += (ev * e)[dying, None] * (xc[dying] * corr_a[:, None] - corr_b)
    return np.asarray(out)


@dataclass(repr=False, eq=False)
class CauseSpecificResult(Result):
    """Cause-specific Cox models, one per cause; see :func:`fit_cause_specific`.

    Attributes
    ----------
    models : dict of int to CoxResult
        The Cox model of each cause (the other cause censored).
    n : int
        Rows analysed.
    dropped : DataFrame
        Rows left out (row, column, value, reason).
    """

    models: dict[int, CoxResult]
    covariates: list[str]
    time: str
    event: str
    n: int
    dropped: pd.DataFrame
    _time: np.ndarray = field(repr=False)
    _event: np.ndarray = field(repr=False)
    _frame: pd.DataFrame = field(repr=False)  # covariates of the rows analysed (a copy)
    _title: ClassVar[str] = "CauseSpecificResult"

    @cached_property
    def hazard_ratios(self) -> pd.DataFrame:
        """cause, then the columns of ``CoxResult.hazard_ratios``, one block per cause."""
        parts = [m.hazard_ratios.assign(cause=k) for k, m in self.models.items()]
        out = pd.concat(parts, ignore_index=True)
        return out[["cause", *[c for c in out.columns if c != "cause"]]]

    @property
    def table(self) -> pd.DataFrame:
        """Same as :attr:`hazard_ratios`."""
        return self.hazard_ratios

    @cached_property
    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Distinct times (ascending) and each row's index in them."""
        ut, tidx = np.unique(self._time, return_inverse=True)
        return ut, tidx

    @property
    def max_time(self) -> float:
        """The last observed time (``predict_cif`` is NaN after it)."""
        return float(self._time.max())

    @property
    def conf_level(self) -> float:
        """Level of the intervals (that of the Cox models)."""
        return next(iter(self.models.values())).conf_level

    @cached_property
    def _hazards(self) -> dict[int, _Hazard]:
        ut, tidx = self._grid
        design = next(iter(self.models.values()))._design
        xc = design.transform(self._frame) - design.center
        return {
            k: _hazard(m, ut, tidx, xc, (self._event == k).astype(float))
            for k, m in self.models.items()
        }

    def predict_cif(
        self,
        newdata: Any,
        times: Sequence[float] | float,
        conf_type: str = "log-log",
        se_method: str = "influence",
    ) -> pd.DataFrame:
        """Absolute risk of each cause by each time for new patients, with CIs.

        Parameters
        ----------
        newdata : DataFrame or Cohort
            One row per patient with the model covariates.
        times : float or sequence of float
            Times (months).
        conf_type : {"log-log", "log", "plain", "logit"}
            Transform of the interval of the cumulative incidence ``F`` itself
            ("log-log": ``log(-log F)``, riskRegression's default).
        se_method : {"influence", "aggregate"}
            "influence" (default): riskRegression's influence-function standard error,
            which sums over the fitted patients. "aggregate": R mstate's, from aggregates
            only (each cause's coefficients, variance matrix, and baseline-hazard terms at
            the event times), as the calculator page computes it; see Notes.

        Returns
        -------
        DataFrame
            Long: patient (newdata's index), cause, time, cif, std_err, lower, upper.

        Notes
        -----
        The estimate is the Aalen-Johansen product limit of the two cause-specific hazards
        ``exp(x b_k) dH0_k``: ``F_k(t) = sum_{u <= t} S(u-) dLambda_k(u)``, ``S(u) = prod (1 -
        dLambda_1 - dLambda_2)``, with the baseline hazards of the Cox fits (Efron-corrected
        for an Efron fit), as R's ``survfit`` on the multi-state ``coxph`` with ``stype = 1``
        and ``riskRegression`` with ``product.limit = TRUE``. (survfit's default ``stype =
        2`` takes the exponential of each step instead: equal to first order; and with
        Efron ties on tied times survival 3.5.3's multi-state hazards are not those of
        ``survfit.coxph``, which riskRegression and this function use.)

        The standard error is the square root of the sum over patients of the squared
        influence function of ``F``, which carries the variance of both models'
        coefficients (through R's score residuals, Breslow or Efron, times ``vcov``) and
        baseline hazards, with riskRegression's derivative of the survival term (that of
        ``exp(-Lambda)``): without tied times it is riskRegression's ``absRisk.se`` to
        1e-12. With tied times riskRegression's influence of the coefficients is not R's
        score residuals times ``vcov`` and its standard error differs from ours (by up to
        16% on ``mgus2`` in whole months); the baseline part uses the Breslow form, an
        approximation for an Efron fit with ties. The interval is on the scale
        ``conf_type`` of ``F`` itself ("log-log": riskRegression's). Before the first
        event time ``F`` is 0 (interval 0, 0); after the last observed time NaN.

        ``se_method="aggregate"`` is R mstate's ``msfit(fit, newdata, variance = TRUE)`` then
        ``probtrans(msf, predt = 0, variance = TRUE)`` (method "aalen") on the stacked model
        ``coxph(Surv(time, status) ~ x.1 + x.2 + strata(trans))`` (de Wreede, Fiocco &
        Putter 2011), to 1e-6 (tests/reference/cs_aggregate.R). Each cause's cumulative
        hazard ``A_k(t) = exp(z b_k) H0_k(t)`` gets the delta-method variance ``v_k(t) =
        r_k^2 sum_{u <= t} dH0sq_k(u) + eta_k(t)' V_k eta_k(t)``, ``r_k = exp(z b_k)``,
        ``eta_k(t) = r_k sum_{u <= t} (xbar_k(u) - z) dH0_k(u)`` (Aalen-type baseline term
        plus the coefficients through the ``xbar`` terms, as ``survfit.coxph``); the
        covariance ``C`` of ``(S, F_1, F_2)`` follows ``C(t) = (I + dA)' C(t-) (I + dA) +
        S(t)^2 L diag(dv_k(t)) L'`` over the event times (Andersen et al. 1993, VII.2.2;
        Cheng, Fine & Wei 1998 for competing risks), ``dv_k`` the increment of ``v_k`` and
        ``L`` the map of the cause increments to ``(S, F_1, F_2)``. Ties: with Breslow
        ``dH0 = d / S0``, ``dH0sq = d / S0^2``, ``xbar = S1 / S0`` (mstate's recommended
        form); an Efron fit uses Efron's terms, the m-th of ``d`` tied events with
        denominator ``S0 - m/d D0`` and mean ``(S1 - m/d D1) / (S0 - m/d D0)`` (mstate's
        ``agmssurv`` with ``method = "efron"``, also pinned). The coefficients' part enters
        through the increments of ``eta' V eta``: exact for one cause, mstate's
        approximation of the cross-time terms with two. It needs nothing of single
        patients, so the calculator page ships only these aggregates.

        Examples
        --------
        >>> import pandas as pd
        >>> from lms_prognosis.simulate import simulate_cohort
        >>> df = simulate_cohort(300, seed=7, competing_risks=True).data
        >>> cs = fit_cause_specific(df, ["age", "grade"])
        >>> cs.predict_cif(pd.DataFrame({"age": [70], "grade": ["3"]}), [60]).round(2)
           patient  cause  time   cif  std_err  lower  upper
        0        0      1  60.0  0.41     0.05   0.32   0.50
        1        0      2  60.0  0.07     0.02   0.04   0.11
        """
        if conf_type not in CONF_TYPES:
            raise CoxError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
        if se_method not in SE_METHODS:
            raise CoxError(f"se_method must be one of {SE_METHODS}, got {se_method!r}")
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if np.any(~np.isfinite(t)) or np.any(t < 0):
            raise CoxError("times must be finite and >= 0")
        frame = newdata_frame(newdata)
        first = next(iter(self.models.values()))
        z = first._design.transform(frame) - first._design.center
        rows = []
        for i in range(len(frame)):
            rows.extend(self._one_patient(z[i], t, frame.index[i], conf_type, se_method))
        return pd.DataFrame(
            rows, columns=["patient", "cause", "time", "cif", "std_err", "lower", "upper"]
        )

    def _one_patient(
        self, z: np.ndarray, t: np.ndarray, label: Any, conf_type: str, se_method: str
    ) -> list:
        hz = self._hazards
        ut = self._grid[0]
        causes = list(hz)
        dlam = {k: np.exp(z @ h.beta) * h.dh0 for k, h in hz.items()}
        total = sum(dlam.values())
        surv = np.cumprod(1.0 - total)
        s_before = np.r_[1.0, surv[:-1]]
        cif = {k: np.cumsum(s_before * dlam[k]) for k in causes}
        pos = np.searchsorted(ut, t, side="right") - 1
        var = None
        if se_method != "influence" and np.any((t <= ut[-1]) & (pos >= 0)):
            last = int(pos[t <= ut[-1]].max())
            how = delta_variance if se_method == "aggregate" else mstate_variance
            var = how(z, [hz[k] for k in causes], surv, last)
        out = []
        for c, k in enumerate(causes):
            for j, tj in enumerate(t):
                if tj > ut[-1]:
                    out.append((label, k, tj, np.nan, np.nan, np.nan, np.nan))
                    continue
                if pos[j] < 0:
                    out.append((label, k, tj, 0.0, 0.0, 0.0, 0.0))
                    continue
                if var is None:
                    f, se = self._cif_se(z, k, pos[j], s_before, cif[k])
                else:
                    f, se = float(cif[k][pos[j]]), float(np.sqrt(max(var[pos[j], c], 0.0)))
                lo, hi = _cif_interval(f, se, conf_type, self.conf_level)
                out.append((label, k, tj, f, se, lo, hi))
        return out

    def _cif_se(
        self,
        z: np.ndarray,
        cause: int,
        p: int,
        s_before: np.ndarray,
        cif: np.ndarray,
    ) -> tuple[float, float]:
        """F_cause at the p-th distinct time and its influence-function standard error.

        ``phi_i = sum_k sum_u c_k(u) dIF_i Lambda_k(u)`` with ``c_cause(u) = S(u-) - (F(t) -
        F(u))`` and ``c_other(u) = -(F(t) - F(u))`` (riskRegression's derivative, that of
        ``S = exp(-Lambda)``), and ``dIF_i Lambda_k(u) = exp(z b_k) [(dN_ik - Y_i e_ik
        dH0_k) / S0_k + dH0_k (z - xbar_k)' IF_i(b_k)]``, ``IF_i(b_k) = V_k L_ik``.
        """
        tidx = self._grid[1]
        f = float(cif[p])
        rem = f - cif[: p + 1]
        phi = np.zeros(self._time.size)
        for k, h in self._hazards.items():
            c = (s_before[: p + 1] if k == cause else 0.0) - rem
            risk = float(np.exp(z @ h.beta))
            dh = h.dh0[: p + 1]
            s0 = h.s0[: p + 1]
            ev = (self._event == k) & (tidx <= p)
            phi += np.where(ev, risk * c[np.minimum(tidx, p)] / h.s0[np.minimum(tidx, p)], 0.0)
            cum = np.cumsum(c * dh / s0)
            phi -= risk * h.e * cum[np.minimum(tidx, p)]
            grad = risk * ((c * dh) @ (z[None, :] - h.xbar[: p + 1]))
            phi += h.score_res @ (h.var @ grad)
        return f, float(np.sqrt(np.sum(phi**2)))

    def _display_frame(self) -> pd.DataFrame:
        return hr_display(self.hazard_ratios, self.conf_level, keys=("cause", "term"))

    def _heading(self) -> str:
        ev = ", ".join(f"cause {k}: {m.n_events} events" for k, m in self.models.items())
        return f"CauseSpecificResult: n={self.n}, {ev}"


def _cif_interval(f: float, se: float, conf_type: str, level: float) -> tuple[float, float]:
    """CI of a cumulative incidence ``F`` on the scale ``conf_type`` of F itself.

    "log-log" is riskRegression's: ``exp(-exp(log(-log F) -+ z se / (F log F)))``.

    Examples
    --------
    >>> [round(v, 4) for v in _cif_interval(0.2, 0.05, "log-log", 0.95)]
    [0.1128, 0.3051]
    """
    z = float(norm_ppf(1 - (1 - level) / 2))
    if not 0 < f < 1 or se == 0:
        return (f, f) if se == 0 else (np.nan, np.nan)
    if conf_type == "plain":
        return max(f - z * se, 0.0), min(f + z * se, 1.0)
    if conf_type == "log":
        return f * np.exp(-z * se / f), min(f * np.exp(z * se / f), 1.0)
    if conf_type == "logit":
        lg, w = np.log(f / (1 - f)), z * se / (f * (1 - f))
        return 1 / (1 + np.exp(-(lg - w))), 1 / (1 + np.exp(-(lg + w)))
    a, w = np.log(-np.log(f)), z * se / (f * np.log(f))
    return float(np.exp(-np.exp(a - w))), float(np.exp(-np.exp(a + w)))


def fit_cause_specific(
    df: Any,
    covariates: Sequence[str] | str,
    time: str = "time",
    event: str = "event",
    ties: str = "efron",
    conf_level: float = 0.95,
) -> CauseSpecificResult:
    """Fit one Cox model per cause (the other cause censored), by the engine of ``fit_cox``.

    Parameters
    ----------
    df : DataFrame, Cohort or Imputed
        One row per patient; an ``Imputed`` (``lp.impute(...)``) gives the fits on its m data
        sets pooled by Rubin's rules (a ``PooledResult``, terms named "cause k: term").
    covariates : str or list of str
        As in :func:`~lms_prognosis.fit_cox` (treatment contrasts, first level reference).
    time, event : str
        Follow-up (months) and event code: 0 censored, 1 event, 2 competing event.
    ties : {"efron", "breslow"}
        Ties of both Cox models.
    conf_level : float
        Level of the hazard-ratio intervals.

    Returns
    -------
    CauseSpecificResult
        ``.models`` (cause -> CoxResult), ``.hazard_ratios`` (with a ``cause`` column),
        ``.predict_cif(newdata, times)``, ``.dropped``.

    Raises
    ------
    SurvivalDataError
        Bad event codes, negative times, no usable row (the one survival-input check).
    CoxError
        No event of code 1 among the complete cases.

    Warns
    -----
    CoxWarning
        Rows left out for missing values; no competing events (then only the model of
        cause 1 is fitted and ``predict_cif`` is ``1 - survival`` of that model).

    Notes
    -----
    The models equal R's ``coxph(Surv(time, event == k) ~ x)`` for k = 1, 2, which are also
    the transitions of the multi-state ``coxph(Surv(time, factor(event)) ~ x, id = id)``.

    Examples
    --------
    >>> import pandas as pd
    >>> from lms_prognosis.simulate import simulate_cohort
    >>> df = simulate_cohort(300, seed=7, competing_risks=True).data
    >>> fit_cause_specific(df, ["age", "grade"])
    CauseSpecificResult: n=300, cause 1: 95 events, cause 2: 33 events
     cause     term      HR (95% CI)         p
         1      age 1.02 (1.00–1.04) p = 0.023
         1 grade[2] 1.93 (0.88–4.25)  p = 0.10
         1 grade[3] 3.86 (1.84–8.08) p < 0.001
         2      age 1.08 (1.05–1.11) p < 0.001
         2 grade[2] 0.29 (0.11–0.79) p = 0.015
         2 grade[3] 0.72 (0.33–1.56)  p = 0.41
    """
    if is_imputed(df):  # lp.impute(...): one fit per completed data set, pooled (cox/pool.py)
        kw = dict(time=time, event=event, ties=ties)
        return pool_imputed(df, fit_cause_specific, covariates, conf_level=conf_level, **kw)
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    sd = survival_data(df, time, event, covariates=covs)
    if not sd.dropped.empty:
        warnings.warn(
            f"{sd.dropped['row'].nunique()} of {sd.n_input} rows dropped for missing "
            f"values (see .dropped)",
            CoxWarning,
            stacklevel=2,
        )
    causes = [k for k in (1, 2) if np.any(sd.event == k)]
    if 1 not in causes:
        raise CoxError(f"no events with code 1 in {event!r} among the complete cases")
    if 2 not in causes:
        warnings.warn(
            "no competing events (code 2): only the Cox model of cause 1 is fitted",
            CoxWarning,
            stacklevel=2,
        )
    kept = as_frame(df).iloc[sd.positions][covs].copy()
    kept[time] = sd.time
    models = {}
    for k in causes:
        kept[event] = (sd.event == k).astype(np.int8)
        models[k] = fit_cox(kept, covs, time=time, event=event, ties=ties, conf_level=conf_level)
    return CauseSpecificResult(
        models=models,
        covariates=covs,
        time=time,
        event=event,
        n=sd.n,
        dropped=sd.dropped,
        _time=sd.time.copy(),
        _event=sd.event.copy(),
        _frame=kept[covs].copy(),
    )
