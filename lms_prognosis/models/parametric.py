"""Parametric accelerated failure time models, fitted by lifelines and reported as R ``survreg``.

:func:`fit_distribution` (behind :func:`lms_prognosis.models.fit_parametric`) checks its input with the package's one survival-input check
(``lms_prognosis._survdata.survival_data``), codes covariates with the Cox design builder
(:func:`lms_prognosis.cox.design.design_matrix`: treatment contrasts, first level the
reference, so factor terms are named ``grade[2]`` as in ``fit_cox``), fits the model with
lifelines' AFT fitters (``lms_prognosis.models._lifelines``) and reports it in ``survreg``'s
parametrisation: log T = intercept + x'beta + scale * W. Coefficients are on log time
(exp(coef) is a time ratio: > 1 means longer survival), ``scale`` is survreg's, and the
covariance matrix is over (intercept, coefficients, log(scale)), as ``vcov(survreg)``.
Checked against R in ``tests/reference/survreg.R`` (to 1e-5, survreg's own tolerance).

Survival predictions are closed forms of those parameters (``lms_prognosis.models._aft``) with
a delta-method CI; they are defined past the last follow-up, where they extrapolate the
model's shape, and say so with a :class:`~lms_prognosis.exceptions.DataWarning`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._distributions import norm_ppf, norm_sf
from lms_prognosis._format import format_number
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import survival_data
from lms_prognosis.cox.design import Design, design_matrix
from lms_prognosis.exceptions import DataWarning, ModelError
from lms_prognosis.models import _aft
from lms_prognosis.models._lifelines import DISTRIBUTIONS, fit_lifelines

__all__ = ["ParametricResult", "fit_distribution", "DISTRIBUTIONS", "PREDICT_COLUMNS"]

PREDICT_COLUMNS = ["patient", "time", "surv", "std_err", "lower", "upper", "cumhaz"]
_TABLE_COLUMNS = [
    "term",
    "coef",
    "se",
    "z",
    "p",
    "lower",
    "upper",
    "time_ratio",
    "time_ratio_lower",
    "time_ratio_upper",
]


@dataclass(repr=False, eq=False)
class ParametricResult(Result):
    """A parametric survival model in R ``survreg``'s parametrisation; see :func:`fit_parametric`.

    Attributes
    ----------
    table : DataFrame
        term, coef, se, z, p, lower, upper, time_ratio (exp(coef): > 1 longer survival) and
        its limits; terms ``(Intercept)``, the design terms, and ``Log(scale)`` (not for the
        exponential); the intercept and log(scale) have no time ratio (NaN).
    distribution : str
        "weibull", "lognormal", "loglogistic" or "exponential".
    scale : float
        survreg's scale (1 for the exponential). Weibull shape = 1 / scale.
    vcov : DataFrame
        Covariance of (intercept, coefficients, log(scale)), as R ``vcov(fit)``.
    loglik, aic : float
        Maximised log-likelihood of the times (R ``logLik``) and -2 loglik + 2 df.
    df : int
        Number of parameters.
    n, n_events : int
        Rows analysed and events (code 1; competing events count as censored).
    dropped : DataFrame
        Rows left out (row, column, value, reason).
    max_time : float
        The longest follow-up in the data: predictions past it extrapolate.
    selection : DataFrame or None
        The AIC table when the distribution was chosen with ``distribution="best"``.
    """

    _title: ClassVar[str] = "Parametric survival model"

    table: pd.DataFrame
    distribution: str
    scale: float
    vcov: pd.DataFrame
    loglik: float
    aic: float
    df: int
    covariates: list[str]
    time: str
    event: str
    conf_level: float
    n: int = 0
    n_events: int = 0
    max_time: float = float("nan")
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    selection: pd.DataFrame | None = None
    _design: Design | None = field(default=None, repr=False)
    _x: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)

    @property
    def coef(self) -> pd.Series:
        """survreg's coefficients on log time (intercept first), by term."""
        t = self.table[self.table["term"] != "Log(scale)"]
        return pd.Series(t["coef"].to_numpy(), index=t["term"].tolist(), name="coef")

    def _lp_and_design(self, newdata: Any) -> tuple[np.ndarray, np.ndarray]:
        frame = getattr(newdata, "data", newdata)
        if not isinstance(frame, pd.DataFrame):
            raise ModelError(
                f"newdata must be a pandas DataFrame or a Cohort, got {type(newdata).__name__}"
            )
        if self._design is None:
            x = np.ones((len(frame), 1))
        else:
            x = np.column_stack([np.ones(len(frame)), self._design.transform(frame)])
        return x @ self.coef.to_numpy(), x

    def predict_survival(
        self, newdata: Any, times: float | Sequence[float], conf_level: float | None = None
    ) -> pd.DataFrame:
        """Survival of new patients at ``times``, with a CI, from the fitted model.

        Parameters
        ----------
        newdata : DataFrame or Cohort
            One row per patient with the model covariates.
        times : float or sequence of float
            Times >= 0 (months). Past the longest follow-up the model extrapolates.
        conf_level : float, optional
            The fit's level by default.

        Returns
        -------
        DataFrame
            Long, as ``CoxResult.predict_survival``: patient (newdata's index), time, surv,
            std_err (of surv), lower, upper, cumhaz.

        Warns
        -----
        DataWarning
            Some times are past the longest follow-up of the data (extrapolation).

        Notes
        -----
        S(t | x) = S0(u), u = (log t - x'beta) / scale (R ``1 - psurvreg``). The CI is
        S0 at u -/+ z se(u), se(u) by the delta method from ``vcov`` (gradient -x / scale
        for beta and -u for log(scale)): it stays in [0, 1]; std_err = f0(u) se(u).

        Examples
        --------
        >>> df = pd.DataFrame({"time": [5.0, 8, 12, 20, 25, 30, 33, 41, 47, 52],
        ...                    "event": [1, 1, 0, 1, 1, 0, 1, 1, 0, 1]})
        >>> fit = fit_distribution(df, [], distribution="exponential")
        >>> fit.predict_survival(pd.DataFrame(index=[7]), [12, 24]).round(3)  # R: psurvreg
           patient  time   surv  std_err  lower  upper  cumhaz
        0        7  12.0  0.735    0.085  0.524  0.864   0.308
        1        7  24.0  0.540    0.126  0.275  0.746   0.615
        """
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if t.ndim != 1 or not np.isfinite(t).all() or (t < 0).any():
            raise ModelError(f"times must be finite and >= 0, got {np.asarray(times).tolist()}")
        level = self.conf_level if conf_level is None else float(conf_level)
        self._warn_extrapolation(t)
        lp, x = self._lp_and_design(newdata)
        index = getattr(newdata, "data", newdata).index
        v = self.vcov.to_numpy()
        z = norm_ppf(1.0 - (1.0 - level) / 2.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            u = (np.log(t)[None, :] - lp[:, None]) / self.scale  # (m, k)
            grads = [-x[:, :, None] / self.scale * np.ones_like(u)[:, None, :]]
            if self.distribution != "exponential":
                grads.append(-u[:, None, :])
            g = np.concatenate(grads, axis=1)  # (m, q, k)
            se_u = np.sqrt(np.einsum("iqk,qr,irk->ik", g, v, g))
            at0 = t[None, :] == 0
            surv = np.where(at0, 1.0, _aft.std_surv(u, self.distribution))
            std_err = np.where(at0, 0.0, _aft.std_density(u, self.distribution) * se_u)
            lower = np.where(at0, 1.0, _aft.std_surv(u + z * se_u, self.distribution))
            upper = np.where(at0, 1.0, _aft.std_surv(u - z * se_u, self.distribution))
        return pd.DataFrame(
            {
                "patient": np.repeat(np.asarray(index), len(t)),
                "time": np.tile(t, len(lp)),
                "surv": surv.ravel(),
                "std_err": std_err.ravel(),
                "lower": lower.ravel(),
                "upper": upper.ravel(),
                "cumhaz": -np.log(surv.ravel()),
            }
        )

    def predict_hazard(self, newdata: Any, times: float | Sequence[float]) -> pd.DataFrame:
        """Hazard h(t | x) of new patients at ``times`` > 0: patient, time, hazard.

        h(t) = f0(u) / (scale t S0(u)), u = (log t - x'beta) / scale. No warning is given
        here; past the longest follow-up (``max_time``) the hazard is extrapolated.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [5.0, 8, 12, 20, 25], "event": [1, 1, 0, 1, 1]})
        >>> fit = fit_distribution(df, [], distribution="exponential")
        >>> round(float(fit.predict_hazard(pd.DataFrame(index=[0]), [3.0])["hazard"][0]), 4)
        0.0571
        """
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if not np.isfinite(t).all() or (t <= 0).any():
            raise ModelError(f"times must be finite and > 0, got {np.asarray(times).tolist()}")
        lp, _ = self._lp_and_design(newdata)
        u = (np.log(t)[None, :] - lp[:, None]) / self.scale
        h = _aft.std_hazard(u, self.distribution) / (self.scale * t[None, :])
        index = getattr(newdata, "data", newdata).index
        return pd.DataFrame(
            {
                "patient": np.repeat(np.asarray(index), len(t)),
                "time": np.tile(t, len(lp)),
                "hazard": h.ravel(),
            }
        )

    def marginal_hazard(self, times: float | Sequence[float]) -> pd.DataFrame:
        """Hazard of the analysed cohort as a whole: sum_i f_i(t) / sum_i S_i(t).

        The population-averaged hazard, comparable with the smoothed Kaplan-Meier hazard
        (``kaplan_meier(df).smoothed_hazard()``) of the same rows. Returns time, hazard.

        Examples
        --------
        >>> df = pd.DataFrame({"time": [5.0, 8, 12, 20, 25], "event": [1, 1, 0, 1, 1]})
        >>> fit = fit_distribution(df, [], distribution="exponential")
        >>> round(float(fit.marginal_hazard([3.0])["hazard"][0]), 4)
        0.0571
        """
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if not np.isfinite(t).all() or (t <= 0).any():
            raise ModelError(f"times must be finite and > 0, got {np.asarray(times).tolist()}")
        lp = self._x @ self.coef.to_numpy()
        u = (np.log(t)[None, :] - lp[:, None]) / self.scale
        s = _aft.std_surv(u, self.distribution)
        f = _aft.std_density(u, self.distribution) / (self.scale * t[None, :])
        return pd.DataFrame({"time": t, "hazard": f.sum(axis=0) / s.sum(axis=0)})

    def _warn_extrapolation(self, t: np.ndarray) -> None:
        late = t[t > self.max_time]
        if len(late):
            warnings.warn(
                f"times {sorted(set(late.tolist()))} are past the longest follow-up "
                f"({self.max_time:g}); survival there is extrapolated by the "
                f"{self.distribution} model's shape, not observed; report it as such",
                DataWarning,
                stacklevel=3,
            )

    def _heading(self) -> str:
        return (
            f"Parametric survival model ({self.distribution}, R survreg parametrisation: "
            f"coefficients on log time, scale {format_number(self.scale, 3)})"
        )

    def _summary_lines(self) -> list[str]:
        return [
            f"n = {self.n}, events = {self.n_events}; log-likelihood "
            f"{format_number(self.loglik, 2)}, AIC {format_number(self.aic, 2)}"
        ]


def fit_distribution(
    df: Any,
    covariates: Sequence[str] | str = (),
    distribution: str = "weibull",
    time: str = "time",
    event: str = "event",
    conf_level: float = 0.95,
) -> ParametricResult:
    """Fit one distribution; :func:`lms_prognosis.models.fit_parametric` documents it all.

    Examples
    --------
    >>> df = pd.DataFrame({"time": [5.0, 8, 12, 20, 25], "event": [1, 1, 0, 1, 1]})
    >>> round(float(fit_distribution(df, [], "exponential").table["coef"][0]), 4)  # R: survreg
    2.8622
    """
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    if not 0 < conf_level < 1:
        raise ModelError(f"conf_level must be between 0 and 1, got {conf_level!r}")
    if distribution not in DISTRIBUTIONS:
        raise ModelError(
            f"distribution must be one of {[*DISTRIBUTIONS, 'best']}, got {distribution!r}"
        )
    sd = survival_data(df, time, event, covariates=covs)
    _check_times(sd.time, sd.index)
    status = sd.status(1)
    if status.sum() == 0:
        raise ModelError(f"no events (code 1) in {event!r} among the {sd.n} rows analysed")
    design = design_matrix(sd.frame, covs, stacklevel=3) if covs else None
    x = design.x if design is not None else np.zeros((sd.n, 0))
    terms = ["(Intercept)", *(design.names if design is not None else [])]
    ll_fit = _fit(sd.time, status, x, distribution, covs, terms)
    return _result(ll_fit, design, x, distribution, covs, sd, time, event, conf_level)


def _check_times(t: np.ndarray, index: pd.Index) -> None:
    zero = t <= 0
    if zero.any():
        rows = index[np.flatnonzero(zero)[:5]].tolist()
        raise ModelError(
            f"{int(zero.sum())} row(s) have time 0 (rows {rows}{' ...' if zero.sum() > 5 else ''}):"
            " a parametric model is on log time and cannot use them (R's survreg refuses them"
            " too). Leave them out, e.g. df[df['time'] > 0], or give them a small positive time"
            " and say so in the methods"
        )


def _fit(
    t: np.ndarray, status: np.ndarray, x: np.ndarray, dist: str, covs: list[str], terms: list[str]
) -> Any:
    from lifelines.exceptions import ConvergenceError

    try:
        fit = fit_lifelines(t, status, x, dist)
    except (ConvergenceError, np.linalg.LinAlgError) as err:
        raise ModelError(_not_converged(dist, covs, str(err).strip().splitlines()[:1])) from err
    se = np.sqrt(np.abs(np.diag(fit.vcov)))
    if not np.all(np.isfinite(fit.coef)) or not np.all(np.diag(fit.vcov) > 0):
        raise ModelError(_not_converged(dist, covs, ["the information matrix is singular"]))
    # a coefficient whose se dwarfs it: the likelihood is flat there (separation)
    runaway = [
        nm for nm, s_, c in zip(terms, se, fit.coef, strict=False) if s_ > 1e3 * max(1, abs(c))
    ]
    if runaway:
        raise ModelError(
            _not_converged(dist, covs, [f"the coefficient of {runaway} runs off to infinity"])
        )
    return fit


def _not_converged(dist: str, covs: list[str], why: list[str]) -> str:
    return (
        f"the {dist} model with covariates {covs} did not converge ({'; '.join(why)}). "
        "Look for a covariate level with no events or one that separates events from "
        "censorings (table the events by each factor), rescale covariates with large values, "
        "or try another distribution"
    )


def _result(
    fit: Any,
    design: Design | None,
    x: np.ndarray,
    distribution: str,
    covs: list[str],
    sd: Any,
    time: str,
    event: str,
    conf_level: float,
) -> ParametricResult:
    names = ["(Intercept)", *(design.names if design is not None else [])]
    if distribution != "exponential":
        names.append("Log(scale)")
    se = np.sqrt(np.diag(fit.vcov))
    zc = norm_ppf(1.0 - (1.0 - conf_level) / 2.0)
    coef = fit.coef
    lo, hi = coef - zc * se, coef + zc * se
    is_coef = np.array([nm not in ("(Intercept)", "Log(scale)") for nm in names])
    table = pd.DataFrame(
        {
            "term": names,
            "coef": coef,
            "se": se,
            "z": coef / se,
            "p": 2 * norm_sf(np.abs(coef / se)),
            "lower": lo,
            "upper": hi,
            "time_ratio": np.where(is_coef, np.exp(coef), np.nan),
            "time_ratio_lower": np.where(is_coef, np.exp(lo), np.nan),
            "time_ratio_upper": np.where(is_coef, np.exp(hi), np.nan),
        },
        columns=_TABLE_COLUMNS,
    )
    scale = 1.0 if distribution == "exponential" else float(np.exp(coef[-1]))
    return ParametricResult(
        table=table,
        distribution=distribution,
        scale=scale,
        vcov=pd.DataFrame(fit.vcov, index=names, columns=names),
        loglik=fit.loglik,
        aic=-2.0 * fit.loglik + 2.0 * len(names),
        df=len(names),
        covariates=list(design.covariates) if design is not None else [],
        time=time,
        event=event,
        conf_level=float(conf_level),
        n=sd.n,
        n_events=sd.n_events,
        max_time=float(sd.time.max()),
        dropped=sd.dropped,
        _design=design,
        _x=np.column_stack([np.ones(len(x)), x]),
    )
