"""Penalised Cox models (lasso, ridge, elastic net) on scikit-survival's coxnet solver.

``fit_cox(df, covariates, penalty=...)`` lands here (see :func:`fit_penalised`). The design
matrix is the package's one (:func:`lms_prognosis.cox.design.design_matrix`: treatment
contrasts, formula terms); the coefficients are scikit-survival's
``CoxnetSurvivalAnalysis`` (a port of glmnet's coordinate descent); the Breslow baseline
hazard is scikit-survival's ``BreslowEstimator``. Our own code here is only what glmnet does
around its solver and scikit-survival does not: standardising the columns as
``glmnet(standardize = TRUE)`` (so lambda means the same thing) and the cross-validated
partial likelihood of ``cv.glmnet`` (Verweij & van Houwelingen 1993), with seeded folds.

The module lives in ``cox/`` (not ``models/``) because ``fit_cox`` dispatches to it: a
``models`` module importing ``cox.design`` while ``cox.fit`` imports it would be an import
cycle. ``lms_prognosis.models`` re-exports its names.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._format import format_number
from lms_prognosis._results import Result, empty_dropped
from lms_prognosis._survdata import as_frame, survival_data
from lms_prognosis.cox.design import Design, design_matrix
from lms_prognosis.exceptions import CoxError

__all__ = ["PenalisedCoxResult", "fit_penalised", "PENALTIES", "RIDGE_L1_RATIO"]

#: penalty -> l1_ratio (None: the caller's l1_ratio)
PENALTIES: dict[str, float | None] = {"lasso": 1.0, "ridge": None, "elasticnet": None}
#: coxnet needs l1_ratio > 0; a ridge fit uses this (the L1 part changes the objective by at
#: most 1e-8 * lambda * ||beta||_1; equal to glmnet(alpha = 0) to 1e-8, tests/reference/glmnet.R)
RIDGE_L1_RATIO = 1e-8
#: glmnet's lambda_max for ridge: computed as for alpha = 0.001 (glmnet's own rule)
RIDGE_PATH_L1 = 1e-3
TOL = 1e-14  # coxnet's convergence tolerance (glmnet thresh)


def _cox_loglik(time: np.ndarray, event: np.ndarray, lp: np.ndarray) -> float:
    """Breslow log partial likelihood (the objective of coxnet and glmnet)."""
    order = np.argsort(-time, kind="stable")
    t, e, x = time[order], event[order], lp[order]
    m = x.max() if len(x) else 0.0
    csum = np.cumsum(np.exp(x - m))
    # risk set of time t: every row with time >= t (the last of a run of equal times)
    last = np.searchsorted(-t, -t, side="right") - 1
    return float(np.sum(e * (x - m - np.log(csum[last]))))


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(z, mean, sd) with glmnet's standardisation: sd with divisor n."""
    mean = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    return (x - mean) / sd, mean, sd


def _coxnet_path(
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    l1: float,
    alphas: np.ndarray,
    pad: bool = True,
) -> np.ndarray:
    """Coefficients (original scale), one row per alpha. Where coxnet stopped the path early
    (the fit saturated, as glmnet), the last fit is repeated (``pad``) or the rows are fewer."""
    from sksurv.linear_model import CoxnetSurvivalAnalysis
    from sksurv.util import Surv

    z, _, sd = _standardise(x)
    model = CoxnetSurvivalAnalysis(
        l1_ratio=l1, alphas=alphas, normalize=False, tol=TOL, max_iter=1_000_000
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="all coefficients are zero")
        model.fit(z, Surv.from_arrays(event.astype(bool), time))
    coef = np.asarray(model.coef_ / sd[:, None]).T
    if coef.shape[0] < len(alphas) and pad:  # coxnet (as glmnet) stops when the fit saturates
        coef = np.vstack([coef, np.repeat(coef[-1:], len(alphas) - coef.shape[0], axis=0)])
    return coef


