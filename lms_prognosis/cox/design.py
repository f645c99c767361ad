"""The design matrix of a Cox model: the one implementation for the whole package.

:func:`design_matrix` turns covariate columns into numeric design columns the way
``fit_cox`` does (and ``validate``'s bootstrap refits, which must code the data identically):

* numeric columns enter as they are; booleans as True vs False (1/0);
* categorical, text and mixed columns get treatment contrasts with the first level as the
  reference (R's default ``contr.treatment``): a Categorical's first category, else the
  sorted first value; the terms are named ``covariate[level]``;
* a covariate that is not a column is a formula term (:mod:`lms_prognosis.cox._terms`):
  ``"age:grade"``, ``"age*grade"``, ``"ns(size_cm, df=3)"``, ``"rcs(age, 4)"``, coded as R's
  ``model.matrix`` codes them, with spline knots fixed on the fitted data;
* a level with no patient is left out, a column that is constant is dropped, and a column that
  is a linear combination of the others (collinear, R gives it an NA coefficient) is dropped,
  each with a :class:`~lms_prognosis.exceptions.CoxWarning` naming it.

The :class:`Design` it returns codes new data the same way (:meth:`Design.transform`), so
predictions use the fitted levels and reference.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cox._design_stats import (
    aliased_keep,
    centred_gram,
    column_means,
    column_summary,
)
from lms_prognosis.cox._terms import (
    Composite,
    composite,
    parse_covariates,
    spec_label,
    variables,
)
from lms_prognosis.exceptions import CoxError, CoxWarning

__all__ = [
    "Term",
    "Design",
    "design_matrix",
    "design_columns",
    "make_terms",
    "build_terms",
    "term_variables",
    "strata_keys",
    "strata_order",
    "aliased_keep",
    "drop_aliased",
]


@dataclass
class Term:
    """One term of the model (a covariate, an interaction or a spline) and its design columns.

    ``covariate`` is the column for a plain covariate, else the term's label
    (``"age:grade"``, ``"ns(age, df=3)"``), whose coding is in ``composite``.
    """

    covariate: str
    kind: str  # "numeric", "bool", "factor", "spline", "interaction"
    levels: list[Any] = field(default_factory=list)  # factor: all levels, reference first
    names: list[str] = field(default_factory=list)  # term names (one per design column)
    composite: Composite | None = field(default=None, repr=False, compare=False)

    @property
    def variables(self) -> list[str]:
        """The data columns the term reads."""
        if self.composite is None:
            return [self.covariate]
        return list(dict.fromkeys(p.component.variable for p in self.composite.parts))


# ---------------------------------------------------------------------------------------------
# coding
# ---------------------------------------------------------------------------------------------


def _kind(s: pd.Series) -> str:
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "fiu":
        return "numeric"
    if pd.api.types.is_bool_dtype(s.dtype):
        return "bool"
    if (
        isinstance(s.dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(s.dtype)
        or pd.api.types.is_string_dtype(s.dtype)
    ):
        if pd.api.types.is_object_dtype(s.dtype):
            vals = s.dropna()
            if (
                len(vals)
                and isinstance(vals.iloc[0], (bool, np.bool_))
                and all(isinstance(v, (bool, np.bool_)) for v in vals)
            ):
                return "bool"
        return "factor"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "numeric"
    raise CoxError(
        f"covariate {s.name!r} has unsupported dtype {s.dtype}; use numbers, booleans or categories"
    )


def levels_of(s: pd.Series) -> list[Any]:
    """Levels in R's order: a Categorical's categories, else the sorted distinct values.

    Examples
    --------
    >>> levels_of(pd.Series(["R1", "R0", None, "R1"]))
    ['R0', 'R1']
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        return list(s.cat.categories)
    return sorted(s.dropna().unique().tolist(), key=lambda v: (str(type(v)), v))


def _factor_codes(s: pd.Series, term: Term) -> np.ndarray:
    if isinstance(s.dtype, pd.CategoricalDtype) and list(s.cat.categories) == list(term.levels):
        return np.asarray(s.cat.codes.to_numpy())
    values = s.astype(object)
    known = values.isin(term.levels).to_numpy() | values.isna().to_numpy()
    if not known.all():
        bad = sorted({str(v) for v in values[~known]})
        raise CoxError(
            f"{term.covariate}: level(s) {bad} were not in the fitted data (levels {term.levels})"
        )
    return np.asarray(pd.Categorical(values, categories=term.levels).codes)


