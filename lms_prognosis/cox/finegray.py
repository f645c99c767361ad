"""Fine-Gray regression of the subdistribution hazard, equal to R's ``cmprsk::crr``.

``fit_fine_gray`` checks its input through the package's one survival-input check
(``survival_data``), codes the covariates with the Cox design-matrix builder
(:func:`lms_prognosis.cox.design.design_matrix`: treatment contrasts, first level the
reference) and solves the Fine-Gray estimating equations with cmprsk's algorithm
(:mod:`lms_prognosis.cox._finegray`, where the reason for our own code is given).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._distributions import chi2_sf, norm_ppf, norm_sf
from lms_prognosis._format import format_p
from lms_prognosis._results import Result
from lms_prognosis._survdata import survival_data
from lms_prognosis._survfit import CONF_TYPES, conf_int
from lms_prognosis.cox import _finegray as _fg
from lms_prognosis.cox._display import hr_display, newdata_frame
from lms_prognosis.cox.design import Design, design_matrix, strata_keys, strata_order
from lms_prognosis.cox.pool import is_imputed, pool_imputed
from lms_prognosis.exceptions import ConvergenceWarning, CoxError, CoxWarning

__all__ = ["fit_fine_gray", "FineGrayResult"]


@dataclass(repr=False, eq=False)
class FineGrayResult(Result):
    """A fitted Fine-Gray model (R ``cmprsk::crr``); see :func:`fit_fine_gray`.

    Attributes
    ----------
    covariates : list of str
        Covariates in the model.
    time, event : str
        The time and event columns.
    cause : int
        The event code of interest (the other non-zero code is the competing event).
    cens_strata : list of str or None
        Columns whose levels have separate censoring distributions (``crr``'s ``cengroup``).
    conf_level : float
        Level of the confidence intervals.
    n, n_events, n_competing : int
        Rows analysed, events of the cause of interest, competing events.
    dropped : DataFrame
        Rows left out (row, column, value, reason).
    converged : bool
        As ``crr``'s ``converged``.
    iterations : int
        Newton-Raphson iterations.
    """

    covariates: list[str]
    time: str
    event: str
    cause: int
    cens_strata: list[str] | None
    conf_level: float
    n: int
    n_events: int
    n_competing: int
    dropped: pd.DataFrame
    converged: bool
    iterations: int
    _design: Design = field(repr=False)
    _beta: np.ndarray = field(repr=False)
    _var: np.ndarray = field(repr=False)
    _info: np.ndarray = field(repr=False)
    _loglik: tuple[float, float] = field(repr=False)
    _cd: _fg.CrrData = field(repr=False)
    _title: ClassVar[str] = "FineGrayResult"

    @property
    def loglik(self) -> tuple[float, float]:
        """(null, fitted) log pseudo-partial likelihood: ``crr``'s ``loglik.null``, ``loglik``."""
        return self._loglik

    @cached_property
    def coef(self) -> pd.Series:
        """Coefficients (log subdistribution hazard ratios) by term."""
        return pd.Series(self._beta, index=self._design.names, name="coef")

    @cached_property
    def vcov(self) -> pd.DataFrame:
        """``crr``'s ``var``: the sandwich variance, including the censoring-weight part."""
        names = self._design.names
        return pd.DataFrame(self._var, index=names, columns=names)

    @cached_property
    def hazard_ratios(self) -> pd.DataFrame:
        """term, covariate, coef, se, hr (subdistribution HR), lower, upper, z, p.

        The columns of ``CoxResult.hazard_ratios``; numbers as ``summary(crr)`` (its p-value
        unrounded: ``2 * pnorm(-abs(z))``).
        """
        se = np.sqrt(np.diag(self._var))
        q = norm_ppf(1 - (1 - self.conf_level) / 2)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = self._beta / se
            lower, upper = np.exp(self._beta - q * se), np.exp(self._beta + q * se)
        return pd.DataFrame(
            {
                "term": self._design.names,
                "covariate": [t.covariate for t in self._design.terms for _ in t.names],
                "coef": self._beta,
                "se": se,
                "hr": np.exp(self._beta),
                "lower": lower,
                "upper": upper,
                "z": z,
                "p": 2 * norm_sf(np.abs(z)),
            }
        )

    @property
    def table(self) -> pd.DataFrame:
        """Same as :attr:`hazard_ratios`."""
        return self.hazard_ratios

    @cached_property
    def tests(self) -> pd.DataFrame:
        """The pseudo likelihood-ratio test of all coefficients (``summary(crr)$logtest``)
        and the Wald test with crr's variance: test, statistic, df, p.

        The pseudo likelihood is not a likelihood (the weights are estimated), so the
        Wald test is the one to report.
        """
        p = self._beta.size
        lr = 2 * (self._loglik[1] - self._loglik[0])
        wald = float(self._beta @ np.linalg.solve(self._var, self._beta))
        stat = np.array([lr, wald])
        return pd.DataFrame(
            {
                "test": ["pseudo likelihood ratio", "wald"],
                "statistic": stat,
                "df": p,
                "p": chi2_sf(stat, p),
            }
        )

    def _summary_lines(self) -> list[str]:
        w = self.tests.iloc[1]
        return [f"Wald test {w.statistic:.2f} on {w.df} df, {format_p(w.p)}"]

    @property
    def max_time(self) -> float:
        """The last observed time (where the estimated curves end)."""
        return float(self._cd.time[-1])

    @cached_property
    def baseline(self) -> pd.DataFrame:
        """time, jump: the baseline subdistribution hazard at each event time of the cause,
        for all covariates 0 (``crr``'s ``uftime`` and ``bfitj``)."""
        jumps, _, _ = _fg.baseline_jumps(self._cd, self._beta)
        offset = float(self._design.center @ self._beta) if self._beta.size else 0.0
        return pd.DataFrame({"time": self._cd.ftimes, "jump": jumps * np.exp(-offset)})

    @cached_property
    def _cumulative_baseline(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """At each event time of the cause (centred covariates 0): the cumulative baseline
        subdistribution hazard, its variance sum ``sum d / S0^2`` and ``sum xbar dH0``
        (what :meth:`predict_cif` and the calculator page use)."""
        jumps, varinc, zbar = _fg.baseline_jumps(self._cd, self._beta)
        xb = np.cumsum(zbar * jumps[:, None], axis=0).reshape(jumps.size, self._beta.size)
        return self._cd.ftimes, np.cumsum(jumps), np.cumsum(varinc), xb

    def predict_cif(
        self, newdata: Any, times: Sequence[float] | float, conf_type: str = "log-log"
    ) -> pd.DataFrame:
        """Cumulative incidence of the cause for new patients, with confidence intervals.

        Parameters
        ----------
        newdata : DataFrame or Cohort
            The model's covariates, one row per patient.
        times : float or sequence of float
            Times (months).
        conf_type : {"log-log", "log", "plain", "logit"}
            Transform of the interval, named as R's ``conf.type`` for the survival-type
            curve ``1 - cif``: "log-log" is ``log(cumhaz)``, which keeps the interval
            inside (0, 1).

        Returns
        -------
        DataFrame
            Long: patient (newdata's index), time, cif, std_err, lower, upper.

        Notes
        -----
        The estimate is cmprsk's ``predict.crr``: ``1 - exp(-exp(x b) * cumsum(bfitj))``,
        a step function (0 before the first event time; the last value after it).
        Its standard error is the delta method of R's ``survfit.coxph`` (Breslow) applied to
        the same model fitted as ``coxph(Surv(fgstart, fgstop, fgstatus) ~ x, weights =
        fgwt)`` on ``finegray()`` data, with ``crr``'s variance of ``b`` (which accounts for
        the estimated censoring distribution) in place of coxph's:
        ``Var H = exp(2 eta) [sum d / S0^2 + d' V d]``, ``d = H0 z - sum xbar dH0``;
        ``std_err`` is that of ``cif`` (``(1 - cif) * se(H)``, as survfit's). The part of the
        baseline's variance that comes from estimating the censoring weights is not in
        the first term (neither cmprsk nor riskRegression gives one).
        ``tests/reference/competing_regression.R`` checks both against R (the interval
        against ``survfit`` on the ``finegray()`` fit held at crr's coefficients).

        Examples
        --------
        >>> import pandas as pd
        >>> from lms_prognosis.simulate import simulate_cohort
        >>> df = simulate_cohort(300, seed=7, competing_risks=True).data
        >>> fg = fit_fine_gray(df, ["age", "grade"])
        >>> fg.predict_cif(pd.DataFrame({"age": [70], "grade": ["3"]}), [60]).round(2)
           patient  time   cif  std_err  lower  upper
        0        0  60.0  0.41     0.04   0.33    0.5
        """
        if conf_type not in CONF_TYPES:
            raise CoxError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if np.any(~np.isfinite(t)) or np.any(t < 0):
            raise CoxError("times must be finite and >= 0")
        newdata = newdata_frame(newdata)
        z = self._design.transform(newdata) - self._design.center
        ftimes, cum_h0, cum_v0, cum_xb = self._cumulative_baseline
        k = np.searchsorted(ftimes, t, side="right")  # failure times <= t
        h0 = np.r_[0.0, cum_h0][k]
        v0 = np.r_[0.0, cum_v0][k]
        xb = np.vstack([np.zeros((1, z.shape[1])), cum_xb])[k]
        risk = np.exp(z @ self._beta)
        cumhaz = risk[:, None] * h0[None, :]
        dmat = h0[None, :, None] * z[:, None, :] - xb[None, :, :]  # (patients, times, p)
        quad = np.einsum("itj,jk,itk->it", dmat, self._var, dmat)
        se_h = risk[:, None] * np.sqrt(v0[None, :] + np.maximum(quad, 0.0))
        surv = np.exp(-cumhaz)
        lo, hi = conf_int(surv, se_h, conf_type, self.conf_level)
        lo = np.where(h0[None, :] == 0, 1.0, lo)
        hi = np.where(h0[None, :] == 0, 1.0, hi)
        m = len(newdata)
        return pd.DataFrame(
            {
                "patient": np.repeat(np.asarray(newdata.index), t.size),
                "time": np.tile(t, m),
                "cif": (1 - surv).ravel(),
                "std_err": (surv * se_h).ravel(),
                "lower": (1 - hi).ravel(),
                "upper": (1 - lo).ravel(),
            }
        )

    def _heading(self) -> str:
        cs = f", censoring strata={self.cens_strata}" if self.cens_strata else ""
        return (
            f"FineGrayResult (cause {self.cause}{cs}): n={self.n}, events={self.n_events}, "
            f"competing={self.n_competing}"
        )

    def _display_frame(self) -> pd.DataFrame:
        return hr_display(self.hazard_ratios, self.conf_level, "SHR")


def _as_list(value: Sequence[str] | str | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def fit_fine_gray(
    df: Any,
    covariates: Sequence[str] | str,
    time: str = "time",
    event: str = "event",
    cause: int = 1,
    cens_strata: Sequence[str] | str | None = None,
    conf_level: float = 0.95,
) -> FineGrayResult:
    """Fit a Fine-Gray model for the subdistribution hazard of ``cause``, as ``cmprsk::crr``.

    Parameters
    ----------
    df : DataFrame, Cohort or Imputed
        One row per patient; an ``Imputed`` (``lp.impute(...)``) gives the fits on its m data
        sets pooled by Rubin's rules (a ``PooledResult``).
    covariates : str or list of str
        Columns coded as :func:`~lms_prognosis.fit_cox` codes them: numbers as they are,
        booleans True vs False, categories with treatment contrasts (first level the
        reference).
    time, event : str
        Follow-up (months) and event code: 0 censored, 1 event, 2 competing event (checked
        by the package's one survival-input check).
    cause : {1, 2}
        The event code of interest; the other non-zero code is the competing event.
    cens_strata : str or list of str, optional
        Column(s) with separate censoring distributions (``crr(..., cengroup = )``).
    conf_level : float
        Level of the subdistribution hazard-ratio intervals.

    Returns
    -------
    FineGrayResult
        ``.hazard_ratios`` (columns as ``CoxResult``'s), ``.loglik``, ``.vcov``,
        ``.predict_cif(newdata, times)``, ``.dropped``.

    Raises
    ------
    SurvivalDataError
        Bad event codes, negative times, no usable row.
    CoxError
        A cause that is not 1 or 2, or no event of the cause among the complete cases.

    Warns
    -----
    CoxWarning
        Rows left out for missing values (see ``.dropped``); no competing events (the
        model is then a Cox model with Breslow ties).
    ConvergenceWarning
        ``crr`` would report ``converged = FALSE``.

    Notes
    -----
    Numbers as ``crr(time, event, model.matrix(~ x)[, -1], failcode = cause, cencode = 0)``
    of cmprsk 2.2: Breslow ties; weights from the Kaplan-Meier of the censoring
    distribution (per ``cens_strata`` level); Newton-Raphson from 0 with step halving,
    stopping at crr's rule (gradient below 1e-6 relative, at most 10 iterations); the
    sandwich variance of Fine & Gray (1999), which includes the variability of the
    censoring weights. The same model fitted by R's ``finegray()`` + ``coxph(weights =
    fgwt, ties = "breslow")`` gives the same coefficients (to crr's convergence tolerance)
    and log-likelihood when times are untied (pinned in the tests); on whole-month times
    (``mgus2``) the two R routes differ by up to 0.4% in the coefficients and this
    function follows crr. ``finegray(... + strata(g))`` is not crr's ``cengroup``: it
    keeps a competing event in the risk set only within intervals holding a failure of
    its own stratum, which suits a stratified model ``coxph(... + strata(g))``; here
    ``cens_strata`` is crr's (one baseline, censoring estimated per group, a group's
    competing events weighted 0 after the group's last time). Times that differ by
    floating-point noise are first merged (R's ``aeqSurv``), as everywhere in the
    package.

    References
    ----------
    Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing
    risk. JASA 1999;94:496-509.

    Examples
    --------
    >>> import pandas as pd
    >>> from lms_prognosis.simulate import simulate_cohort
    >>> df = simulate_cohort(300, seed=7, competing_risks=True).data
    >>> fit_fine_gray(df, ["age", "grade"])
    FineGrayResult (cause 1): n=300, events=95, competing=33
    Wald test 24.60 on 3 df, p < 0.001
        term     SHR (95% CI)         p
         age 1.02 (1.00–1.03) p = 0.048
    grade[2] 2.10 (0.96–4.61) p = 0.065
    grade[3] 4.14 (1.97–8.69) p < 0.001

    Age raises the hazard of other-cause death, so older patients have fewer chances to
    die of the cause: its subdistribution HR (1.016 per year) is below the cause-specific HR
    of :func:`~lms_prognosis.fit_cause_specific` (1.019).
    """
    if is_imputed(df):  # lp.impute(...): one fit per completed data set, pooled (cox/pool.py)
        kw = dict(time=time, event=event, cause=cause, cens_strata=cens_strata)
        return pool_imputed(df, fit_fine_gray, covariates, conf_level=conf_level, **kw)
    covs = _as_list(covariates)
    cstrata = _as_list(cens_strata) or None
    if cause not in (1, 2):
        raise CoxError(f"cause must be 1 or 2 (the event codes), got {cause!r}")
    if not covs:
        raise CoxError("no covariates given: name at least one column")
    if not 0 < conf_level < 1:
        raise CoxError(f"conf_level must be between 0 and 1, got {conf_level}")
    sd = survival_data(df, time, event, covariates=covs, strata=cstrata)
    if not sd.dropped.empty:
        warnings.warn(
            f"{sd.dropped['row'].nunique()} of {sd.n_input} rows dropped for missing values "
            f"(see .dropped)",
            CoxWarning,
            stacklevel=2,
        )
    status = np.where(sd.event == cause, 1, np.where(sd.event == 0, 0, 2)).astype(np.int8)
    n_events = int(np.count_nonzero(status == 1))
    if n_events == 0:
        raise CoxError(
            f"no events with code {cause} in {event!r} among the complete cases: the "
            f"Fine-Gray model of cause {cause} cannot be fitted; check cause="
        )
    if not np.any(status == 2):
        warnings.warn(
            "no competing events: the Fine-Gray model is a Cox model (Breslow ties)",
            CoxWarning,
            stacklevel=2,
        )
    design = design_matrix(sd.frame, covs, stacklevel=3)
    cd = _fg.crr_data(sd.time, status, design.x, _group_codes(sd.frame, cstrata))
    sol = _fg.solve(cd)
    if not sol.converged:
        warnings.warn(
            "Fine-Gray fit did not converge (crr: converged = FALSE); check for separation "
            "or very few events",
            ConvergenceWarning,
            stacklevel=2,
        )
    info, middle = _fg.sandwich(cd, sol.beta)
    inv = np.linalg.inv(info)
    return FineGrayResult(
        covariates=design.covariates,
        time=time,
        event=event,
        cause=cause,
        cens_strata=cstrata,
        conf_level=conf_level,
        n=sd.n,
        n_events=n_events,
        n_competing=int(np.count_nonzero(status == 2)),
        dropped=sd.dropped,
        converged=sol.converged,
        iterations=sol.iterations,
        _design=design,
        _beta=sol.beta,
        _var=inv @ middle @ inv.T,
        _info=info,
        _loglik=(-sol.f_null, -sol.f),
        _cd=cd,
    )


def _group_codes(frame: pd.DataFrame, cols: list[str] | None) -> np.ndarray | None:
    if not cols:
        return None
    keys = strata_keys(frame, cols)
    lookup = {k: i for i, k in enumerate(strata_order(frame, cols, keys))}
    return np.fromiter((lookup[k] for k in keys), dtype=np.int64, count=len(keys))
