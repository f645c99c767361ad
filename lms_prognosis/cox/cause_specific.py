"""Cause-specific Cox models and per-patient absolute risk of each cause.

``fit_cause_specific`` fits one Cox model per cause with :func:`~lms_prognosis.fit_cox` (the
package's one Cox engine), the other cause censored, on the same complete cases.
``predict_cif`` combines the two cause-specific hazards into the absolute risk of each cause
by the Aalen-Johansen product limit, as R's multi-state ``survfit(coxph(Surv(time,
factor(event)) ~ x, id = id), newdata, stype = 1)`` and ``riskRegression::CSC`` +
``predict(..., product.limit = TRUE)``; its standard error is riskRegression's, from the
influence functions of both models' coefficients and baseline hazards (our own code: no
Python library gives it).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from lms_prognosis._results import Result
from lms_prognosis._survdata import as_frame, survival_data
from lms_prognosis._survfit import CONF_TYPES
from lms_prognosis.cox.fit import fit_cox
from lms_prognosis.cox.result import CoxResult
from lms_prognosis.exceptions import CoxError, CoxWarning

__all__ = ["fit_cause_specific", "CauseSpecificResult"]


@dataclass(frozen=True, eq=False)
class _Hazard:
    """One cause's fitted hazard on the distinct times of the data (ascending)."""

    dh0: np.ndarray  # (K,) baseline hazard increments (centred covariates 0), as fit_cox's
    s0: np.ndarray  # (K,) sum of exp(x b) over the risk set (Breslow)
    xbar: np.ndarray  # (K, p) risk-set mean of the centred covariates
    beta: np.ndarray
    var: np.ndarray
    score_res: np.ndarray  # (n, p) Breslow score residuals
    e: np.ndarray  # (n,) exp(x_i b), centred