def design_columns(
    df: pd.DataFrame | Mapping[str, pd.Series], terms: Sequence[Term]
) -> list[np.ndarray]:
    """One float array per design column (treatment contrasts for factors; NaN if missing).

    Examples
    --------
    >>> df = pd.DataFrame({"margin": ["R1", "R0", None]})
    >>> [c.tolist() for c in design_columns(df, make_terms(df, ["margin"]))]
    [[1.0, 0.0, nan]]
    """
    cols: list[np.ndarray] = []
    for term in terms:
        if term.composite is not None:
            block = term.composite.columns(df)
            if len(block) != len(term.names):
                pos = {nm: j for j, nm in enumerate(term.composite.full_names)}
                block = [block[pos[nm]] for nm in term.names]
            cols.extend(block)
            continue
        s = df[term.covariate]
        if term.kind == "numeric":
            if isinstance(s.dtype, np.dtype) and s.dtype == np.float64:
                cols.append(s.to_numpy())  # NaN is already NaN: no copy
            else:
                cols.append(s.to_numpy(dtype=float, na_value=np.nan))
        elif term.kind == "bool":
            cols.append(s.astype("boolean").to_numpy(dtype=float, na_value=np.nan))
        else:
            codes = _factor_codes(s, term)
            for j in range(1, len(term.levels)):
                col = (codes == j).astype(float)
                col[codes < 0] = np.nan
                cols.append(col)
    return cols


def make_terms(
    df: pd.DataFrame | Mapping[str, pd.Series], covariates: Sequence[str], stacklevel: int = 2
) -> list[Term]:
    """The terms of ``covariates`` in ``df``; factor levels absent from ``df`` are left out
    with a warning.

    Examples
    --------
    >>> make_terms(pd.DataFrame({"age": [50.0], "deep": [True]}), ["age", "deep"])[1]
    Term(covariate='deep', kind='bool', levels=[], names=['deep'])
    """
    terms = []
    for c in covariates:
        s = df[c]
        kind = _kind(s)
        if kind != "factor":
            terms.append(Term(c, kind, [], [c]))
            continue
        levels = levels_of(s)
        present = set(s.dropna().astype(object).unique().tolist())
        unused = [lv for lv in levels if lv not in present]
        if unused:
            warnings.warn(
                f"{c}: level(s) {unused} have no patients among the complete cases "
                f"and were left out",
                CoxWarning,
                stacklevel=stacklevel,
            )
            levels = [lv for lv in levels if lv in present]
        terms.append(Term(c, kind, levels, [f"{c}[{lv}]" for lv in levels[1:]]))
    return terms


def term_variables(covariates: Sequence[str], columns: pd.Index) -> list[str]:
    """The data columns that ``covariates`` (column names or formula terms) read: what to
    pass to ``survival_data(covariates=...)`` so rows missing any of them are left out.

    Examples
    --------
    >>> term_variables(["age*grade", "ns(size_cm, df=3)"], pd.Index(["age", "grade", "size_cm"]))
    ['age', 'grade', 'size_cm']
    """
    covs = list(covariates)
    if all(c in columns for c in covs):
        return covs
    return variables(parse_covariates(covs, columns))


def build_terms(
    df: pd.DataFrame | Mapping[str, pd.Series],
    covariates: Sequence[str],
    columns: pd.Index,
    knot_data: pd.DataFrame | Mapping[str, pd.Series] | None = None,
    stacklevel: int = 2,
) -> list[Term]:
    """The terms of ``covariates``, which may be formula terms (``"age:grade"``,
    ``"age*grade"``, ``"ns(age, df=3)"``, ``"rcs(age, 4)"``), in R's order.

    ``columns`` are the data's columns (a covariate naming one is that column); spline knots
    are placed on the non-missing values of ``knot_data`` (default ``df``).

    Examples
    --------
    >>> df = pd.DataFrame({"age": [50.0, 61, 70, 45], "grade": ["1", "2", "2", "1"]})
    >>> [t.names for t in build_terms(df, ["age*grade"], df.columns)]
    [['age'], ['grade[2]'], ['age:grade[2]']]
    """
    specs = parse_covariates(covariates, columns)
    margins = {frozenset(s) for s in specs}
    terms: list[Term] = []
    for spec in specs:
        if len(spec) == 1 and spec[0].spline is None:
            terms.extend(make_terms(df, [spec[0].variable], stacklevel + 1))
            continue
        comp = composite(
            spec, df, knot_data if knot_data is not None else df, margins, _kind, levels_of
        )
        kind = "spline" if len(spec) == 1 else "interaction"
        terms.append(Term(spec_label(spec), kind, [], list(comp.full_names), comp))
    return terms


