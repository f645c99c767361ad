"""Design matrix and data checks for :mod:`lms_prognosis.cox.fit` (private).

Treatment contrasts with the first level as reference (R's default ``contr.treatment``);
booleans as True vs False; complete cases with the dropped rows reported; constant and
aliased columns dropped with a warning; the separation / monotone-likelihood warnings.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cox import engine as _engine
from lms_prognosis.exceptions import CoxError, CoxWarning


@dataclass
class _Term:
    covariate: str
    kind: str  # "numeric", "bool", "factor"
    levels: list[Any] = field(default_factory=list)  # factor: all levels, reference first
    names: list[str] = field(default_factory=list)  # term names (one per design column)


# ---------------------------------------------------------------------------------------------
# design matrix
# ---------------------------------------------------------------------------------------------

def _isna(s: pd.Series) -> np.ndarray:
    """Missing-value mask, with a fast path for numpy numeric columns."""
    if isinstance(s.dtype, np.dtype):
        if s.dtype.kind == "f":
            return np.isnan(s.to_numpy())
        if s.dtype.kind in "iub":
            return np.zeros(len(s), dtype=bool)
    return s.isna().to_numpy()


def _kind(s: pd.Series) -> str:
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiu":
        return "numeric"
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(s.dtype) \
            or pd.api.types.is_string_dtype(s.dtype):
        if pd.api.types.is_object_dtype(s.dtype):
            vals = s.dropna()
            if len(vals) and vals.map(type).eq(bool).all():
                return "bool"
        return "factor"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "numeric"
    raise CoxError(f"covariate {s.name!r} has unsupported dtype {s.dtype}; use numbers, "
                   "booleans or categories")


def _levels(s: pd.Series) -> list[Any]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(s.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def _design_columns(df: pd.DataFrame, terms: list[_Term]) -> list[np.ndarray]:
    """One float array per design column (treatment contrasts for factors)."""
    cols: list[np.ndarray] = []
    for term in terms:
        s = df[term.covariate]
        if term.kind == "numeric":
            cols.append(s.to_numpy(dtype=float, na_value=np.nan))
        elif term.kind == "bool":
            cols.append(s.astype("boolean").to_numpy(dtype=float, na_value=np.nan))
        else:
            if isinstance(s.dtype, pd.CategoricalDtype) and list(s.cat.categories) == \
                    list(term.levels):
                codes = s.cat.codes.to_numpy()
            else:
                values = s.astype(object)
                known = values.isin(term.levels).to_numpy() | values.isna().to_numpy()
                if not known.all():
                    bad = sorted({str(v) for v in values[~known]})
                    raise CoxError(f"{term.covariate}: level(s) {bad} were not in the fitted "
                                   f"data (levels {term.levels})")
                codes = pd.Categorical(values, categories=term.levels).codes
            for j in range(1, len(term.levels)):
                col = (codes == j).astype(float)
                col[codes < 0] = np.nan
                cols.append(col)
    return cols


def _design(df: pd.DataFrame, terms: list[_Term]) -> np.ndarray:
    cols = _design_columns(df, terms)
    if not cols:
        return np.zeros((len(df), 0))
    return np.column_stack(cols)


def _strata_order(df: pd.DataFrame, strata: list[str], keys: list[Any]) -> list[Any]:
    """Distinct strata in R's order: category order for a Categorical, else sorted."""
    pos = []
    for c in strata:
        lv = _levels(df[c])
        pos.append({v: i for i, v in enumerate(lv)})
    present = set(keys)
    if len(strata) == 1:
        return sorted(present, key=lambda k: pos[0][k])
    return sorted(present, key=lambda k: tuple(pos[i][v] for i, v in enumerate(k)))


def _strata_keys(df: pd.DataFrame, strata: list[str]) -> list[Any]:
    if len(strata) == 1:
        return df[strata[0]].tolist()
    return list(zip(*(df[c].tolist() for c in strata), strict=True))


