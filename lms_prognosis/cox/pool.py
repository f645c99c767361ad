"""Rubin's rules for fits on multiply imputed data sets, as R's ``mice::pool``.

:func:`pool` pools any list of fitted results that have a ``hazard_ratios`` table with
``term``, ``coef`` and ``se`` (Cox, Fine-Gray, cause-specific) into a :class:`PooledResult`;
``fit_cox(imputed, covariates)`` fits every completed data set of an
:class:`~lms_prognosis.impute.Imputed` and pools (:func:`pool_imputed`). The rules themselves
(one kernel for the package) are in ``lms_prognosis._rubin``: Barnard-Rubin degrees of
freedom with ``dfcom`` = events - coefficients, the value ``mice::pool`` uses for a
``coxph`` fit (``mice:::get.dfcom``: ``model$nevent - length(coef(model))``).

Scalar performance measures are pooled on a scale where they are closer to normal
(:func:`pool_scalar`): Harrell's C on the logit scale (Marshall et al. 2009), the
calibration slope as it is.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._distributions import t_ppf, t_sf
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._rubin import rubin
from lms_prognosis.cox._display import hr_display
from lms_prognosis.exceptions import DataWarning, ModelError
from lms_prognosis.impute.result import Imputed

__all__ = ["pool", "pool_scalar", "pool_imputed", "is_imputed", "PooledResult"]

_SCALES = ("identity", "logit", "log")


def is_imputed(data: Any) -> bool:
    """True for an :class:`~lms_prognosis.impute.Imputed` (multiply imputed data sets)."""
    return isinstance(data, Imputed)


@dataclass(repr=False, eq=False)
class PooledResult(Result):
    """Fits on m imputed data sets pooled by Rubin's rules (R ``mice::pool``).

    Attributes
    ----------
    fits : list
        The m fitted results, one per completed data set.
    m : int
        Number of imputations.
    dfcom : float
        Complete-data degrees of freedom of the Barnard-Rubin df (events - coefficients for a
        Cox model, as ``mice::pool``).
    conf_level : float
        Level of the t-based confidence intervals.
    n, n_events : int
        Rows and events of each data set.
    dropped : DataFrame
        Rows left out before imputation (missing time or event).
    hazard_ratios : DataFrame
        term, covariate, coef, se, hr, lower, upper, t, df, p, riv, lambda, fmi, ubar, b
        (``summary(pool(fit), conf.int = TRUE)`` columns and ``pool(fit)$pooled``).
    """

    fits: list[Any]
    m: int
    dfcom: float
    conf_level: float
    n: int
    n_events: int
    dropped: pd.DataFrame
    hazard_ratios: pd.DataFrame
    _imputed: Imputed | None = field(repr=False, default=None)
    _title: ClassVar[str] = "PooledResult"

    @property
    def table(self) -> pd.DataFrame:
        """Same as :attr:`hazard_ratios`."""
        return self.hazard_ratios

    @property
    def coef(self) -> pd.Series:
        """Pooled coefficients by term."""
        return pd.Series(
            self.hazard_ratios["coef"].to_numpy(), index=self.hazard_ratios["term"], name="coef"
        )

    @cached_property
    def concordance(self) -> pd.DataFrame:
        """Harrell's C pooled on the logit scale (Marshall 2009): one row of
        :func:`pool_scalar`."""
        c = np.array([f.concordance for f in self.fits], dtype=float)
        se = np.array([f.concordance_se for f in self.fits], dtype=float)
        return pool_scalar(c, se, scale="logit", conf_level=self.conf_level)

    def predict_survival(
        self, newdata: pd.DataFrame, times: Sequence[float] | float, seed: int = 1
    ) -> pd.DataFrame:
        """Survival of new patients averaged over the m fits, missing covariates imputed.

        Each new patient's missing covariates are imputed once per data set
        (:meth:`Imputed.complete_new`, an imputation model without the outcome); fit l
        predicts from completed copy l and the m survival probabilities are averaged (Wood et
        al. 2015; Hoogland et al. 2020). A patient with no missing covariate gets the average
        of the m fits' predictions.

        Returns
        -------
        DataFrame
            patient (newdata's index), time, surv (mean over imputations), surv_min,
            surv_max (range over imputations), n_imputed (covariates imputed for the patient).

        References
        ----------
        Wood AM, Royston P, White IR. The estimation and use of predictions for the
        assessment of model performance using large samples with multiply imputed data.
        Biom J 2015;57:614-32.
        Hoogland J et al. Handling missing predictor values when validating and applying a
        prediction model to new patients. Stat Med 2020;39:3591-607.
        """
        if self._imputed is None:
            raise ModelError(
                "predict_survival needs the imputations: fit with lp.fit_cox(imputed, ...)"
            )
        completed = self._imputed.complete_new(newdata, seed=seed)
        preds = [
            fit.predict_survival(d, times)[["patient", "time", "surv"]]
            for fit, d in zip(self.fits, completed, strict=True)
        ]
        long = pd.concat(preds, ignore_index=True)
        out = long.groupby(["patient", "time"], sort=False)["surv"].agg(
            surv="mean", surv_min="min", surv_max="max"
        )
        out = out.reset_index()
        covs = [c for c in self._imputed.covariates if c in newdata.columns]
        n_imp = newdata[covs].isna().sum(axis=1)
        out["n_imputed"] = out["patient"].map(n_imp).astype(int)
        return out

    def _heading(self) -> str:
        return (
            f"PooledResult: {self.m} imputations pooled by Rubin's rules (Barnard-Rubin df, "
            f"dfcom={self.dfcom:g}): n={self.n}, events={self.n_events}"
        )

    def _display_frame(self) -> pd.DataFrame:
        t = self.hazard_ratios
        out = hr_display(t, self.conf_level)
        return out.assign(df=t["df"].round(1).to_numpy(), fmi=t["fmi"].round(3).to_numpy())


def pool(
    results: Sequence[Any], dfcom: float | None = None, conf_level: float = 0.95
) -> PooledResult:
    """Pool fits on m imputed data sets by Rubin's rules, as R ``mice::pool``.

    Parameters
    ----------
    results : list of fitted results
        One per completed data set (m >= 2), each with a ``hazard_ratios`` table of term,
        coef and se, the same terms in each (a ``CoxResult``, a Fine-Gray or cause-specific
        fit).
    dfcom : float, optional
        Complete-data degrees of freedom. Default, as ``mice::pool`` for ``coxph``: the
        number of events minus the number of coefficients (``n_events`` of the first fit);
        infinite when the fits have no ``n_events``.
    conf_level : float
        Level of the t-based confidence intervals.

    Returns
    -------
    PooledResult

    Notes
    -----
    Rubin's rules with Barnard & Rubin's (1999) degrees of freedom: pooled coef qbar (mean),
    total variance t = ubar + (1 + 1/m) b, riv, lambda, fmi and df exactly as ``mice::pool``
    (mice 3.x); p = 2 P(T_df > |qbar / sqrt(t)|) and CI qbar +- t_df sqrt(t), as
    ``summary(pool(fit), conf.int = TRUE)``. Fits with robust SEs pool those (as mice).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import lms_prognosis as lp
    >>> c = lp.simulate_cohort(300, seed=4, missing={"aneuploidy": 0.4})
    >>> imp = lp.impute(c, m=5, seed=1, covariates=["grade", "aneuploidy", "age"])
    >>> fits = [lp.fit_cox(d, ["grade", "aneuploidy"]) for d in imp.datasets]
    >>> pooled = pool(fits)
    >>> pooled.dfcom == fits[0].n_events - 3
    True
    >>> list(pooled.hazard_ratios.columns[:8])
    ['term', 'covariate', 'coef', 'se', 'hr', 'lower', 'upper', 't']
    """
    fits = list(results)
    if len(fits) < 2:
        raise ModelError(f"pool needs fits on at least 2 imputed data sets, got {len(fits)}")
    tables = [_coef_table(f, i) for i, f in enumerate(fits)]
    terms = tables[0]["term"].tolist()
    for i, t in enumerate(tables[1:], start=2):
        if t["term"].tolist() != terms:
            raise ModelError(
                f"fit {i} has terms {t['term'].tolist()} but fit 1 has {terms}: every fit must "
                f"estimate the same terms (a factor level absent from one data set, or a term "
                f"dropped as constant, makes them differ); merge rare levels first"
            )
    n_events = getattr(fits[0], "n_events", None)
    if dfcom is None:
        dfcom = float(max(n_events - len(terms), 1)) if n_events is not None else np.inf
    table = _pooled_table(tables, float(dfcom), conf_level)
    return PooledResult(
        fits=fits,
        m=len(fits),
        dfcom=float(dfcom),
        conf_level=conf_level,
        n=int(getattr(fits[0], "n", 0)),
        n_events=int(n_events or 0),
        dropped=empty_dropped(),
        hazard_ratios=table,
    )


def _coef_table(fit: Any, i: int) -> pd.DataFrame:
    table = getattr(fit, "hazard_ratios", None)
    if not isinstance(table, pd.DataFrame) or not {"term", "coef", "se"} <= set(table.columns):
        raise ModelError(
            f"result {i + 1} ({type(fit).__name__}) has no hazard_ratios table with term, "
            f"coef and se: pool takes fitted models such as lp.fit_cox(...) results"
        )
    out = table[["term", "coef", "se"]].copy()
    out["covariate"] = table["covariate"] if "covariate" in table else table["term"]
    if "cause" in table:  # one model per cause: each cause's coefficients are their own terms
        out["term"] = "cause " + table["cause"].astype(str) + ": " + table["term"].astype(str)
    if "robust_se" in table:  # mice pools robust SEs when a fit has them
        out["se"] = table["robust_se"]
    return out


def _pooled_table(tables: list[pd.DataFrame], dfcom: float, conf_level: float) -> pd.DataFrame:
    q = np.stack([t["coef"].to_numpy(float) for t in tables])
    u = np.stack([t["se"].to_numpy(float) ** 2 for t in tables])
    r = rubin(q, u, dfcom)
    se = r["se"].to_numpy()
    tstat = r["estimate"].to_numpy() / se
    df = r["df"].to_numpy()
    crit = t_ppf(1 - (1 - conf_level) / 2, df)
    est = r["estimate"].to_numpy()
    return pd.DataFrame(
        {
            "term": tables[0]["term"].to_numpy(),
            "covariate": tables[0]["covariate"].to_numpy(),
            "coef": est,
            "se": se,
            "hr": np.exp(est),
            "lower": np.exp(est - crit * se),
            "upper": np.exp(est + crit * se),
            "t": tstat,
            "df": df,
            "p": 2 * t_sf(np.abs(tstat), df),
            "riv": r["riv"].to_numpy(),
            "lambda": r["lambda"].to_numpy(),
            "fmi": r["fmi"].to_numpy(),
            "ubar": r["ubar"].to_numpy(),
            "b": r["b"].to_numpy(),
        }
    )


def pool_scalar(
    estimates: Sequence[float] | np.ndarray,
    std_errors: Sequence[float] | np.ndarray,
    scale: str = "identity",
    dfcom: float = np.inf,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Pool one performance measure over m imputations by Rubin's rules on a chosen scale.

    Parameters
    ----------
    estimates, std_errors : sequence of float
        The measure and its standard error in each imputed data set.
    scale : {"identity", "logit", "log"}
        Scale of pooling: ``"logit"`` for a C statistic (Marshall et al. 2009), ``"identity"``
        for a calibration slope, ``"log"`` for a ratio. SEs are carried to the scale by the
        delta method; the estimate and CI are transformed back.
    dfcom : float
        Complete-data degrees of freedom (default infinite: a large-sample measure).
    conf_level : float
        Level of the t-based confidence interval.

    Returns
    -------
    DataFrame
        One row: estimate, lower, upper (original scale), scale, se (pooling scale), df, riv,
        lambda, fmi, m.

    References
    ----------
    Marshall A, Altman DG, Holder RL, Royston P. Combining estimates of interest in
    prognostic modelling studies after multiple imputation: current practice and guidelines.
    BMC Med Res Methodol 2009;9:57.

    Examples
    --------
    >>> pool_scalar([0.70, 0.72, 0.69], [0.02, 0.02, 0.021], scale="logit").round(3)
       estimate  lower  upper  scale     se      df    riv  lambda    fmi  m
    0     0.703  0.641  0.759  logit  0.129  10.743  0.759   0.431  0.514  3
    """
    est = np.asarray(estimates, dtype=float)
    se = np.asarray(std_errors, dtype=float)
    if scale not in _SCALES:
        raise ModelError(f"scale must be one of {list(_SCALES)}, got {scale!r}")
    if est.shape != se.shape or est.ndim != 1:
        raise ModelError("give one estimate and one standard error per imputed data set")
    fwd, back, deriv = _transform(scale)
    r = rubin(fwd(est)[:, None], (se * deriv(est))[:, None] ** 2, dfcom).iloc[0]
    crit = t_ppf(1 - (1 - conf_level) / 2, r["df"])
    return pd.DataFrame(
        {
            "estimate": [back(r["estimate"])],
            "lower": [back(r["estimate"] - crit * r["se"])],
            "upper": [back(r["estimate"] + crit * r["se"])],
            "scale": scale,
            "se": [r["se"]],
            "df": [r["df"]],
            "riv": [r["riv"]],
            "lambda": [r["lambda"]],
            "fmi": [r["fmi"]],
            "m": [int(r["m"])],
        }
    )


def _transform(scale: str) -> tuple[Callable[[Any], Any], ...]:
    if scale == "logit":
        return (
            lambda x: np.log(x / (1 - x)),
            lambda y: 1 / (1 + np.exp(-y)),
            lambda x: 1 / (x * (1 - x)),
        )
    if scale == "log":
        return np.log, np.exp, lambda x: 1 / x
    return (lambda x: x), (lambda y: y), (lambda x: np.ones_like(x))


def pool_imputed(imputed: Imputed, fit: Callable[..., Any], covariates: Any, **kwargs: Any) -> Any:
    """Fit ``fit(data, covariates, **kwargs)`` on each completed data set and pool.

    Warnings raised by the m fits are shown once each. The result's ``n`` and ``dropped``
    are those of the imputation (rows missing time or event). Returns a
    :class:`PooledResult` (typed ``Any`` so that a fitting function can dispatch here and
    keep its own return type for ordinary data).
    """
    fits = []
    seen: dict[tuple[str, type], warnings.WarningMessage] = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for data in imputed.datasets:
            fits.append(fit(data, covariates, **kwargs))
    for w in caught:
        seen.setdefault((str(w.message), w.category), w)
    for w in seen.values():
        warnings.warn(f"{w.message} (in the imputed data sets)", w.category, stacklevel=3)
    short = [f.n for f in fits if getattr(f, "n", imputed.n) < imputed.n]
    if short:
        warnings.warn(
            f"a fit left out rows of the imputed data ({imputed.n - min(short)} rows): a "
            f"covariate of the model was not in the imputation model "
            f"({imputed.covariates}); pass it to lp.impute(covariates=...)",
            DataWarning,
            stacklevel=3,
        )
    out = pool(fits, conf_level=kwargs.get("conf_level", 0.95))
    out.n = imputed.n
    out.dropped = imputed.dropped.copy()
    out._imputed = imputed
    return out
