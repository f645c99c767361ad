"""Derived binary risk factors used by the report (data preparation, no statistics).

The cohort stores raw covariates (age in years, size in cm, necrosis in three levels, booleans);
papers and the published LMS models use dichotomised factors. :func:`derive_factors` adds them
as (unordered) categoricals whose *first level is the reference*, so Kaplan-Meier legends read well
and a Cox fit names its terms ``age_ge_60[≥60]``, ``necrosis_any[present]`` and so on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lms_prognosis.literature.design import model_design

GE = "\u2265"
LE = "\u2264"


@dataclass(frozen=True)
class Factor:
    """A risk factor as the report shows it."""

    column: str
    label: str
    trend: bool = False  # log-rank test for trend (ordered levels, scores 1..k)


#: The factors drawn as Kaplan-Meier curves and used in the default multivariable Cox model,
#: in the order of Gustafson 1992 (age, vascular invasion, aneuploidy, necrosis) followed by
#: size, depth and grade (docs/evidence.md section 6.2).
REPORT_FACTORS: tuple[Factor, ...] = (
    Factor("age_ge_60", f"Age {GE}60 years"),
    Factor("necrosis_any", "Tumour necrosis"),
    Factor("vascular_invasion", "Vascular invasion"),
    Factor("aneuploidy", "DNA aneuploidy"),
    Factor("size_gt_5cm", "Size >5 cm"),
    Factor("depth", "Depth"),
    Factor("grade", "FNCLCC grade", trend=True),
)


def _binary(mask: pd.Series, valid: pd.Series, levels: tuple[str, str]) -> pd.Categorical:
    values = np.where(mask.fillna(False).to_numpy(dtype=bool), levels[1], levels[0]).astype(object)
    values[~valid.to_numpy(dtype=bool)] = np.nan
    return pd.Categorical(values, categories=list(levels), ordered=False)


def derive_factors(data: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``data`` with the report's dichotomised factors.

    Parameters
    ----------
    data : DataFrame
        A cohort frame with the canonical columns (design.md section 3); absent columns
        are skipped.

    Returns
    -------
    DataFrame
        The same rows and index, plus or replacing:

        - ``age_ge_60``: ``"<60"`` / ``"≥60"`` from ``age`` (years);
        - ``size_gt_5cm``: ``"≤5 cm"`` / ``">5 cm"`` from ``size_cm``;
        - ``necrosis_any``: ``"none"`` / ``"present"`` (necrosis not ``none``);
        - ``vascular_invasion``: ``"absent"`` / ``"present"`` (from the boolean);
        - ``aneuploidy``: ``"diploid"`` / ``"aneuploid"`` (from the boolean);
        - ``depth``: ``"superficial"`` / ``"deep"``; ``grade``: ``"1"``, ``"2"``, ``"3"``.

        Missing inputs stay missing (a GX grade stays missing).

    Notes
    -----
    Cut-points as published: age ≥60 and the four Gustafson factors (Gustafson et al.,
    Cancer 1992;70:114-119), size >5 cm (AJCC T1/T2 cut-point). The first level of each
    factor is the reference of the Cox model.

    Examples
    --------
    >>> df = pd.DataFrame({"age": [59.9, 60.0, None], "size_cm": [5.0, 5.1, 2.0]})
    >>> out = derive_factors(df)
    >>> out["age_ge_60"].tolist(), out["size_gt_5cm"].tolist()
    (['<60', '≥60', nan], ['≤5 cm', '>5 cm', '≤5 cm'])
    """
    out = data.copy()
    # the cut-points live in one place, literature.model_design (also used by the models)
    design = model_design(data)
    binaries = (
        ("age", "age_ge_60", "age_ge_60", ("<60", f"{GE}60")),
        ("size_cm", "size_gt_5", "size_gt_5cm", (f"{LE}5 cm", ">5 cm")),
        ("necrosis", "necrosis_any", "necrosis_any", ("none", "present")),
        ("vascular_invasion", "vascular_invasion", "vascular_invasion", ("absent", "present")),
        ("aneuploidy", "aneuploidy", "aneuploidy", ("diploid", "aneuploid")),
    )
    for source, term, column, levels in binaries:
        if source in out:
            x = design[term]
            out[column] = _binary(x == 1, x.notna(), levels)
    if "depth" in out:
        out["depth"] = pd.Categorical(
            out["depth"].astype("string").to_numpy(dtype=object, na_value=np.nan),
            categories=["superficial", "deep"],
            ordered=False,
        )
    if "grade" in out:
        out["grade"] = pd.Categorical(
            out["grade"].astype("string").to_numpy(dtype=object, na_value=np.nan),
            categories=["1", "2", "3"],
            ordered=False,
        )
    return out
