"""The linear predictor of a published model on a cohort, with the rows it cannot score.

Private to :mod:`lms_prognosis.literature`: :class:`~lms_prognosis.literature.PublishedModel`
calls :func:`linear_predictor`. A factor is a *group* of model terms read from one input
column (grade 2 and grade 3 from ``grade``); a missing input is either left out (reported) or
marginalised on the survival scale over its levels, weighted by their probability given the
patient's observed factors (:mod:`~lms_prognosis.literature._marginal`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lms_prognosis.exceptions import ModelError
from lms_prognosis.literature import data as _lit
from lms_prognosis.literature._marginal import CORRELATED, Mixture, mixtures
from lms_prognosis.literature._problems import MISSING, OUTSIDE, Problem
from lms_prognosis.literature.design import SITES, column, model_design

__all__ = ["MISSING", "OUTSIDE", "Problem", "Group", "Marginal", "linear_predictor"]


@dataclass(frozen=True)
class Group:
    """A factor as the user sees it: one input column, one or more terms."""

    name: str
    column: str
    terms: tuple[str, ...]


COX_GROUPS: tuple[Group, ...] = (
    Group("age_ge_60", "age", ("age_ge_60",)),
    Group("vascular_invasion", "vascular_invasion", ("vascular_invasion",)),
    Group("aneuploidy", "aneuploidy", ("aneuploidy",)),
    Group("necrosis_any", "necrosis", ("necrosis_any",)),
    Group("size_gt_5", "size_cm", ("size_gt_5",)),
    Group("deep", "depth", ("deep",)),
    Group("grade", "grade", ("grade[2]", "grade[3]")),
    Group("margin_positive", "margin", ("margin_positive",)),
    Group("site", "site", tuple(f"site_{s}" for s in SITES)),
)


@dataclass(frozen=True)
class Marginal:
    """Rows whose LP is a mixture: ``index`` per row (-1 none) into ``mixes``; ``columns``
    names the inputs averaged over in each row ("" when none)."""

    index: np.ndarray
    mixes: list[Mixture]
    columns: np.ndarray


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


def check_missing(name: str, kind: str, missing: str) -> None:
    """Refuse an unknown ``missing=`` rule, and marginalising a points system."""
    if missing not in ("exclude", "marginalise"):
        raise ModelError(f"missing must be 'exclude' or 'marginalise', not {missing!r}")
    if missing == "marginalise" and kind != "cox":
        raise ModelError(
            f"{name} is a points system: no published prevalences to "
            "marginalise over; use missing='exclude'"
        )


def linear_predictor(
    name: str, kind: str, coef: pd.Series, data: pd.DataFrame, missing: str
) -> tuple[np.ndarray, list[Problem], list[str], Marginal]:
    """Linear predictor of every row, the problems that leave rows out, notes, mixtures.

    A row with a problem gets a linear predictor too (its missing factors count 0); the
    caller leaves it out. With ``missing="marginalise"`` a row with a missing input gets the
    conditional mean of its LP, and its survival is averaged over ``Marginal.mixes``.

    Examples
    --------
    >>> coef = pd.Series({"age_ge_60": np.log(8.0)})
    >>> lp, problems, notes, _ = linear_predictor("m", "cox", coef,
    ...                                           pd.DataFrame({"age": [70.0, None]}), "exclude")
    >>> lp.round(3).tolist(), [(p.position, p.column, p.reason) for p in problems]
    ([2.079, 0.0], [(1, 'age', 'missing')])
    """
    values = term_values(kind, model_design(data))
    lp = np.zeros(len(data))
    problems: list[Problem] = []
    notes: list[str] = []
    independent: dict[str, tuple[str, ...]] = {}
    averaged = np.full(len(data), "", dtype=object)
    for g in groups(kind, list(coef.index)):
        terms = [t for t in g.terms if t in coef.index]
        x = values[terms].to_numpy(float)
        miss = np.isnan(x).any(axis=1)
        lp = lp + np.where(miss, 0.0, np.nan_to_num(x) @ coef[terms].to_numpy(float))
        if not miss.any():
            continue
        if missing == "marginalise":
            averaged[miss] = [f"{a} {g.column}".strip() for a in averaged[miss]]
            if not set(terms) & set(CORRELATED):
                independent[g.name] = tuple(terms)
            given = (
                "given grade and the other factors observed"
                if g.name in ("grade", "vascular_invasion", "aneuploidy", "necrosis_any")
                else "(independent of the other factors)"
            )
            notes.append(
                f"{int(miss.sum())} patient(s) with missing {g.column}: survival averaged "
                f"over its levels, weighted by their prevalence {given} in the simulator's "
                "somatic covariate model (docs/evidence.md section 6.1)"
            )
        else:
            raw = column(data, g.column).to_numpy()
            problems += [Problem(int(i), g.column, raw[i], MISSING) for i in np.flatnonzero(miss)]
            hint = "; missing='marginalise' averages over its levels" if kind == "cox" else ""
            notes.append(
                f"{int(miss.sum())} patient(s) with missing {g.column} left out "
                f"({g.name} is in {name}){hint}"
            )
    marg = Marginal(np.full(len(data), -1), [], averaged)
    if missing == "marginalise":
        index, mixes = mixtures(data, values, coef, independent)
        marg = Marginal(index, mixes, averaged)
        has = index >= 0
        lp[has] += np.array([mixes[i].mean for i in index[has]])
    return lp, problems, notes, marg