# ---------------------------------------------------------------------------------------------
# the design
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Design:
    """Numeric design columns of a set of covariates (see :func:`design_matrix`).

    Attributes
    ----------
    columns : list of ndarray
        One float array per design column, in the caller's row order (a float64 column may
        be a view of the frame's data, not a copy).
    names : list of str
        Term names: ``covariate`` for numbers and booleans, ``covariate[level]`` for the
        non-reference levels of a factor.
    terms : list of Term
        The covariates kept, with their kind and levels (reference first).
    center : ndarray
        Column means over the complete rows (the engine centres on them).
    means : ndarray
        R's ``coxph()$means``: as ``center`` except that columns whose values are all in
        {-1, 0, 1} (dummies, booleans, 0/1 numbers) get 0, i.e. their reference value (R's
        ``nocenter = c(-1, 0, 1)``).
    """

    columns: list[np.ndarray]
    names: list[str]
    terms: list[Term]
    center: np.ndarray
    means: np.ndarray

    @cached_property
    def x(self) -> np.ndarray:
        """The (n, p) design matrix."""
        if not self.columns:
            return np.zeros((0, 0))
        return np.column_stack(self.columns)

    @property
    def covariates(self) -> list[str]:
        """The terms kept (a dropped constant or collinear covariate is not listed): column
        names, and labels such as ``"age:grade"`` or ``"ns(age, df=3)"`` for formula terms."""
        return [t.covariate for t in self.terms]

    @property
    def variables(self) -> list[str]:
        """The data columns the kept terms read."""
        return list(dict.fromkeys(v for t in self.terms for v in t.variables))

    @property
    def term_columns(self) -> list[tuple[str, list[int]]]:
        """(covariate, indices of its design columns) for each term."""
        out = []
        j = 0
        for t in self.terms:
            out.append((t.covariate, list(range(j, j + len(t.names)))))
            j += len(t.names)
        return out

    def select(self, keep: Sequence[int]) -> Design:
        """The design with only the columns ``keep`` (a term with none left goes)."""
        bad = {nm for i, nm in enumerate(self.names) if i not in set(keep)}
        idx = list(keep)
        return Design(
            columns=[self.columns[j] for j in idx],
            names=[self.names[j] for j in idx],
            terms=drop_term_columns(self.terms, bad),
            center=self.center[idx],
            means=self.means[idx],
        )

    def transform(self, newdata: pd.DataFrame) -> np.ndarray:
        """Code ``newdata`` as the fitted data: (m, p) matrix, NaN where a value is missing.

        Raises :class:`~lms_prognosis.exceptions.CoxError` for a level not seen in the
        fitted data or a covariate missing from ``newdata``.
        """
        if not isinstance(newdata, pd.DataFrame):
            raise CoxError("newdata must be a pandas DataFrame")
        missing = [v for v in self.variables if v not in newdata.columns]
        if missing:
            raise CoxError(f"newdata lacks the model covariate(s) {missing}")
        cols = design_columns(newdata, self.terms)
        return np.column_stack(cols) if cols else np.zeros((len(newdata), 0))