def _alpha_grid(x: np.ndarray, time: np.ndarray, event: np.ndarray, l1: float, n: int) -> Any:
    """glmnet's lambda path: from lambda_max (all coefficients 0) down by ``alpha_min_ratio``."""
    from sksurv.linear_model import CoxnetSurvivalAnalysis
    from sksurv.util import Surv

    z, _, _ = _standardise(x)
    model = CoxnetSurvivalAnalysis(
        l1_ratio=max(l1, RIDGE_PATH_L1), n_alphas=n, normalize=False, max_iter=1000
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(z, Surv.from_arrays(event.astype(bool), time))
    return np.asarray(model.alphas_, dtype=float)


def cross_validate(
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    l1: float,
    alphas: np.ndarray,
    n_folds: int,
    seed: Any,
) -> pd.DataFrame:
    """cv.glmnet's grouped partial-likelihood deviance per alpha: alpha, deviance, se."""
    n = len(time)
    folds = np.random.default_rng(seed).permutation(np.arange(n) % n_folds)
    dev, w = [], []
    for k in range(n_folds):
        test = folds == k
        train = ~test
        if not event[train].any():
            continue
        coef = _coxnet_path(x[train], time[train], event[train], l1, alphas)
        cvpl = [
            _cox_loglik(time, event, x @ b) - _cox_loglik(time[train], event[train], x[train] @ b)
            for b in coef
        ]
        e_k = max(float(event[test].sum()), 1.0)
        dev.append(-2.0 * np.asarray(cvpl) / e_k)
        w.append(e_k)
    d, wt = np.asarray(dev), np.asarray(w)
    mean = (wt[:, None] * d).sum(axis=0) / wt.sum()
    var = (wt[:, None] * (d - mean) ** 2).sum(axis=0) / wt.sum() / max(len(wt) - 1, 1)
    return pd.DataFrame({"alpha": alphas, "deviance": mean, "se": np.sqrt(var)})


@dataclass(repr=False, eq=False)
class PenalisedCoxResult(Result):
    """A penalised Cox model; see :func:`fit_penalised` (``fit_cox(..., penalty=)``).

    Attributes
    ----------
    table : DataFrame
        term, coef (original scale), hr, coef_standardised (per SD of the design column,
        the scale the penalty acts on).
    penalty : str
        "lasso", "ridge" or "elasticnet".
    l1_ratio, alpha : float
        glmnet's ``alpha`` and ``lambda`` (see Notes of :func:`fit_penalised`).
    cv : DataFrame or None
        alpha, deviance (cross-validated partial-likelihood deviance per event), se,
        n_nonzero, selected; None when ``alpha`` was given.
    n, n_events, dropped
        Rows analysed, events, rows left out (row, column, value, reason).
    """

    table: pd.DataFrame
    penalty: str
    l1_ratio: float
    alpha: float
    covariates: list[str]
    time: str
    event: str
    cv: pd.DataFrame | None = None
    seed: Any = 1
    n_folds: int = 10
    rule: str = "min"
    n: int = 0
    n_events: int = 0
    dropped: pd.DataFrame = field(default_factory=empty_dropped)
    _design: Design | None = field(default=None, repr=False)
    _beta: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    _means: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    _base: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0), np.zeros(0)), repr=False
    )
    _given_alpha: float | None = field(default=None, repr=False)
    _title: ClassVar[str] = "Penalised Cox model"

    @property
    def coef(self) -> pd.Series:
        """Coefficients on the original scale of the design columns, by term."""
        return pd.Series(self._beta, index=list(self.table["term"]), name="coef")

    @property
    def hazard_ratios(self) -> pd.DataFrame:
        """As ``CoxResult.hazard_ratios``; se, CI, z and p are NaN (no valid inference after
        penalisation)."""
        na = np.full(len(self.table), np.nan)
        return pd.DataFrame(
            {"term": self.table["term"], "coef": self._beta, "se": na, "hr": np.exp(self._beta)}
            | {"lower": na, "upper": na, "z": na, "p": na}
        )

    def predict_risk(self, newdata: Any) -> pd.DataFrame:
        """Linear predictor (centred at the fitted means, as ``CoxResult``) and relative risk,
        indexed like ``newdata``; NaN where a covariate is missing."""
        frame = as_frame(newdata)
        if self._design is None:
            raise CoxError("this result has no design")
        lp = (self._design.transform(frame) - self._means) @ self._beta
        return pd.DataFrame({"linear_predictor": lp, "relative_risk": np.exp(lp)}, frame.index)

    def predict_survival(self, newdata: Any, times: Sequence[float] | float) -> pd.DataFrame:
        """Survival of new patients at ``times``: the contract of ``CoxResult.predict_survival``.

        Long table: patient (newdata's index), time, surv, std_err, lower, upper, cumhaz.
        S(t | x) = exp(-H0(t) exp(lp)) with the Breslow baseline at the penalised estimate
        (scikit-survival's ``BreslowEstimator``, glmnet's ``survfit.coxnet``); constant past
        the last event time. ``std_err``, ``lower`` and ``upper`` are NaN: a penalised
        estimate has no valid sampling variance (bootstrap the whole fit for intervals).
        """
        t = np.atleast_1d(np.asarray(times, dtype=float))
        if t.ndim != 1 or not np.isfinite(t).all() or (t < 0).any():
            raise CoxError("times must be finite and >= 0")
        lp = self.predict_risk(newdata)["linear_predictor"].to_numpy(float)
        bt, bh = self._base
        i = np.searchsorted(bt, t, side="right") - 1
        h0 = np.where(i >= 0, bh[np.maximum(i, 0)], 0.0)
        cumhaz = h0[None, :] * np.exp(lp)[:, None]
        na = np.full(cumhaz.size, np.nan)
        return pd.DataFrame(
            {
                "patient": np.repeat(np.asarray(as_frame(newdata).index), len(t)),
                "time": np.tile(t, len(lp)),
                "surv": np.exp(-cumhaz).ravel(),
                "std_err": na,
                "lower": na,
                "upper": na,
                "cumhaz": cumhaz.ravel(),
            }
        )

    def refit(self, data: Any) -> PenalisedCoxResult:
        """The same model refitted on ``data`` (alpha chosen again by cross-validation when it
        was chosen so; the same folds seed)."""
        return fit_penalised(
            data,
            self.covariates,
            self.time,
            self.event,
            penalty=self.penalty,
            l1_ratio=self.l1_ratio if self.penalty == "elasticnet" else None,
            alpha=self._given_alpha,
            n_folds=self.n_folds,
            seed=self.seed,
            rule=self.rule,
        )

    def _summary_lines(self) -> list[str]:
        how = (
            "given"
            if self.cv is None
            else f"{self.n_folds}-fold CV ({self.rule}), seed {self.seed}"
        )
        return [
            f"{self.penalty} (l1_ratio {format_number(self.l1_ratio, 3)}), alpha "
            f"{format_number(self.alpha, 4)} ({how}); n = {self.n}, events = {self.n_events}; "
            f"{int(np.sum(self._beta != 0))} of {len(self._beta)} coefficients non-zero"
        ]