def _hazard(fit: CoxResult, ut: np.ndarray, tidx: np.ndarray, xc: np.ndarray, ev: np.ndarray):
    beta = np.asarray(fit.coef, dtype=float)
    e = np.exp(xc @ beta)
    k = ut.size
    at = np.bincount(tidx, weights=e, minlength=k)
    s0 = at[::-1].cumsum()[::-1]
    s1 = np.column_stack(
        [np.bincount(tidx, weights=e * xc[:, j], minlength=k)[::-1].cumsum()[::-1]
         for j in range(xc.shape[1])]
    ).reshape(k, -1)
    xbar = s1 / s0[:, None]
    d = np.bincount(tidx, weights=ev, minlength=k)
    base = fit._baseline  # the Efron/Breslow baseline fit_cox's predictions use
    bt = base.time[::-1]
    bh = base.cumhaz[::-1]
    pos = np.searchsorted(bt, ut)
    dh0 = np.diff(np.r_[0.0, bh[pos]])
    breslow = d / s0
    # Breslow score residuals: dN (x - xbar) - e Y (x - xbar) dH
    cum_h = np.cumsum(breslow)[tidx]
    cum_xh = np.cumsum(xbar * breslow[:, None], axis=0)[tidx]
    score = ev[:, None] * (xc - xbar[tidx]) - e[:, None] * (xc * cum_h[:, None] - cum_xh)
    return _Hazard(dh0, s0, xbar, beta, fit.vcov.to_numpy(), score, e)


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
    def _hazards(self) -> dict[int, _Hazard]:
        ut, tidx = np.unique(self._time, return_inverse=True)
        first = next(iter(self.models.values()))
        design = first._design
        xc = design.transform(first._columns) - design.center
        return {
            k: _hazard(m, ut, tidx, xc, (self._event == k).astype(float))
            for k, m in self.models.items()
        }

    def predict_cif(
        self, newdata: Any, times: Sequence[float] | float, conf_type: str = "log-log"
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
        2`` takes the exponential of each step instead: equal to first order.) The standard
        error is riskRegression's ``absRisk.se``: the square root of the sum over patients of
        the squared influence function, which carries the variance of both models'
        coefficients and baseline hazards (Breslow form: for an Efron fit with tied times
        it is an approximation, as in riskRegression). After the last observed time the
        values are NaN.

        Examples
        --------
        >>> import lms_prognosis as lp
        >>> df = lp.simulate_cohort(n=300, seed=2, competing_risks=True).data
        >>> cs = fit_cause_specific(df, ["age", "grade"])
        >>> new = pd.DataFrame({"age": [70], "grade": ["3"]})
        >>> cs.predict_cif(new, [60]).round(2)
           patient  cause  time   cif  std_err  lower  upper
        0        0      1  60.0  0.55     0.05   0.44   0.64
        1        0      2  60.0  0.06     0.02   0.03   0.11
        """
        if conf_type not in CONF_TYPES:
            raise CoxError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if np.any(~np.isfinite(t)) or np.any(t < 0):
            raise CoxError("times must be finite and >= 0")
        frame = _frame(newdata)
        first = next(iter(self.models.values()))
        z = first._design.transform(frame) - first._design.center
        rows = []
        for i in range(len(frame)):
            rows.extend(self._one_patient(z[i], t, frame.index[i], conf_type))
        return pd.DataFrame(
            rows, columns=["patient", "cause", "time", "cif", "std_err", "lower", "upper"]
        )

    def _one_patient(self, z: np.ndarray, t: np.ndarray, label: Any, conf_type: str) -> list:
        hz = self._hazards
        ut = np.unique(self._time)
        causes = list(hz)
        dlam = {k: np.exp(z @ h.beta) * h.dh0 for k, h in hz.items()}
        total = sum(dlam.values())
        surv = np.cumprod(1.0 - total)
        s_before = np.r_[1.0, surv[:-1]]
        cif = {k: np.cumsum(s_before * dlam[k]) for k in causes}
        pos = np.searchsorted(ut, t, side="right") - 1
        out = []
        for k in causes:
            for j, tj in enumerate(t):
                if tj > ut[-1]:
                    out.append((label, k, tj, np.nan, np.nan, np.nan, np.nan))
                    continue
                if pos[j] < 0:
                    out.append((label, k, tj, 0.0, 0.0, 0.0, 0.0))
                    continue
                f, se = self._cif_se(z, k, pos[j], s_before, total, cif[k], dlam)
                lo, hi = _cif_interval(f, se, conf_type, first_conf(self))
                out.append((label, k, tj, f, se, lo, hi))
        return out

    def _cif_se(self, z, cause, p, s_before, total, cif, dlam) -> tuple[float, float]:
        """Influence-function standard error of F_cause at the p-th distinct time."""
        ut, tidx = np.unique(self._time, return_inverse=True)
        f = float(cif[p])
        with np.errstate(divide="ignore", invalid="ignore"):
            rem = f - cif[: p + 1]
        rem = np.nan_to_num(rem)
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
        del ut
        return f, float(np.sqrt(np.sum(phi**2)))

    def _heading(self) -> str:
        ev = ", ".join(f"cause {k}: {m.n_events} events" for k, m in self.models.items())
        return f"CauseSpecificResult: n={self.n}, {ev}"


def first_conf(res: CauseSpecificResult) -> float:
    return next(iter(res.models.values())).conf_level


def _cif_interval(f: float, se: float, conf_type: str, level: float) -> tuple[float, float]:
    """CI of a cumulative incidence ``F`` on the scale ``conf_type`` of F itself.

    "log-log" is riskRegression's: ``exp(-exp(log(-log F) -+ z se / (F log F)))``.

    Examples
    --------
    >>> [round(v, 4) for v in _cif_interval(0.2, 0.05, "log-log", 0.95)]
    [0.1131, 0.3053]
    """
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
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


def _frame(newdata: Any) -> pd.DataFrame:
    inner = getattr(newdata, "data", None)
    if not isinstance(newdata, pd.DataFrame) and isinstance(inner, pd.DataFrame):
        return inner
    if not isinstance(newdata, pd.DataFrame):
        raise CoxError(
            f"newdata must be a pandas DataFrame or a Cohort, got {type(newdata).__name__}"
        )
    return newdata


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
    df : DataFrame or Cohort
        One row per patient.
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
    >>> import lms_prognosis as lp
    >>> df = lp.simulate_cohort(n=300, seed=2, competing_risks=True).data
    >>> fit_cause_specific(df, ["age"]).hazard_ratios[["cause", "term", "hr"]].round(3)
       cause term     hr
    0      1  age  1.026
    1      2  age  1.095
    """
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
    )
