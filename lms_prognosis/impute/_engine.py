"""The chained equations: coding columns for statsmodels' ``MICEData`` and running one chain.

Every covariate is coded as a number for the engine and decoded back afterwards: a numeric
column as it is, a boolean as 0/1, a categorical (or text) column as the position of its
category. As a *predictor* a category with more than two levels enters as dummies
(``C(...)``), as in mice; as a *target* every variable is imputed by predictive mean matching
(PMM), so an imputed value is always a value observed in another patient: booleans and
categories stay in their categories and numbers in their observed range.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ColumnCode", "code_columns", "encode", "decode_into", "run_chain"]


@dataclass(frozen=True)
class ColumnCode:
    """How one covariate is coded for the engine."""

    name: str  # the caller's column
    alias: str  # the engine's column name (a formula-safe identifier)
    kind: str  # "numeric", "bool" or "category"
    categories: tuple[Any, ...] = ()
    dtype: Any = None  # the caller's dtype, restored on decoding

    @property
    def levels(self) -> int:
        """Dummy columns as a predictor: categories - 1 for a category of 3+ levels, else 0."""
        return (
            len(self.categories) - 1 if self.kind == "category" and len(self.categories) > 2 else 0
        )


def _kind(col: pd.Series) -> str:
    if isinstance(col.dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_bool_dtype(col.dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(col.dtype):
        return "numeric"
    values = col.dropna()
    if len(values) and values.map(lambda v: isinstance(v, bool | np.bool_)).all():
        return "bool"
    return "category"


def code_columns(frame: pd.DataFrame, names: Sequence[str]) -> list[ColumnCode]:
    """The coding of each covariate, read from its dtype and observed values."""
    out = []
    for j, name in enumerate(names):
        col = frame[name]
        kind = _kind(col)
        cats: tuple[Any, ...] = ()
        if kind == "category":
            if isinstance(col.dtype, pd.CategoricalDtype):
                cats = tuple(col.cat.categories)
            else:
                cats = tuple(sorted(col.dropna().unique().tolist(), key=str))
        out.append(ColumnCode(str(name), f"v{j}", kind, cats, col.dtype))
    return out


def encode(frame: pd.DataFrame, codes: Sequence[ColumnCode]) -> pd.DataFrame:
    """The covariates as float columns named by alias (NaN = missing)."""
    data = {}
    for c in codes:
        col = frame[c.name]
        if c.kind == "category":
            lookup = {v: float(i) for i, v in enumerate(c.categories)}
            values = col.astype(object).map(lookup)
            unknown = values.isna() & col.notna()
            if unknown.any():
                raise ValueError(
                    f"{c.name!r} has value(s) {sorted(map(str, col[unknown].unique()))[:3]} "
                    f"not seen in the imputed data (categories {list(c.categories)})"
                )
            data[c.alias] = values.to_numpy(dtype=float)
        else:
            data[c.alias] = pd.to_numeric(col.astype(object), errors="coerce").to_numpy(dtype=float)
    return pd.DataFrame(data, index=frame.index)


def decode_into(frame: pd.DataFrame, coded: pd.DataFrame, codes: Sequence[ColumnCode]) -> None:
    """Write the coded columns back into ``frame`` (in place) in the caller's dtypes."""
    for c in codes:
        values = coded[c.alias].to_numpy()
        if c.kind == "numeric":
            frame[c.name] = values.astype(c.dtype) if c.dtype.kind in "iuf" else values
        elif c.kind == "bool":
            if isinstance(c.dtype, np.dtype) and c.dtype.kind == "b":
                frame[c.name] = values.astype(bool)
            elif isinstance(c.dtype, pd.BooleanDtype):
                frame[c.name] = pd.array(values.astype(bool), dtype="boolean")
            else:
                frame[c.name] = pd.Series(values.astype(bool), index=frame.index, dtype=object)
        elif isinstance(c.dtype, pd.CategoricalDtype):
            frame[c.name] = pd.Categorical.from_codes(values.astype(int), dtype=c.dtype)
        else:
            cats = np.asarray(c.categories, dtype=object)
            frame[c.name] = pd.Series(cats[values.astype(int)], index=frame.index, dtype=object)


