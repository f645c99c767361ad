"""The linear predictor of a published model on a cohort, with the rows it cannot score.

Private to :mod:`lms_prognosis.literature`: :class:`~lms_prognosis.literature.PublishedModel`
calls :func:`linear_predictor`. A factor is a *group* of model terms read from one input
column (grade 2 and grade 3 from ``grade``); a missing input is either left out (reported) or
marginalised over the factor's prevalence in the somatic population (domain section 6.1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lms_prognosis.literature import data as _lit
from lms_prognosis.literature._problems import MISSING, OUTSIDE, Problem
from lms_prognosis.literature.design import SITES, column, model_design

__all__ = ["MISSING", "OUTSIDE", "Problem", "Group", "linear_predictor"]


@dataclass(frozen=True)
class Group:
    """A factor as the user sees it: one input column, one or more terms, marginal levels."""

    name: str
    column: str
    terms: tuple[str, ...]
    levels: tuple[tuple[float, tuple[float, ...]], ...] = ()  # (prevalence, term values)


def _binary(term: str, column_name: str) -> Group:
    p = _lit.constant(term)
    return Group(term, column_name, (term,), ((1 - p, (0.0,)), (p, (1.0,))))


COX_GROUPS: tuple[Group, ...] = (
    _binary("age_ge_60", "age"),
    _binary("vascular_invasion", "vascular_invasion"),
    _binary("aneuploidy", "aneuploidy"),
    _binary("necrosis_any", "necrosis"),
    _binary("size_gt_5", "size_cm"),
    _binary("deep", "depth"),
    Group(
        "grade",
        "grade",
        ("grade[2]", "grade[3]"),
        tuple((_lit.constant(f"grade[{k}]"), (float(k == 2), float(k == 3))) for k in (1, 2, 3)),
    ),
    _binary("margin_positive", "margin"),
    Group(
        "site",
        "site",
        tuple(f"site_{s}" for s in SITES),
        (
            (_lit.constant("site_extremity"), (0.0,) * 5),
            (_lit.constant("site_trunk"), (1.0, 0.0, 0.0, 0.0, 0.0)),
        ),
    ),
)

#: input column of each points-system term
POINTS_INPUTS = {
    "sin_size": "size_cm",
    "sin_vascular": "vascular_invasion",
    "sin_necrosis": "necrosis",
    "chapel_necrosis": "necrosis",
    "chapel_mitoses": "mitoses_per_2_4mm2",
    "chapel_atypical": "atypical_mitoses",
    "chapel_lvi": "vascular_invasion",
    "chapel_serosa": "serosal_abutment",
}


def groups(kind: str, terms: list[str]) -> list[Group]:
    """The factor groups of a model with these terms."""
    if kind == "cox":
        return [g for g in COX_GROUPS if set(terms) & set(g.terms)]
    return [Group(t, POINTS_INPUTS[t], (t,)) for t in terms]


def term_values(kind: str, design: pd.DataFrame) -> pd.DataFrame:
    """Value of every term per patient (NaN where an input is missing)."""
    if kind == "cox":
        return design
    cut_size = _lit.constant("sin_size_cut_cm")
    cut_mit = _lit.constant("chapel_mitoses_cut")
    size, mit = design["size_cm"].to_numpy(), design["mitoses_per_2_4mm2"].to_numpy()
    return pd.DataFrame(
        {
            "sin_size": np.where(np.isnan(size), np.nan, (size >= cut_size).astype(float)),
            "sin_vascular": design["vascular_invasion"],
            "sin_necrosis": design["necrosis_any"],
            "chapel_necrosis": design["necrosis_any"],
            "chapel_mitoses": np.where(np.isnan(mit), np.nan, (mit > cut_mit).astype(float)),
            "chapel_atypical": design["atypical_mitoses"],
            "chapel_lvi": design["vascular_invasion"],
            "chapel_serosa": design["serosal_abutment"],
        },
        index=design.index,
    )


def _marginal(group: Group, terms: list[str], b: np.ndarray) -> float:
    """log sum_k p_k exp(x_k' b) over the factor's levels (independence assumed)."""
    pos = [group.terms.index(t) for t in terms]
    return math.log(
        sum(
            p * math.exp(sum(v[j] * bj for j, bj in zip(pos, b, strict=True)))
            for p, v in group.levels
        )
    )


def linear_predictor(
    name: str, kind: str, coef: pd.Series, data: pd.DataFrame, missing: str
) -> tuple[np.ndarray, list[Problem], list[str]]:
    """Linear predictor of every row, the problems that leave rows out, and notes.

    A row with a problem gets a linear predictor too (its missing factors count 0); the
    caller leaves it out.

    Examples
    --------
    >>> coef = pd.Series({"age_ge_60": math.log(8.0)})
    >>> lp, problems, notes = linear_predictor("m", "cox", coef,
    ...                                        pd.DataFrame({"age": [70.0, None]}), "exclude")
    >>> lp.round(3).tolist(), [(p.position, p.column, p.reason) for p in problems]
    ([2.079, 0.0], [(1, 'age', 'missing')])
    """
    values = term_values(kind, model_design(data))
    lp = np.zeros(len(data))
    problems: list[Problem] = []
    notes: list[str] = []
    for g in groups(kind, list(coef.index)):
        terms = [t for t in g.terms if t in coef.index]
        x = values[terms].to_numpy(float)
        b = coef[terms].to_numpy(float)
        contrib = x @ b
        miss = np.isnan(x).any(axis=1)
        if miss.any() and missing == "marginalise":
            contrib = np.where(miss, _marginal(g, terms, b), contrib)
            notes.append(
                f"{int(miss.sum())} patient(s) with missing {g.column}: {g.name} "
                f"marginalised over its prevalence (domain 6.1)"
            )
        elif miss.any():
            raw = column(data, g.column).to_numpy()
            problems += [Problem(int(i), g.column, raw[i], MISSING) for i in np.flatnonzero(miss)]
            notes.append(
                f"{int(miss.sum())} patient(s) with missing {g.column} left out "
                f"({g.name} is in {name})"
            )
            contrib = np.where(miss, 0.0, contrib)
        lp = lp + contrib
    return lp, problems, notes
