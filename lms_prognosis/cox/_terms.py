"""Formula terms of a Cox model: interactions and spline terms (private to :mod:`lms_prognosis.cox`).

A covariate of ``fit_cox`` is a column name or a formula term, parsed by formulaic (the
operators ``:`` and ``*``; a call is then read with Python's ``ast``, never evaluated):

* ``"age:grade"`` -- the product of the two variables' design columns; ``"age*grade"`` --
  ``age + grade + age:grade``;
* ``"ns(size_cm, df=3)"`` / ``"ns(size_cm, knots=[2, 5, 8])"`` -- R's ``splines::ns``;
* ``"rcs(age, 4)"`` / ``"rcs(age, [40, 55, 65, 75])"`` -- ``rms::rcs``.

Terms are ordered as R's ``terms()`` orders them (by degree: main effects, then two-way
interactions, ...), each once. A factor inside an interaction is coded as R's
``model.matrix`` codes it: with treatment contrasts if the term without that factor is in the
model (the intercept counts for a main effect), otherwise with one column per level; the
first variable's columns vary fastest. The bases are those of :mod:`._splines`, with knots
fixed on the fitted data and reused for new data. Column names: ``age:grade[2]``,
``ns(age, df=3)[1]``, ``rcs(age, 4)[age']`` (R: ``age:grade2``, ``ns(age, df = 3)1``,
``rcs(age, 4)age'``).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._survdata import require_columns
from lms_prognosis.cox._splines import ns_basis, ns_formula, ns_knots, rcs_basis, rcs_knots
from lms_prognosis.exceptions import CoxError

__all__ = ["Component", "Part", "Composite", "parse_covariates", "spec_label", "variables"]

SPLINES = ("ns", "rcs")


@dataclass(frozen=True)
class Component:
    """One factor of a term: a variable, or a spline of one."""

    variable: str
    spline: str | None = None  # "ns" or "rcs"
    df: int | None = None
    knots: tuple[float, ...] | None = None

    @property
    def label(self) -> str:
        """``age``, ``ns(age, df=3)``, ``rcs(age, 4)``, ``ns(age, knots=[50, 60])``."""
        if self.spline is None:
            return self.variable
        if self.knots is not None:
            ks = ", ".join(f"{k:g}" for k in self.knots)
            return (
                f"ns({self.variable}, knots=[{ks}])"
                if self.spline == "ns"
                else (f"rcs({self.variable}, [{ks}])")
            )
        if self.spline == "ns":
            return f"ns({self.variable}, df={self.df})"
        return f"rcs({self.variable}, {self.df})"


Spec = tuple[Component, ...]


def spec_label(spec: Spec) -> str:
    """The term's name: its components' labels joined by ``:``.

    Examples
    --------
    >>> spec_label((Component("age"), Component("grade")))
    'age:grade'
    """
    return ":".join(c.label for c in spec)


def variables(specs: Sequence[Spec]) -> list[str]:
    """The data columns the terms use, in order of first use."""
    return list(dict.fromkeys(c.variable for s in specs for c in s))


def _literal(node: ast.expr, what: str, entry: str) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        raise CoxError(f"term {entry!r}: {what} must be a number or a list of numbers") from None


def _call(expr: str, entry: str) -> Component:
    """``ns(x, df=3)``, ``ns(x, knots=[...])``, ``rcs(x, 4)``, ``rcs(x, [...])``."""
    usage = "use ns(column, df=3), ns(column, knots=[...]), rcs(column, 4) or rcs(column, [...])"
    try:
        node = ast.parse(expr, mode="eval").body
    except SyntaxError:
        raise CoxError(f"term {entry!r}: cannot read {expr!r}; {usage}") from None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        raise CoxError(f"term {entry!r}: {expr!r} is not a column or a spline; {usage}")
    fn = node.func.id
    if fn not in SPLINES or not node.args:
        raise CoxError(f"term {entry!r}: {fn}() is not a known term function; {usage}")
    first = node.args[0]
    if isinstance(first, ast.Name):
        var = first.id
    elif isinstance(first, ast.Constant) and isinstance(first.value, str):
        var = first.value
    else:
        raise CoxError(f"term {entry!r}: the first argument of {fn}() must be a column name")
    kw = {k.arg: _literal(k.value, str(k.arg), entry) for k in node.keywords}
    extra = [_literal(a, "the second argument", entry) for a in node.args[1:]]
    arg = extra[0] if extra else kw.get("df" if fn == "ns" else "nk", kw.get("knots"))
    if len(extra) > 1 or set(kw) - {"df", "knots", "nk"}:
        raise CoxError(f"term {entry!r}: unexpected arguments to {fn}(); {usage}")
    if "knots" in kw and fn == "ns":
        arg = kw["knots"]
    if isinstance(arg, (list, tuple)):
        return Component(var, fn, None, tuple(float(k) for k in arg))
    if fn == "ns" and arg is None:
        arg = 1  # R: ns(x) has one column (df = 1)
    if not isinstance(arg, int) or isinstance(arg, bool) or arg < (1 if fn == "ns" else 3):
        need = "df >= 1" if fn == "ns" else "at least 3 knots"
        raise CoxError(f"term {entry!r}: {fn}() needs {need}, got {arg!r}")
    return Component(var, fn, arg, None)


@functools.lru_cache(maxsize=256)
def _formula_specs(entry: str) -> tuple[Spec, ...]:
    """The terms of one entry, parsed by formulaic (cached: refits parse the same strings)."""
    from formulaic import Formula  # import only when a term is more than a column
    from formulaic.errors import FormulaicError

    try:
        formula = Formula(entry)
    except (FormulaicError, ValueError, SyntaxError) as err:
        raise CoxError(
            f"covariate {entry!r} is neither a column nor a formula term "
            f"('age:grade', 'age*grade', 'ns(size_cm, df=3)', 'rcs(age, 4)'): {err}"
        ) from None
    specs = []
    for term in formula:
        comps = []
        for fac in term.factors:
            method = getattr(fac.eval_method, "value", str(fac.eval_method))
            if method == "literal":
                continue
            comps.append(Component(fac.expr) if method == "lookup" else _call(fac.expr, entry))
        if comps:
            specs.append(tuple(comps))
    return tuple(specs)


def _parse_entry(entry: str, columns: pd.Index) -> list[Spec]:
    specs = list(_formula_specs(entry))
    for spec in specs:
        plain = len(spec) == 1 and spec[0].spline is None and spec[0].variable == entry
        role = "covariate" if plain else f"term {entry!r}:"
        if any(c.variable not in columns for c in spec):
            require_columns(pd.DataFrame(columns=columns), [c.variable for c in spec], role)
    return specs


def parse_covariates(covariates: Sequence[str], columns: pd.Index) -> list[Spec]:
    """Terms of ``covariates``: a column of the data is itself; anything else is parsed
    as a formula term. Each term once, ordered by degree as R does.

    Examples
    --------
    >>> cols = pd.Index(["age", "grade", "size_cm"])
    >>> [spec_label(s) for s in parse_covariates(["age*grade", "ns(size_cm, df=3)"], cols)]
    ['age', 'grade', 'ns(size_cm, df=3)', 'age:grade']
    """
    specs: list[Spec] = []
    for entry in covariates:
        if entry in columns:
            specs.append((Component(entry),))
        else:
            specs.extend(_parse_entry(entry, columns))
    unique = list(dict.fromkeys(specs))
    keyed = list(dict.fromkeys(frozenset(s) for s in unique))
    if len(keyed) < len(unique):  # a:b and b:a are one term
        unique = [next(s for s in unique if frozenset(s) == k) for k in keyed]
    return sorted(unique, key=len)  # stable: R's order by degree


# ---------------------------------------------------------------------------------------------
# coding a term on the fitted data
# ---------------------------------------------------------------------------------------------


@dataclass
class Part:
    """A component fixed on the fitted data: its kind, levels or knots, and column names."""

    component: Component
    kind: str  # "numeric", "bool", "factor", "spline"
    levels: list[Any] = field(default_factory=list)  # factor: levels coded (reference first)
    full: bool = False  # factor: one column per level (no margin in the model)
    knots: tuple[np.ndarray, ...] = ()  # ns: (interior, boundary); rcs: (knots,)
    names: list[str] = field(default_factory=list)

    def block(self, s: pd.Series) -> list[np.ndarray]:
        """The component's design columns for the values ``s`` (NaN where missing)."""
        if self.kind in ("numeric", "spline"):
            x = s.to_numpy(dtype=float, na_value=np.nan)
            if self.kind == "numeric":
                return [x]
            c = self.component
            basis = ns_basis(x, *self.knots) if c.spline == "ns" else rcs_basis(x, *self.knots)
            return list(basis.T)
        if self.kind == "bool":
            return [s.astype("boolean").to_numpy(dtype=float, na_value=np.nan)]
        values = s.astype(object)
        known = values.isin(self.levels).to_numpy() | values.isna().to_numpy()
        if not known.all():
            bad = sorted({str(v) for v in values[~known]})
            raise CoxError(
                f"{self.component.variable}: level(s) {bad} were not in the fitted data "
                f"(levels {self.levels})"
            )
        codes = np.asarray(pd.Categorical(values, categories=self.levels).codes)
        out = []
        for j in range(0 if self.full else 1, len(self.levels)):
            col = (codes == j).astype(float)
            col[codes < 0] = np.nan
            out.append(col)
        return out

    def basis_formula(self) -> dict[str, Any]:
        """A spline part's basis as numbers another program can evaluate (JSON-ready):
        ``{"type": "rcs", "knots": [...]}`` (:func:`rcs_basis`) or ``{"type": "ns", ...}``
        (:func:`ns_formula`). Raises ``CoxError`` for a part that is not a spline."""
        if self.kind != "spline":
            raise CoxError(f"{self.component.label} is not a spline term")
        if self.component.spline == "rcs":
            return {"type": "rcs", "knots": [float(k) for k in self.knots[0]]}
        return {"type": "ns", **ns_formula(*self.knots)}


