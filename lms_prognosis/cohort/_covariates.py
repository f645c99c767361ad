"""Covariates: numbers with their limits and plausibility, categories, yes/no and value maps.

Private helper of :mod:`lms_prognosis.cohort.reader`. A covariate cell that cannot be read
(text that is no number, an ambiguous number, a value outside the schema's limits, an unknown
category, a code not in ``values=``) is **set missing** and the patient kept; each such cell,
and each cell converted (a unit, a thousands separator, millimetres), is an audit line.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort import _values as _v
from lms_prognosis.cohort._columns import ColumnPlan
from lms_prognosis.cohort._numbers import AMBIGUOUS, read_numbers
from lms_prognosis.cohort._valuemap import apply_values
from lms_prognosis.exceptions import DataWarning

__all__ = ["read_covariate"]

_NUMERIC_RULES = {  # canonical -> (reason kind, lower, upper, include lower, explanation)
    "age": (_v.IMPOSSIBLE_AGE, 0.0, 120.0, True, "outside 0-120 years"),
    "size_cm": (_v.IMPOSSIBLE_SIZE, 0.0, 60.0, False, "must be > 0 and <= 60 cm"),
    "mitoses_per_10hpf": (_v.IMPOSSIBLE_MITOSES, 0.0, np.inf, True, "must be >= 0"),
}
_NUMERIC_NAMES = {"age": "age", "size_cm": "size", "mitoses_per_10hpf": "mitotic count"}
_NUMERIC_WHAT = {"age": "age", "size_cm": "size", "mitoses_per_10hpf": "mitoses"}


def read_covariate(
    s: pd.Series,
    name: str,
    column: str,
    convention: str,
    plan: ColumnPlan,
    valmap: dict[str, Any] | None,
    notes: list[str],
) -> tuple[Any, list[_v.Problem]]:
    """Parse one covariate column; a cell that cannot be read is set missing (audited)."""
    if name in _NUMERIC_RULES:
        return _numeric_covariate(s, name, column, convention, plan, notes)
    problems: list[_v.Problem] = []
    if valmap is not None:
        s, problems = apply_values(s, name, column, valmap)
    if name in _v.CATEGORIES:
        levels, table = _v.CATEGORIES[name]
        parsed = _v.parse_category(s, name, levels, table)
    else:
        parsed = _v.parse_boolean(s, name, _v.BOOLEANS[name])
    if parsed.recoded and valmap is None:
        shown = ", ".join(f"{raw!r} as {level}" for raw, level in parsed.recoded[:6])
        more = len(parsed.recoded) - 6
        notes.append(f"{column!r}: read {shown}" + (f" (+{more} more)" if more > 0 else ""))
    if parsed.n_missing_tokens:
        notes.append(
            f"{column!r}: {parsed.n_missing_tokens} value(s) such as 'unknown'"
            + (" or 'GX'" if name == "grade" else "")
            + " read as missing"
        )
    if parsed.problem is not None:
        parsed.problem.action = _v.SET_MISSING
        problems.append(parsed.problem)
        _codes_hint(s.iloc[parsed.problem.positions], name, column, notes)
    return parsed.values, problems


def _codes_hint(unknown: pd.Series, name: str, column: str, notes: list[str]) -> None:
    """A note when the values not read are numeric codes (SPSS style): say how to map them."""
    codes = sorted({_v.value_key(v) for v in unknown.tolist()})
    if not codes or not all(c.isdigit() for c in codes) or len(codes) > 9:
        return
    pairs = ", ".join(f"{c}: '<level>'" for c in codes)
    notes.append(
        f"{column!r} has code(s) {', '.join(codes)} that are not {name} levels (set missing); "
        f"if they are codes, map them with values={{{name!r}: {{{pairs}}}}}"
    )


def _flag(column: str, checks: list[tuple[np.ndarray, Any]], **kw: Any) -> list[_v.Problem]:
    return [
        _v.Problem(
            np.flatnonzero(mask),
            column,
            reason[mask] if isinstance(reason, np.ndarray) else reason,
            **kw,
        )
        for mask, reason in checks
        if mask.any()
    ]


def _numeric_covariate(
    s: pd.Series, name: str, column: str, convention: str, plan: ColumnPlan, notes: list[str]
) -> tuple[np.ndarray, list[_v.Problem]]:
    num = read_numbers(s, _NUMERIC_WHAT[name], convention)
    values = num.values.copy()
    mm = name == "size_cm" and plan.size_in_mm
    if mm:
        values = np.where(num.unit == "", values / 10.0, values)
    kind, low, high, closed, why = _NUMERIC_RULES[name]
    ok = ~num.missing & ~num.bad
    with np.errstate(invalid="ignore"):
        below = values < low if closed else values <= low
        outside = ok & (below | (values > high))
    what = _NUMERIC_NAMES[name]
    unreadable = np.where(
        np.char.startswith(num.why.astype(str), AMBIGUOUS),
        num.why,
        np.where(num.why != "", f"non-numeric {what}: " + num.why, f"non-numeric {what}"),
    ).astype(object)
    _plausibility(values[ok], name, column, notes)
    values[num.bad | outside] = np.nan
    why = why + (" (read in mm, converted to cm)" if mm else "")
    problems = _flag(
        column, [(num.bad, unreadable), (outside, f"{kind}: {why}")], action=_v.SET_MISSING
    )
    converted = ok & ~outside
    problems += _flag(column, [(converted & (num.note != ""), num.note)], action=_v.CONVERTED)
    if mm:
        by_column = converted & (num.unit == "") & (num.note == "")
        problems += _flag(
            column, [(by_column, "size in mm converted to cm (mm / 10)")], action=_v.CONVERTED
        )
    return values, problems


def _plausibility(values: np.ndarray, name: str, column: str, notes: list[str]) -> None:
    """Note and warn when a column's values look like another unit (median size 60 "cm")."""
    if values.size < 3:  # a median of one or two values tells nothing
        return
    median = float(np.median(values))
    message = None
    if name == "size_cm" and median > 25:
        message = (
            f"the median size in {column!r} is {median:g} cm, which looks like millimetres; "
            f"if so pass columns={{{column!r}: 'size_mm'}}"
        )
    elif name == "age" and median > 100:
        message = f"the median age in {column!r} is {median:g} years; are these months or days?"
    if message:
        notes.append(message)
        warnings.warn(message, DataWarning, stacklevel=6)  # read_cohort's caller