def design_matrix(
    df: pd.DataFrame,
    covariates: Sequence[str],
    *,
    drop_constant: bool = True,
    drop_collinear: bool = True,
    stacklevel: int = 2,
    knot_data: pd.DataFrame | None = None,
) -> Design:
    """Design matrix of ``covariates`` with treatment contrasts, as ``fit_cox`` builds it.

    Parameters
    ----------
    df : DataFrame
        The rows to analyse, normally the complete cases (``SurvData.frame`` of
        ``lms_prognosis._survdata.survival_data``). A row with a missing value gives NaN in
        its design row and is ignored by the checks below.
    covariates : sequence of str
        Columns of ``df``, or formula terms: ``"age:grade"``, ``"age*grade"``,
        ``"ns(size_cm, df=3)"``, ``"rcs(age, 4)"`` (see :mod:`lms_prognosis.cox._terms`).
    drop_constant : bool, default True
        Drop (with a CoxWarning) a covariate whose design columns are all constant.
    drop_collinear : bool, default True
        Drop (with a CoxWarning) design columns that are linear combinations of earlier ones
        (a pivot below 1e-10 in the Cholesky factor of their correlation matrix).
    stacklevel : int
        For the warnings (2 = the caller of this function).
    knot_data : DataFrame, optional
        Where spline knots are placed (its non-missing values of the variable; default
        ``df``). ``fit_cox`` passes the caller's whole frame, as R's ``model.frame``
        evaluates ``ns()`` and ``rcs()`` before leaving out incomplete rows.

    Returns
    -------
    Design
        ``.x`` (n, p), ``.names``, ``.terms``, ``.center``, ``.means``, ``.transform()``.

    Raises
    ------
    CoxError
        A column of an unsupported type, or no covariate left after dropping.

    Examples
    --------
    >>> df = pd.DataFrame({"age": [61.0, 45, 70, 52, 66], "grade": ["2", "1", "3", "2", "1"],
    ...                    "deep": [True, False, True, False, False]})
    >>> d = design_matrix(df, ["age", "grade", "deep"])
    >>> d.names
    ['age', 'grade[2]', 'grade[3]', 'deep']
    >>> d.x[0].tolist(), d.means.tolist()
    ([61.0, 1.0, 0.0, 1.0], [58.8, 0.0, 0.0, 0.0])
    >>> d.transform(pd.DataFrame({"age": [50.0], "grade": ["3"], "deep": [False]})).tolist()
    [[50.0, 0.0, 1.0, 0.0]]
    """
    covs = list(covariates)
    if len(set(covs)) != len(covs):
        raise CoxError(f"covariates listed twice: {covs}")
    if all(c in df.columns for c in covs):
        series = {c: df[c] for c in covs}  # one column lookup each
        terms = make_terms(series, covs, stacklevel + 1)
    else:
        terms = build_terms(df, covs, df.columns, knot_data, stacklevel + 1)
        series = {v: df[v] for t in terms for v in t.variables}
    cols = design_columns(series, terms)
    lo, hi, complete, means = column_summary(cols)  # one pass over the rows
    if drop_constant:
        terms, keep = _drop_constant(
            terms, lo, hi, int(len(df) if complete is None else complete.sum()), stacklevel + 1
        )
        cols, lo, hi = [cols[j] for j in keep], lo[keep], hi[keep]
        means = None if means is None else means[keep]
    center = column_means(cols, complete) if means is None else means
    if drop_collinear and len(cols) > 1:
        keep = aliased_keep(centred_gram(cols, center, complete))
        if len(keep) < len(cols):
            terms = _drop_aliased(terms, keep, stacklevel + 1)
            cols, lo, hi, center = [cols[j] for j in keep], lo[keep], hi[keep], center[keep]
    names = [nm for t in terms for nm in t.names]
    if not names:
        raise CoxError("no covariate left to fit (all were constant)")
    kinds = [t.kind for t in terms for _ in t.names]
    unit = [
        k in ("factor", "bool") or _only_unit_values(c, a, b, complete)
        for k, c, a, b in zip(kinds, cols, lo, hi, strict=True)
    ]
    return Design(
        columns=cols, names=names, terms=terms, center=center, means=np.where(unit, 0.0, center)
    )


# ---------------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------------


def _only_unit_values(c: np.ndarray, lo: float, hi: float, complete: np.ndarray | None) -> bool:
    """Every value is -1, 0 or 1 (given ``lo``, ``hi``: the column's range). A column of a
    row-major frame is strided: it is read once into a contiguous copy, then in [-1, 1] the
    values that round to themselves are exactly -1, 0 and 1."""
    if lo < -1 or hi > 1:
        return False
    v = np.ascontiguousarray(c if complete is None else c[complete])
    return bool(np.array_equal(np.rint(v), v))