def _dropped_table(df: pd.DataFrame, needed: list[str], miss: np.ndarray, bad: np.ndarray
                   ) -> pd.DataFrame:
    idx = np.flatnonzero(bad)
    which = [", ".join(c for c, m in zip(needed, miss[i], strict=True) if m) for i in idx]
    out = {"row": df.index[idx]}
    if "patient_id" in df.columns:
        out["patient_id"] = df["patient_id"].to_numpy()[idx]
    out["column"] = which
    out["reason"] = [f"missing value in {w} (complete-case analysis)" for w in which]
    return pd.DataFrame(out)


def _make_terms(data: pd.DataFrame, covs: list[str]) -> list[_Term]:
    terms = []
    for c in covs:
        kind = _kind(data[c])
        if kind == "factor":
            levels = _levels(data[c])
            present = set(data[c].astype(object).unique().tolist())
            unused = [lv for lv in levels if lv not in present]
            if unused:
                warnings.warn(f"{c}: level(s) {unused} have no patients among the complete "
                              f"cases and were left out", CoxWarning, stacklevel=3)
                levels = [lv for lv in levels if lv in present]
            names = [f"{c}[{lv}]" for lv in levels[1:]]
            terms.append(_Term(c, kind, levels, names))
        else:
            terms.append(_Term(c, kind, [], [c]))
    return terms


def _only_unit_values(c: np.ndarray) -> bool:
    lo, hi = c.min(), c.max()
    if lo < -1 or hi > 1:
        return False
    return bool(np.all((c == 0) | (c == 1) | (c == -1)))


def _drop_constant(terms: list[_Term], cols: list[np.ndarray]
                   ) -> tuple[list[_Term], list[np.ndarray]]:
    keep_terms, keep_cols = [], []
    j = 0
    n = len(cols[0]) if cols else 0
    for t in terms:
        k = len(t.names)
        block = cols[j:j + k]
        if k == 0 or all(c.min() == c.max() for c in block):
            value = t.levels[0] if t.kind == "factor" and t.levels else \
                (block[0][0] if k else "")
            warnings.warn(f"{t.covariate} is constant (= {value}) among the {n} complete "
                          f"cases and was dropped from the model", CoxWarning, stacklevel=3)
        else:
            keep_terms.append(t)
            keep_cols.extend(block)
        j += k
    return keep_terms, keep_cols


def _aliased_keep(names: list[str], xt: np.ndarray) -> list[int]:
    """Columns to keep: a column that is a linear combination of earlier ones is aliased."""
    gram = xt @ xt.T
    sd = np.sqrt(np.diag(gram))
    corr = gram / np.outer(sd, sd)
    try:
        if np.min(np.diag(np.linalg.cholesky(corr))) ** 2 > 1e-10:
            return list(range(len(names)))
    except np.linalg.LinAlgError:
        pass
    fac, _ = _engine.cholesky2(corr, 1e-10)
    return [i for i in range(len(names)) if fac[i, i] != 0]


def _drop_aliased(terms: list[_Term], names: list[str], keep: list[int],
                  warn: bool = True) -> tuple[list[_Term], list[str]]:
    bad = [nm for i, nm in enumerate(names) if i not in set(keep)]
    if warn:
        warnings.warn(f"{bad} are linear combinations of the other covariates (collinear) "
                      f"and were dropped (R gives them NA coefficients); remove the "
                      f"redundant covariate", CoxWarning, stacklevel=3)
    new_terms = []
    for t in terms:
        t2 = _Term(t.covariate, t.kind, list(t.levels), [n for n in t.names if n not in bad])
        if t2.names:
            if t.kind == "factor" and len(t2.names) < len(t.names):
                t2.levels = [t.levels[0]] + [lv for lv, nm in zip(t.levels[1:], t.names,
                                                                  strict=True)
                                             if nm not in bad]
            new_terms.append(t2)
    return new_terms, [names[i] for i in keep]


