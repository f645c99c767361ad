"""The design coding of a fitted model as the calculator page reads it, and its form fields.

Private to :mod:`lms_prognosis.report.calculator`. Shared by the Cox, Fine-Gray and
cause-specific pages (all three code covariates with :func:`lms_prognosis.cox.design_matrix`):

* a numeric, boolean or factor term (treatment contrasts, reference first) as before;
* a spline term (``rcs(age, 4)``, ``ns(size_cm, df=3)``) with its basis as numbers: Harrell's
  knots for ``rcs`` (``rcspline.eval``, norm 2), or for ``ns`` the B-spline knot vector, the
  projection on the natural-spline constraints and the linear continuation beyond the
  boundary knots (``Part.basis_formula``), plus the basis columns the fit kept;
* an interaction term is refused with an :class:`~lms_prognosis.exceptions.ExportError`
  (the page has no product coding).

The design is read through the fitted model's private attribute ``_design`` (the public API
has no accessor for a term's knots).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from lms_prognosis.exceptions import ExportError
from lms_prognosis.report._calculator_fields import field

__all__ = ["design_terms", "design_fields", "term_labels"]

_SINGULAR = {"years": "year", "months": "month"}


def _spline(term: Any) -> dict[str, Any]:
    part = term.composite.parts[0]
    full = list(term.composite.full_names)
    return {
        "covariate": part.component.variable,
        "kind": "spline",
        "label": term.covariate,
        "levels": [],
        "columns": [full.index(nm) for nm in term.names],
        "basis": part.basis_formula(),
    }


def design_terms(design: Any) -> list[dict[str, Any]]:
    """One JSON-ready coding per term of ``design`` (the page's ``M.terms``).

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["rcs(age, 4)", "grade"])
    >>> [(t["covariate"], t["kind"]) for t in design_terms(fit._design)]
    [('age', 'spline'), ('grade', 'factor')]
    """
    out = []
    for t in design.terms:
        if t.kind == "spline":
            out.append(_spline(t))
        elif t.kind in ("numeric", "bool", "factor"):
            levels = [str(v) for v in t.levels]
            out.append({"covariate": t.covariate, "kind": t.kind, "levels": levels})
        else:
            raise ExportError(
                f"term {t.covariate!r} is an {t.kind} term, which the calculator page cannot "
                "code; refit without it (numeric, boolean, categorical and spline terms "
                "such as rcs(age, 4) or ns(size_cm, df=3) are supported)"
            )
    return out


def _fitted_range(design: Any, term: Any, first: int) -> tuple[float, float]:
    """Smallest and largest fitted value of the variable a numeric or spline term reads."""
    j = first
    if term.kind == "spline":
        part = term.composite.parts[0]
        full = list(term.composite.full_names)
        if part.component.spline == "ns" or full.index(term.names[0]) != 0:
            # ns: the boundary knots are the fitted range (R's ns); an rcs whose linear
            # column was dropped: its outer knots (design value, the page only warns)
            knots = part.knots[1] if part.component.spline == "ns" else part.knots[0]
            return float(knots[0]), float(knots[-1])
    v = np.asarray(design.columns[j], dtype=float)  # rcs: its first basis column is x
    return float(np.nanmin(v)), float(np.nanmax(v))


def design_fields(
    design: Any,
    labels: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
) -> list[dict[str, Any]]:
    """One form field per variable the design reads (a variable in two terms: one field)."""
    fields: dict[str, dict[str, Any]] = {}
    for (_, cols), t in zip(design.term_columns, design.terms, strict=True):
        col = t.composite.parts[0].component.variable if t.kind == "spline" else t.covariate
        if col in fields:
            continue
        if t.kind in ("numeric", "spline"):
            rng = _fitted_range(design, t, cols[0])
            fields[col] = field(col, "number", fitted=rng, labels=labels, units=units)
        elif t.kind == "bool":
            fields[col] = field(col, "choice", levels=["False", "True"], labels=labels)
        else:
            lv = [str(v) for v in t.levels]
            fields[col] = field(col, "choice", levels=lv, labels=labels)
    return list(fields.values())


def term_labels(design: Any, fields: list[dict[str, Any]]) -> list[str]:
    """How each coefficient reads: "FNCLCC grade: Grade 3 vs Grade 1", "Age (per year)",
    "Age at diagnosis: rcs(age, 4)[age']" for a spline's basis column."""
    by_name = {f["name"]: f for f in fields}
    out = []
    for term in design.terms:
        if term.kind == "spline":
            f = by_name[term.composite.parts[0].component.variable]
            out += [f"{f['label']}: {nm}" for nm in term.names]
            continue
        f = by_name[term.covariate]
        if term.kind == "numeric":
            out.append(f"{f['label']} (per {_SINGULAR.get(f['unit'], f['unit'] or 'unit')})")
            continue
        opts = {o["value"]: o["label"] for o in f["options"]}
        levels = ["False", "True"] if term.kind == "bool" else [str(v) for v in term.levels]
        out += [f"{f['label']}: {opts[lv]} vs {opts[levels[0]]}" for lv in levels[1:]]
    return out
