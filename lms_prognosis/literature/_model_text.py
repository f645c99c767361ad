"""How a published model states its factors and their evidence: the factors table and the
text lines of its ``repr``.

Each factor is shown as its source reports it: the measure (RR, HR, OR or points), the value,
its confidence interval or "not published", its significance in the source, n, the endpoint
and the evidence marker ([V] read, [V2] secondary, [U] unverified, [D] derived). A design
value is never shown as a published one: its CI and significance read "design value".
"""

from __future__ import annotations

import math

import pandas as pd

from lms_prognosis._format import format_ci
from lms_prognosis.literature._scoring import groups
from lms_prognosis.literature.data import MODEL_INFO, Factor

FACTOR_COLUMNS = [
    "factor",
    "term",
    "measure",
    "value",
    "ci",
    "significance",
    "hr",
    "points",
    "lower",
    "upper",
    "significant",
    "endpoint",
    "population",
    "n",
    "evidence",
    "basis",
    "source",
]

#: what each model kind is, in words
KIND_TEXT = {
    "published": "published: effects fitted and published by the source",
    "design": "design values [D]: chosen for simulation from the literature, not a fitted model",
}
#: the evidence markers, one line
MARKERS_LEGEND = (
    "markers: [V] read in retrieved public text; [V2] read in a secondary source; "
    "[U] unverified (recalled or inferred); [D] derived (design value or simulation)"
)
#: what the "CI" column can say
CI_LEGEND = (
    "CI 'not published': the source text retrieved gives no confidence interval (for "
    "Gustafson 1992 the abstract gives none; the full text was not available); 'design "
    "value': a value chosen, not estimated, so it has none"
)
FACTOR_HEADER = (
    f"  {'factor':<36} {'as reported':<15} {'95% CI':<18} {'significance':<16} {'n':<4} "
    "endpoint evidence"
)
_PLOIDY = (
    "needs DNA ploidy (column aneuploidy), which routine pathology rarely measures: "
    "patients without it are left out unless missing='marginalise' (survival averaged "
    "over diploid/aneuploid, weighted by their prevalence given grade)"
)


def is_design(r: Factor) -> bool:
    """Whether the factor belongs to a design-value model (not a fitted one)."""
    return bool(MODEL_INFO.get(r.model, {}).get("kind") == "design")


def ci_text(r: Factor) -> str:
    """The factor's CI as text: "(lo–hi)", "not published", "design value" or "n/a"."""
    if math.isfinite(r.lower) and math.isfinite(r.upper):
        return format_ci(r.lower, r.upper)
    if r.evidence == "[D]" or is_design(r):
        return "design value"
    if r.measure == "points":
        return "n/a (points)"
    return "not published"


def significance_text(r: Factor) -> str:
    """The factor's significance in its source, as text."""
    if is_design(r):
        return "design value"
    if r.significant is None:
        return "not reported"
    return "significant" if r.significant else "NOT significant"


def measure_text(r: Factor) -> str:
    """The value as reported: "RR 8", "3 point(s)"; a design value says so: "HR 1.8 (design)"."""
    if r.measure == "points":
        return f"{r.value:g} point(s)"
    design = " (design)" if is_design(r) else ""
    return f"{r.measure} {r.value:g}{design}"


def factors_table(records: tuple[Factor, ...]) -> pd.DataFrame:
    """Factors as a tidy table: measure and value as reported, ci and significance as text,
    then the numbers (hr, points, lower, upper, significant), n, endpoint, evidence, source."""
    rows = []
    for r in records:
        d = r.as_dict()
        d["points"] = r.value if r.measure == "points" else math.nan
        d["ci"] = ci_text(r)
        d["significance"] = significance_text(r)
        rows.append(d)
    return pd.DataFrame(rows)[FACTOR_COLUMNS]


def factor_line(r: Factor) -> str:
    """One factor's line: name, measure and value, CI, significance, n, evidence."""
    n = "-" if r.n is None else str(r.n)
    return (
        f"    {r.factor:<36} {measure_text(r):<15} {ci_text(r):<18} "
        f"{significance_text(r):<16} {n:<4} {r.endpoint} {r.evidence}"
    )


def model_inputs(model_type: str, terms: list[str]) -> tuple[str, ...]:
    """The cohort columns a model with these terms reads, in the order of its factors."""
    return tuple(dict.fromkeys(g.column for g in groups(model_type, terms)))


def requirements_text(inputs: tuple[str, ...]) -> str:
    """What a model needs that routine data may lack ("" when nothing unusual)."""
    return _PLOIDY if "aneuploidy" in inputs else ""


def slope_line(kind: str, slope: float, se: float | None, applied: bool = False) -> str:
    """The calibration slope (per-point log HR for points systems) of a recalibrated model;
    ``applied``: the effects were multiplied by it (``recalibrate(method="slope")``)."""
    applied_text = "; every log HR multiplied by it" if applied else ""
    what = "per-point log HR estimated on the cohort" if kind == "points" else "calibration slope"
    return f"  {what}: {slope:.3f} (SE {se:.3f}){applied_text}"


__all__ = [
    "FACTOR_COLUMNS",
    "KIND_TEXT",
    "MARKERS_LEGEND",
    "CI_LEGEND",
    "FACTOR_HEADER",
    "is_design",
    "ci_text",
    "significance_text",
    "measure_text",
    "factors_table",
    "factor_line",
    "model_inputs",
    "requirements_text",
    "slope_line",
]
