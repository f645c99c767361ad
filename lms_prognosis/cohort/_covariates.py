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
from lms_prognosis.cohort._numbers import AMBIGUOUS, BAD, OK, read_numbers
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


def _numeric_covariate(
    s: pd.Series, name: str, column: str, convention: str, plan: ColumnPlan, notes: list[str]
) -> tuple[np.ndarray, list[_v.Problem]]:
    # every rule below depends on the cell only: it is worked out once per distinct cell
    # (slot) and spread to the rows by the slot codes
    num = read_numbers(s, _NUMERIC_WHAT[name], convention)
    codes = num.codes
    values = num.slot_values.copy()
    mm = name == "size_cm" and plan.size_in_mm
    if mm:
        values = np.where(num.slot_unit == "", values / 10.0, values)
    kind, low, high, closed, why = _NUMERIC_RULES[name]
    ok = num.slot_status == OK
    bad = num.slot_status == BAD
    with np.errstate(invalid="ignore"):
        below = values < low if closed else values <= low
        outside = ok & (below | (values > high))
    what = _NUMERIC_NAMES[name]
    unreadable = np.full(len(values), "", dtype=object)
    for i in np.flatnonzero(bad):
        reason = num.slot_text[i]
        unreadable[i] = (
            reason
            if reason.startswith(AMBIGUOUS)
            else f"non-numeric {what}: {reason}"
            if reason
            else f"non-numeric {what}"
        )
    _plausibility(values[codes][ok[codes]], name, column, notes)
    values[bad | outside] = np.nan
    why = why + (" (read in mm, converted to cm)" if mm else "")
    problems = _slots(column, codes, bad, unreadable, _v.SET_MISSING)
    problems += _slots(column, codes, outside, f"{kind}: {why}", _v.SET_MISSING)
    converted = ok & ~outside
    note = num.slot_note
    problems += _slots(column, codes, converted & (note != ""), note, _v.CONVERTED)
    if mm:
        by_column = converted & (num.slot_unit == "") & (note == "")
        problems += _slots(
            column, codes, by_column, "size in mm converted to cm (mm / 10)", _v.CONVERTED
        )
    return values[codes], problems


def _slots(
    column: str, codes: np.ndarray, slots: np.ndarray, reason: Any, action: str
) -> list[_v.Problem]:
    """One problem for the rows whose slot is in ``slots`` (a mask over the slots)."""
    if not slots.any():
        return []
    pos = np.flatnonzero(slots[codes])
    if not pos.size:
        return []
    why = reason[codes[pos]] if isinstance(reason, np.ndarray) else reason
    return [_v.Problem(pos, column, why, action=action)]


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