def _l1_ratio(penalty: str, l1_ratio: float | None) -> float:
    if penalty not in PENALTIES:
        raise CoxError(
            f"penalty must be one of {list(PENALTIES)}, got {penalty!r}: e.g. "
            f"fit_cox(df, covariates, penalty='lasso')"
        )
    if penalty == "lasso":
        ok = l1_ratio is None or l1_ratio == 1
        l1 = 1.0
    elif penalty == "ridge":
        ok = l1_ratio is None or l1_ratio == 0
        l1 = RIDGE_L1_RATIO
    else:
        ok = l1_ratio is not None and 0 < l1_ratio < 1
        l1 = float(l1_ratio) if ok and l1_ratio is not None else 0.5
    if not ok:
        raise CoxError(
            f"penalty={penalty!r} with l1_ratio={l1_ratio!r}: lasso is l1_ratio 1, ridge 0; "
            f"for penalty='elasticnet' give 0 < l1_ratio < 1, e.g. l1_ratio=0.5"
        )
    return l1


def _choose(cv: pd.DataFrame, rule: str) -> float:
    best = int(np.nanargmin(cv["deviance"].to_numpy()))
    if rule == "min":
        return float(cv["alpha"].iloc[best])
    limit = cv["deviance"].iloc[best] + cv["se"].iloc[best]
    return float(cv.loc[cv["deviance"] <= limit, "alpha"].max())  # cv.glmnet lambda.1se