class _LinearFit:
    """What statsmodels' engine needs of a fitted model: ``params`` and ``cov_params()``."""

    def __init__(self, params: np.ndarray, cov: np.ndarray) -> None:
        self.params = params
        self._cov = cov

    def cov_params(self) -> np.ndarray:
        return self._cov


class LinearModel:
    """Least squares as mice's ``.norm.draw`` fits it, for statsmodels' ``MICEData``.

    Normal equations with mice's ridge (X'X + 1e-5 diag(X'X), so collinear predictors do not
    break the fit), sigma^2 = RSS / (n - p). statsmodels' OLS computes two SVDs of the n x p
    design per update, which took 90% of the time at n = 10,000; X'X is p x p.
    """

    RIDGE = 1e-5  # mice's default ridge

    def __init__(self, endog: np.ndarray, exog: np.ndarray) -> None:
        self.endog = np.asarray(endog, dtype=float).ravel()
        self.exog = np.asarray(exog, dtype=float)

    def fit(self) -> _LinearFit:
        x, y = self.exog, self.endog
        xtx = x.T @ x
        xtx[np.diag_indices_from(xtx)] *= 1.0 + self.RIDGE
        inv = np.linalg.pinv(xtx, hermitian=True)
        beta = inv @ (x.T @ y)
        resid = y - x @ beta
        sigma2 = float(resid @ resid) / max(len(y) - x.shape[1], 1)
        return _LinearFit(beta, sigma2 * inv)

    def predict(self, params: np.ndarray, exog: np.ndarray) -> np.ndarray:
        return np.asarray(exog, dtype=float) @ params


@functools.cache
def _engine() -> tuple[Any, Any]:
    """The engine class and statsmodels' SingularMatrixWarning, imported on first use (importing
    statsmodels takes most of a second; ``import lms_prognosis.cox`` should not pay it)."""
    from statsmodels.imputation.mice import MICEData
    from statsmodels.tools.sm_exceptions import SingularMatrixWarning

    class _MICEData(MICEData):
        """statsmodels' ``MICEData`` with the design matrices built by numpy, not by formulas.

        The engine's own ``get_fitting_data`` / ``get_split_data`` rebuild a patsy design from a
        formula at every step; that took 80% of the time. Here the design of each target is its
        intercept, the other covariates (dummies for a category of 3+ levels, coded as
        :class:`ColumnCode` says) and the outcome predictors. Parameter draws, predictive mean
        matching, the cycle and the history stay the engine's.
        """

        def setup(self, codes: Sequence[ColumnCode], outcome: Sequence[str]) -> None:
            self._codes = list(codes)
            self._outcome = list(outcome)

        def _exog(self, vname: str) -> np.ndarray:
            cols = [np.ones(len(self.data))]
            for c in self._codes:
                if c.alias == vname:
                    continue
                v = self.data[c.alias].to_numpy(dtype=float)
                if c.levels:  # dummies of the levels present (a level never seen is no column)
                    dummies = [(v == k).astype(float) for k in range(1, c.levels + 1)]
                    cols.extend(d for d in dummies if d.any())
                else:
                    cols.append(v)
            cols.extend(self.data[o].to_numpy(dtype=float) for o in self._outcome)
            return np.column_stack(cols)

        def get_fitting_data(self, vname: str) -> tuple[np.ndarray, np.ndarray, dict, dict]:
            ix = self.ix_obs[vname]
            endog = self.data[vname].to_numpy(dtype=float)[ix]
            return endog, self._exog(vname)[ix], {}, {}

        def get_split_data(self, vname: str) -> tuple[Any, ...]:
            exog = self._exog(vname)
            endog = self.data[vname].to_numpy(dtype=float)[self.ix_obs[vname]]
            return endog, exog[self.ix_obs[vname]], exog[self.ix_miss[vname]], {}, {}

        def impute_pmm(self, vname: str) -> None:
            """Predictive mean matching with mice's type-1 matching.

            statsmodels predicts the observed AND the missing cases with the drawn parameters
            (type-2 matching), which understates the between-imputation variance (van Buuren
            2018, section 3.4.2; here the pooled SE of a 60%-missing binary covariate was a
            third too small). mice predicts the observed cases with the estimates and the
            missing ones with the draw; so do we. Donors: one of the ``k_pmm`` nearest.
            """
            endog, exog_obs, exog_miss, _, _ = self.get_split_data(vname)
            fitted = exog_obs @ np.asarray(self.results[vname].params)
            wanted = exog_miss @ np.asarray(self.params[vname])
            self._store_changes(vname, pmm_draw(endog, fitted, wanted, self.k_pmm, self.rng))

    return _MICEData, SingularMatrixWarning