def _drop_constant(
    terms: list[Term], lo: np.ndarray, hi: np.ndarray, n: int, stacklevel: int
) -> tuple[list[Term], list[int]]:
    """Terms whose design columns all have one value are dropped with a warning."""
    kept_terms: list[Term] = []
    keep: list[int] = []
    constant = (lo == hi).tolist()  # one comparison, then Python bools per term
    j = 0
    for t in terms:
        k = len(t.names)
        if k == 0 or all(constant[j : j + k]):
            value = t.levels[0] if t.kind == "factor" and t.levels else (lo[j] if k else "")
            warnings.warn(
                f"{t.covariate} is constant (= {value}) among the {n} complete "
                f"cases and was dropped from the model",
                CoxWarning,
                stacklevel=stacklevel,
            )
        else:
            kept_terms.append(t)
            keep.extend(range(j, j + k))
        j += k
    return kept_terms, keep


def drop_aliased(design: Design, gram: np.ndarray, stacklevel: int = 2) -> tuple[Design, list[int]]:
    """The design without the columns that are linear combinations of earlier ones, given
    the Gram matrix of its centred columns (in any row order), and the columns kept; the
    check ``design_matrix(drop_collinear=True)`` makes, for a caller that already holds the
    centred columns (``fit_cox``: the engine's sorted copy). Warns as ``design_matrix``.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, 2, 3, 5], "b": [2.0, 4, 6, 10], "c": [0.0, 1, 0, 1]})
    >>> d = design_matrix(df, ["a", "b", "c"], drop_collinear=False)
    >>> xc = d.x - d.center
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     kept, keep = drop_aliased(d, xc.T @ xc)
    >>> keep, kept.names, str(caught[0].message)[:40]
    ([0, 2], ['a', 'c'], "['b'] are linear combinations of the oth")
    """
    keep = aliased_keep(gram) if len(design.names) > 1 else list(range(len(design.names)))
    if len(keep) == len(design.names):
        return design, keep
    _drop_aliased(design.terms, keep, stacklevel + 1)
    return design.select(keep), keep


def _drop_aliased(terms: list[Term], keep: list[int], stacklevel: int) -> list[Term]:
    names = [nm for t in terms for nm in t.names]
    bad = [nm for i, nm in enumerate(names) if i not in set(keep)]
    warnings.warn(
        f"{bad} are linear combinations of the other covariates (collinear) and "
        f"were dropped (R gives them NA coefficients); remove the redundant "
        f"covariate",
        CoxWarning,
        stacklevel=stacklevel,
    )
    return drop_term_columns(terms, set(bad))


def drop_term_columns(terms: list[Term], bad: set[str]) -> list[Term]:
    """``terms`` without the design columns named in ``bad`` (a term with none left goes).

    Examples
    --------
    >>> t = Term("grade", "factor", ["1", "2", "3"], ["grade[2]", "grade[3]"])
    >>> drop_term_columns([t], {"grade[2]"})
    [Term(covariate='grade', kind='factor', levels=['1', '3'], names=['grade[3]'])]
    """
    new_terms = []
    for t in terms:
        t2 = Term(
            t.covariate, t.kind, list(t.levels), [n for n in t.names if n not in bad], t.composite
        )
        if t2.names:
            if t.kind == "factor" and len(t2.names) < len(t.names):
                t2.levels = [t.levels[0]] + [
                    lv for lv, nm in zip(t.levels[1:], t.names, strict=True) if nm not in bad
                ]
            new_terms.append(t2)
    return new_terms


# ---------------------------------------------------------------------------------------------
# strata
# ---------------------------------------------------------------------------------------------


def strata_keys(df: pd.DataFrame, strata: list[str]) -> list[Any]:
    """The stratum of each row: its value, or a tuple of values for several columns.

    Examples
    --------
    >>> strata_keys(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), ["a", "b"])
    [(1, 'x'), (2, 'y')]
    """
    if len(strata) == 1:
        return df[strata[0]].tolist()
    return list(zip(*(df[c].tolist() for c in strata), strict=True))


def strata_order(df: pd.DataFrame, strata: list[str], keys: list[Any]) -> list[Any]:
    """Distinct strata in R's order: category order for a Categorical, else sorted.

    Examples
    --------
    >>> df = pd.DataFrame({"site": pd.Categorical(["b", "a", "b"], categories=["b", "a"])})
    >>> strata_order(df, ["site"], strata_keys(df, ["site"]))
    ['b', 'a']
    """
    pos = [{v: i for i, v in enumerate(levels_of(df[c]))} for c in strata]
    present = set(keys)
    if len(strata) == 1:
        return sorted(present, key=lambda k: pos[0][k])
    return sorted(present, key=lambda k: tuple(pos[i][v] for i, v in enumerate(k)))