@dataclass
class Composite:
    """A term beyond a single column: an interaction of parts, or a spline (one part)."""

    parts: list[Part]
    full_names: list[str]

    def columns(self, df: pd.DataFrame | Mapping[str, pd.Series]) -> list[np.ndarray]:
        """All columns of the term (products of the parts' columns, the first fastest)."""
        cols: list[np.ndarray] = [np.ones(len(df[self.parts[0].component.variable]))]
        for part in self.parts:
            block = part.block(df[part.component.variable])
            cols = [b * c for b in block for c in cols]
        return cols


def _spline_part(comp: Component, s: pd.Series, knot_values: pd.Series, kind: str) -> Part:
    label = comp.label
    if kind != "numeric":
        raise CoxError(
            f"term {label!r}: {comp.variable!r} is not numeric ({s.dtype}); a spline needs a "
            f"continuous covariate"
        )
    x = knot_values.to_numpy(dtype=float, na_value=np.nan)
    distinct = np.unique(x[~np.isnan(x)])
    if distinct.size <= 2:
        raise CoxError(
            f"term {label!r}: {comp.variable!r} has only {distinct.size} distinct value(s) "
            f"{distinct.tolist()} (binary); a spline needs a continuous covariate: enter "
            f"{comp.variable!r} as it is"
        )
    try:
        if comp.spline == "ns":
            knots: tuple[np.ndarray, ...] = ns_knots(x, comp.df, comp.knots)
            ncol = knots[0].size + 1
            names = [f"{label}[{j}]" for j in range(1, ncol + 1)]
        else:
            k = np.unique(np.asarray(comp.knots)) if comp.knots else rcs_knots(x, comp.df or 5)
            if k.size < 3:
                raise ValueError("a restricted cubic spline needs at least 3 distinct knots")
            knots = (k,)
            names = [f"{label}[{comp.variable}{chr(39) * j}]" for j in range(k.size - 1)]
    except ValueError as err:
        raise CoxError(f"term {label!r}: {err}") from None
    return Part(comp, "spline", [], False, knots, names)


def composite(
    spec: Spec,
    df: pd.DataFrame | Mapping[str, pd.Series],
    knot_data: pd.DataFrame | Mapping[str, pd.Series],
    margins: set[frozenset[Component]],
    kind_of: Any,
    levels_of: Any,
) -> Composite:
    """Fix the parts of a term on the fitted data ``df`` (spline knots from ``knot_data``)."""
    parts = []
    for comp in spec:
        s = df[comp.variable]
        kind = kind_of(s)
        if comp.spline is not None:
            parts.append(_spline_part(comp, s, knot_data[comp.variable], kind))
        elif kind == "factor":
            present = set(s.dropna().astype(object).unique().tolist())
            levels = [lv for lv in levels_of(s) if lv in present]
            rest = frozenset(spec) - {comp}
            full = bool(rest) and rest not in margins
            shown = levels if full else levels[1:]
            parts.append(
                Part(comp, kind, levels, full, (), [f"{comp.variable}[{lv}]" for lv in shown])
            )
        else:
            parts.append(Part(comp, kind, [], False, (), [comp.variable]))
    names = [""]
    for part in parts:
        names = [f"{n}:{b}" if n else b for b in part.names for n in names]
    return Composite(parts, names)