def pmm_draw(
    observed: np.ndarray,
    fitted: np.ndarray,
    wanted: np.ndarray,
    k: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """For each ``wanted`` prediction, the observed value of one of the ``k`` donors whose
    ``fitted`` prediction is nearest (chosen at random).

    Examples
    --------
    >>> pmm_draw(np.array([1.0, 2, 3, 4]), np.array([1.0, 2, 3, 4]), np.array([3.9]), 1,
    ...          np.random.default_rng(0)).tolist()
    [4.0]
    """
    order = np.argsort(fitted, kind="stable")
    fitted, observed = fitted[order], observed[order]
    k = min(k, fitted.size)
    pos = np.searchsorted(fitted, wanted)
    window = pos[:, None] + np.arange(-k, k)[None, :]
    outside = (window < 0) | (window >= fitted.size)
    window = np.clip(window, 0, fitted.size - 1)
    dist = np.abs(fitted[window] - wanted[:, None])
    dist[outside] = np.inf
    nearest = np.argsort(dist, axis=1, kind="stable")[:, :k]
    pick = nearest[np.arange(len(wanted)), rng.integers(0, k, len(wanted))]
    return observed[window[np.arange(len(wanted)), pick]]


def run_chain(
    coded: pd.DataFrame,
    codes: Sequence[ColumnCode],
    outcome: pd.DataFrame | None,
    n_iter: int,
    k_pmm: int,
    perturbation: str,
    seed: np.random.SeedSequence,
) -> tuple[pd.DataFrame, list[dict[str, tuple[float, float]]]]:
    """One chain of chained equations; the completed columns and, per iteration, the mean and
    SD of the imputed values of each variable (mice's ``chainMean`` / ``chainVar``).

    ``outcome`` holds the extra predictors of every imputation model (event indicators and
    Nelson-Aalen cumulative hazards) and is never imputed.
    """
    data = coded.reset_index(drop=True)
    out_cols: list[str] = []
    if outcome is not None:
        data = pd.concat([data, outcome.reset_index(drop=True)], axis=1)
        out_cols = list(outcome.columns)
    missing = {c.alias: np.flatnonzero(data[c.alias].isna().to_numpy()) for c in codes}
    engine_class, singular_warning = _engine()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # near-singular draws of a parameter
        warnings.simplefilter("ignore", singular_warning)  # collinear predictors: pinv
        engine = engine_class(
            data,
            perturbation_method=perturbation,
            k_pmm=k_pmm,
            history_callback=lambda md: {
                a: (float(md.data[a].iloc[ix].mean()), float(md.data[a].iloc[ix].std()))
                for a, ix in missing.items()
                if ix.size
            },
            rng=np.random.default_rng(seed),
        )
        engine.setup(codes, out_cols)
        for c in codes:
            engine.model_class[c.alias] = LinearModel
        for _ in range(n_iter):
            engine.update_all(1)
    done = engine.data[[c.alias for c in codes]]
    done.index = coded.index
    return done, list(engine.history)
