"""How a published model states its factors and their evidence: the factors table and the
text lines of its ``repr``.

Each factor is shown with its value, its evidence marker ([V] read, [V2] secondary,
[U] unverified, [D] derived) and, where the source reports it, whether it was significant.
"""

from __future__ import annotations

import math

import pandas as pd

from lms_prognosis._format import format_number
from lms_prognosis.literature.data import Factor

FACTOR_COLUMNS = [
    "factor",
    "term",
    "hr",
    "points",
    "lower",
    "upper",
    "measure",
    "significant",
    "endpoint",
    "population",
    "n",
    "evidence",
    "basis",
    "source",
]


def factors_table(records: tuple[Factor, ...]) -> pd.DataFrame:
    """Factors as a tidy table (factor, term, hr, points, lower, upper, significant, ...)."""
    rows = []
    for r in records:
        d = r.as_dict()
        d["points"] = r.value if r.measure == "points" else math.nan
        rows.append(d)
    return pd.DataFrame(rows)[FACTOR_COLUMNS]


def factor_line(r: Factor) -> str:
    """One factor's line: name, value (measure or points), evidence, significance."""
    val = (
        f"{r.measure} {format_number(r.value)}"
        if r.measure != "points"
        else f"{r.value:g} point(s)"
    )
    sig = (
        "" if r.significant is None else ("  significant" if r.significant else "  NOT significant")
    )
    return f"    {r.factor:<36} {val:<10} {r.evidence}{sig}"


def slope_line(kind: str, slope: float, se: float | None) -> str:
    """The calibration slope (per-point log HR for points systems) of a recalibrated model."""
    what = "per-point log HR estimated on the cohort" if kind == "points" else "calibration slope"
    return f"  {what}: {slope:.3f} (SE {se:.3f})"