def fit_penalised(
    df: Any,
    covariates: Sequence[str] | str,
    time: str = "time",
    event: str = "event",
    *,
    penalty: str = "lasso",
    l1_ratio: float | None = None,
    alpha: float | None = None,
    n_folds: int = 10,
    seed: Any = 1,
    rule: str = "min",
    n_alphas: int = 100,
) -> PenalisedCoxResult:
    """Penalised Cox model, as R ``glmnet(family = "cox")`` / ``cv.glmnet``.

    Reached as ``fit_cox(df, covariates, penalty="lasso" | "ridge" | "elasticnet", ...)``.

    Parameters
    ----------
    df : DataFrame or Cohort
    covariates : list of str
        Columns or formula terms, coded as ``fit_cox`` codes them.
    time, event : str
        Follow-up (months) and event code (0 censored, 1 event, 2 competing, counted censored).
    penalty : {"lasso", "ridge", "elasticnet"}
    l1_ratio : float, optional
        glmnet's ``alpha``: the L1 share of the penalty; required (0 < l1_ratio < 1) for
        "elasticnet", implied (1, 0) for lasso and ridge.
    alpha : float, optional
        glmnet's ``lambda``. None (default): chosen by ``n_folds``-fold cross-validation.
    n_folds : int, default 10
        Folds (cv.glmnet's default), assigned at random from ``seed``.
    seed : int or SeedSequence, default 1
    rule : {"min", "1se"}
        The alpha with the smallest CV deviance (cv.glmnet ``lambda.min``) or the largest
        within one SE of it (``lambda.1se``).
    n_alphas : int, default 100
        Length of the alpha path searched by cross-validation.

    Returns
    -------
    PenalisedCoxResult
        ``.table``, ``.coef``, ``.alpha``, ``.cv``, ``.predict_risk``, ``.predict_survival``
        (same long table as ``CoxResult``; CIs NaN), ``.refit``.

    Raises
    ------
    CoxError
        Unknown penalty, an l1_ratio that contradicts it, no events, a bad ``alpha``,
        ``n_folds`` or ``rule``.

    Notes
    -----
    The objective is glmnet's: minimise -(1/n) log PL(beta) + alpha * (l1_ratio *
    ||beta||_1 + (1 - l1_ratio) / 2 * ||beta||_2^2), Breslow ties, on design columns
    standardised as ``glmnet(standardize = TRUE)`` (centred, divided by the SD with divisor
    n), coefficients reported on the original scale. So ``alpha`` here is glmnet's
    ``lambda`` and ``l1_ratio`` glmnet's ``alpha``: the coefficients equal
    ``coef(glmnet(x, Surv(time, event), family = "cox", alpha = l1_ratio, lambda = alpha))``
    to 1e-6 on data without tied times (``tests/reference/glmnet.R``). With tied event times
    glmnet's Fortran differs from the Breslow minimiser by about 1e-4 (our solution has the
    lower objective). Ridge uses l1_ratio 1e-8 (coxnet requires > 0). Cross-validation is
    cv.glmnet's grouped partial likelihood (deviance per event, weighted by events per fold).
    Complete cases; rows left out are in ``.dropped``. Strata, weights, clusters and
    counting-process data are not supported with a penalty.

    References
    ----------
    Simon N, Friedman J, Hastie T, Tibshirani R. Regularization paths for Cox's proportional
    hazards model via coordinate descent. J Stat Softw 2011;39(5):1-13.
    Verweij PJM, van Houwelingen HC. Cross-validation in survival analysis. Stat Med
    1993;12:2305-14.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> df = lp.load_synthetic().data
    >>> fit = fit_penalised(df, ["age", "size_cm", "grade"], penalty="lasso", alpha=0.05)
    >>> fit.table.round(4)
           term    coef      hr  coef_standardised
    0       age  0.0000  1.0000             0.0000
    1   size_cm  0.0097  1.0098             0.0601
    2  grade[2]  0.0000  1.0000             0.0000
    3  grade[3]  0.6320  1.8813             0.3157
    """
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    l1 = _l1_ratio(penalty, l1_ratio)
    if alpha is not None and not (np.isfinite(alpha) and alpha > 0):
        raise CoxError(f"alpha (glmnet's lambda) must be > 0, got {alpha!r}")
    if rule not in ("min", "1se") or int(n_folds) < 3:
        raise CoxError(f"rule must be 'min' or '1se' and n_folds >= 3, got {rule!r}, {n_folds!r}")
    sd = survival_data(df, time, event, covariates=covs)
    ev = sd.status(1).astype(np.int64)
    if ev.sum() == 0:
        raise CoxError("no events among the complete cases: a Cox model cannot be fitted")
    design = design_matrix(sd.frame, covs, stacklevel=3, knot_data=as_frame(df))
    x = np.ascontiguousarray(design.x)
    cv = None
    chosen = alpha
    grid = np.zeros(0)
    if chosen is None:
        grid = _alpha_grid(x, sd.time, ev, l1, int(n_alphas))
        cv = cross_validate(x, sd.time, ev, l1, grid, int(n_folds), seed)
        chosen = _choose(cv, rule)
        nz = (_coxnet_path(x, sd.time, ev, l1, grid) != 0).sum(axis=1)
        cv = cv.assign(n_nonzero=nz, selected=np.isclose(grid, chosen))
    # down the path from lambda_max with warm starts, as glmnet: one alpha fitted from 0
    # stops further from the optimum (1e-6 against glmnet instead of 1e-14)
    path = grid if alpha is None else _alpha_grid(x, sd.time, ev, l1, int(n_alphas))
    path = np.r_[path[path > chosen], chosen]
    coef = _coxnet_path(x, sd.time, ev, l1, path, pad=False)
    if coef.shape[0] < len(path):  # the path stopped early: fit the chosen alpha alone
        coef = _coxnet_path(x, sd.time, ev, l1, np.array([chosen]), pad=False)
    beta = coef[-1]
    from sksurv.linear_model.coxph import BreslowEstimator

    means = design.means
    base = BreslowEstimator().fit((x - means) @ beta, ev.astype(bool), sd.time)
    step = base.cum_baseline_hazard_
    _, _, scale = _standardise(x)
    table = pd.DataFrame(
        {
            "term": design.names,
            "coef": beta,
            "hr": np.exp(beta),
            "coef_standardised": beta * scale,
        }
    )
    return PenalisedCoxResult(
        table=table,
        penalty=penalty,
        l1_ratio=1.0 if penalty == "lasso" else (0.0 if penalty == "ridge" else l1),
        alpha=float(chosen),
        covariates=list(design.covariates),
        time=time,
        event=event,
        cv=cv,
        seed=seed,
        n_folds=int(n_folds),
        rule=rule,
        n=sd.n,
        n_events=int(ev.sum()),
        dropped=sd.dropped,
        _design=design,
        _beta=beta,
        _means=means,
        _base=(np.asarray(step.x, float), np.asarray(step.y, float)),
        _given_alpha=alpha,
    )


def fit_cox_penalised(
    df: Any, covariates: Sequence[str] | str, time: str, event: str, **options: Any
) -> Any:
    """``fit_cox(..., penalty=...)``: refuse the options a penalised fit does not support,
    then :func:`fit_penalised`. Returns a :class:`PenalisedCoxResult`."""
    unsupported = {k: options.pop(k, None) for k in ("strata", "weights", "cluster", "start")}
    given = [k for k, v in unsupported.items() if v is not None]
    options.pop("ties", None)  # always Breslow, as glmnet
    options.pop("conf_level", None)
    if given:
        raise CoxError(
            f"fit_cox(penalty=...) does not support {given}: fit the penalised model without "
            f"them, or drop penalty= for an unpenalised fit with {given[0]}="
        )
    if options.get("penalty") is None:
        raise CoxError(
            f"{sorted(k for k in options if k != 'penalty')} only apply with penalty='lasso', "
            f"'ridge' or 'elasticnet'"
        )
    return fit_penalised(df, covariates, time, event, **options)