def _check_problems(nr: _engine.NRResult, terms: list[_Term], names: list[str],
                    cols: list[np.ndarray], ev: np.ndarray) -> None:
    if not nr.converged:
        warnings.warn(f"the Cox fit did not converge in {nr.iterations} iterations "
                      "(R: 'Ran out of iterations and did not converge'); check for "
                      "separation, rescale covariates or reduce the model",
                      CoxWarning, stacklevel=3)
    with np.errstate(invalid="ignore", over="ignore"):
        infs = np.abs(nr.u @ nr.var)
    if nr.converged:  # R coxph.fit's rule ("Loglik converged before variable ...")
        flagged = (infs > _engine.EPS) & (infs > _engine.TOLER_INF * np.abs(nr.beta))
    else:  # R checks nothing here; we flag a pending Newton step larger than the SE
        with np.errstate(invalid="ignore"):
            flagged = infs > np.sqrt(np.abs(np.diag(nr.var)))
    flagged |= ~np.isfinite(infs) | ~np.isfinite(nr.beta) | (np.diag(nr.var) == 0)
    # a factor level / boolean with no events is certain separation (beta -> -inf)
    term_of = {nm: t for t in terms for nm in t.names}
    for j, nm in enumerate(names):
        t = term_of[nm]
        if t.kind in ("factor", "bool"):
            in_level = cols[j] == 1
            if ev[in_level].sum() == 0 or ev[~in_level].sum() == 0:
                flagged[j] = True
    for j in np.flatnonzero(flagged):
        nm = names[j]
        t = term_of[nm]
        if t.kind in ("factor", "bool"):
            in_level = cols[j] == 1
            level = nm[len(t.covariate) + 1:-1] if t.kind == "factor" else "True"
            if ev[in_level].sum() == 0:
                msg = (f"{nm} has no events in level {level!r}: the hazard ratio is infinite "
                       f"(separation); merge levels or drop {t.covariate}")
            elif ev[~in_level].sum() == 0:
                msg = (f"{nm}: every event is in level {level!r}: the hazard ratio is "
                       f"infinite (separation); merge levels or drop {t.covariate}")
            else:
                msg = (f"{nm}: the coefficient is diverging (monotone likelihood), the hazard "
                       f"ratio may be infinite (separation); merge levels or drop "
                       f"{t.covariate}")
        else:
            msg = (f"{nm}: the coefficient is diverging (monotone likelihood, R: 'coefficient "
                   f"may be infinite'): the covariate (nearly) perfectly orders who has the event "
                   f"first; drop it, categorise it or check its coding ({t.covariate})")
        warnings.warn(msg, CoxWarning, stacklevel=3)


def _constant_within_strata(names: list[str], prep: _engine.Prepared, strata: list[str]
                            ) -> set[int]:
    """Columns with no variation inside any stratum: not estimable (R: NA), dropped."""
    starts = np.flatnonzero(np.r_[True, prep.stratum[1:] != prep.stratum[:-1]])
    out = set()
    for j, nm in enumerate(names):
        row = prep.xt[j]
        if np.all(np.maximum.reduceat(row, starts) == np.minimum.reduceat(row, starts)):
            warnings.warn(f"{nm} is constant within every stratum of {strata}: its effect "
                          f"cannot be estimated in a stratified model (R gives NA); it was "
                          f"dropped", CoxWarning, stacklevel=3)
            out.add(j)
    return out


def timefix(time: np.ndarray, desc_order: np.ndarray | None = None,
            tolerance: float = float(np.finfo(float).eps) ** 0.5) -> np.ndarray:
    """Merge times that differ only by rounding error, as R ``aeqSurv`` (``timefix = TRUE``).

    Distinct times closer than ``tolerance`` (absolutely, or relative to the mean absolute
    distinct time) are replaced by the smallest of their run, so that, e.g., 0.1 + 0.2 and
    0.3 form one tie as they do in R's ``coxph``. ``desc_order``, if given, sorts ``time``
    in descending order.
    """
    if desc_order is None:
        y = np.unique(time[np.isfinite(time)])
    else:  # the caller has sorted the times already (descending): no second sort
        ts = time[desc_order][::-1]
        y = ts[np.r_[True, ts[1:] != ts[:-1]]]
    if y.size < 2:
        return time
    dy = np.diff(y)
    tied = (dy <= tolerance) | (dy / np.mean(np.abs(y)) <= tolerance)
    if not tied.any():
        return time
    cuts = y[np.r_[True, ~tied]]
    return cuts[np.searchsorted(cuts, time, side="right") - 1]
