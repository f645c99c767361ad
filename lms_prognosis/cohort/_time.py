"""The follow-up time: numbers with units, a per-row unit column, dates, and plausibility.

Private helper of :mod:`lms_prognosis.cohort.reader`. Returns times in months and the audit
lines (:class:`~lms_prognosis.cohort._values.Problem`) of every row excluded and every cell
converted.

Rules (design values, stated in ``read_cohort``'s docstring)
------------------------------------------------------------
- Unit of a cell, first that applies: a unit written in the cell (``28.6 months``,
  ``870 days``); the row's entry in a ``time_unit`` column; ``time_unit=``; the unit the
  column's name implies (``OS_days``); months.
- A time above 100 years (1200 months) cannot be a follow-up. When at least two times and
  at least 5% of them are, or the median time is above 50 years (600 months), the unit of
  the whole column is wrong: ``CohortError`` naming ``time_unit=``. Otherwise each such time
  excludes its row ("implausible time").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lms_prognosis.cohort import _values as _v
from lms_prognosis.cohort._columns import UNIT_COLUMN, UNIT_FORMULA, ColumnPlan, normalise_unit
from lms_prognosis.cohort._dates import DAYS_PER_MONTH, END_BEFORE_START, MISSING_DATE, read_dates
from lms_prognosis.cohort._dates import UNREADABLE_DATE as _UNREADABLE_DATE
from lms_prognosis.cohort._numbers import A_DATE, AMBIGUOUS, BAD, MISSING, OK, Numbers, read_numbers
from lms_prognosis.cohort.schema import TIME_UNITS
from lms_prognosis.exceptions import CohortError

__all__ = ["DateSpec", "read_time", "MAX_MONTHS"]

#: the longest follow-up read as possible: 100 years (a design value)
MAX_MONTHS = 1200.0
IMPLAUSIBLE_TIME = "implausible time"
UNKNOWN_TIME_UNIT = "unknown time unit"
_LONG_MEDIAN = 240.0  # 20 years: a median follow-up this long gets a note


@dataclass
class DateSpec:
    """``start_date=`` / ``end_date=`` / ``date_format=`` of ``read_cohort``."""

    start: str
    end: str
    date_format: str | None = None


def _flag(column: str, mask: np.ndarray, reason: str | np.ndarray, **kw: object) -> list:
    if not mask.any():
        return []
    why = reason[mask] if isinstance(reason, np.ndarray) else reason
    return [_v.Problem(np.flatnonzero(mask), column, why, **kw)]  # type: ignore[arg-type]


def _row_factors(
    frame: pd.DataFrame, plan: ColumnPlan, usable: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[_v.Problem]]:
    """Factor to months of each row and its unit name (``time_unit`` column or plan)."""
    n = len(frame)
    if UNIT_COLUMN not in plan.source:
        return np.full(n, plan.time_factor), np.full(n, plan.time_unit, dtype=object), []
    column = plan.source[UNIT_COLUMN]
    codes, uniques = pd.factorize(frame[column], use_na_sentinel=True)
    names = [normalise_unit(str(u)) if isinstance(u, str) else None for u in uniques] + [None]
    unit = np.array([u or "" for u in names], dtype=object)[codes]
    factor = np.array([TIME_UNITS[u] if u else np.nan for u in names])[codes]
    bad = usable & (unit == "")
    reason = f"{UNKNOWN_TIME_UNIT}: the {column!r} column must say days, weeks, months or years"
    return factor, unit, _flag(column, bad, reason)


def _plausible(
    months: np.ndarray,
    ok: np.ndarray,
    column: str,
    unit: str,
    where: str,
    notes: list[str],
    per_row: bool = False,
) -> np.ndarray:
    """Refuse a column whose unit cannot be months; return the rows with one odd time."""
    times = months[ok]
    big = ok & (months > MAX_MONTHS)
    n_big = int(big.sum())
    median = float(np.median(times)) if times.size else 0.0
    if (n_big >= 2 and n_big >= 0.05 * times.size) or median > MAX_MONTHS / 2:
        read = "months" if unit == "months" else f"{unit} (converted to months)"
        fix = (
            "check the units in the time_unit column"
            if per_row
            else "if they are days pass time_unit='days' (or weeks: time_unit='weeks'), or add "
            "a time_unit column giving each row's unit"
        )
        raise CohortError(
            f"{where}: the times in column {column!r} cannot be {read}: {n_big} of "
            f"{times.size} exceed 100 years of follow-up and the median is {median:.0f} months; "
            f"{fix}"
        )
    if median > _LONG_MEDIAN:
        notes.append(
            f"the median time in {column!r} is {median:.0f} months ({median / 12:.0f} years), "
            f"unusually long; if the times are days pass time_unit='days'"
        )
    return big


def _why(reason: str) -> str:
    """The audit reason of a time cell that could not be read."""
    if reason == A_DATE:
        reason = A_DATE + " (derive the time from dates with start_date= and end_date=)"
    if reason.startswith(AMBIGUOUS):
        return reason
    return _v.NON_NUMERIC_TIME + ": " + reason if reason else _v.NON_NUMERIC_TIME


def _rows(
    column: str, codes: np.ndarray, mask: np.ndarray, table: np.ndarray, **kw: object
) -> list:
    """One problem for the rows in ``mask``, each with its slot's reason in ``table``."""
    if not mask.any():
        return []
    pos = np.flatnonzero(mask)
    return [_v.Problem(pos, column, table[codes[pos]], **kw)]  # type: ignore[arg-type]


def read_time(
    frame: pd.DataFrame, plan: ColumnPlan, convention: str, where: str, notes: list[str]
) -> tuple[np.ndarray, list[_v.Problem]]:
    """Times in months from the time column, and the audit lines (see the module docstring)."""
    column = plan.source["time"]
    num = read_numbers(frame[column], "time", convention)
    codes = num.codes
    usable = (num.slot_status == OK)[codes]
    factor, unit, problems = _row_factors(frame, plan, usable)
    written_u = num.slot_unit != ""
    written = written_u[codes]
    values = num.values
    months = np.where(written, values, values * factor)
    why = np.full(len(num.slot_text), "", dtype=object)
    for i in np.flatnonzero(num.slot_status == BAD):  # reasons per distinct cell not read
        why[i] = _why(num.slot_text[i])
    negative = usable & (months < 0)
    ok = usable & ~negative & np.isfinite(months)
    big = _plausible(
        months,
        ok & ~np.isnan(factor),
        column,
        plan.time_unit,
        where,
        notes,
        per_row=UNIT_COLUMN in plan.source,
    )
    problems += _flag(column, (num.slot_status == MISSING)[codes], _v.MISSING_TIME)
    problems += _rows(column, codes, (num.slot_status == BAD)[codes], why)
    problems += _flag(column, negative, _v.NEGATIVE_TIME)
    implausible = np.full(len(months), "", dtype=object)
    implausible[big] = [
        f"{IMPLAUSIBLE_TIME}: {m:.0f} months is more than 100 years of follow-up"
        for m in months[big]
    ]
    problems += _flag(column, big, implausible)
    if UNIT_COLUMN in plan.source:
        how = _converted_by_row(num, unit, ok & ~written & (unit != "months"), plan)
        problems += _flag(column, ok & (how != ""), how, action=_v.CONVERTED)
        return months, problems
    # one unit for the column: the reason of each converted cell depends on its slot only
    how = np.full(len(num.slot_text), "", dtype=object)
    if plan.time_unit != "months":
        unit_said = (
            f"time in {plan.time_unit} converted to months ({UNIT_FORMULA.get(plan.time_unit, '')})"
        )
        how[~written_u] = unit_said
    note = num.slot_note
    for i in np.flatnonzero(note != ""):
        how[i] = f"{note[i]}; {how[i]}" if how[i] else note[i]
    problems += _rows(column, codes, ok & (how != "")[codes], how, action=_v.CONVERTED)
    return months, problems


def _converted_by_row(
    num: Numbers, unit: np.ndarray, by_unit: np.ndarray, plan: ColumnPlan
) -> np.ndarray:
    """The reason of each converted cell when a unit column gives each row's unit."""
    how = np.full(len(unit), "", dtype=object)
    if by_unit.any():
        said = {u: f"time in {u} converted to months ({UNIT_FORMULA.get(u, '')})"
                for u in pd.unique(unit[by_unit])}  # fmt: skip
        how[by_unit] = pd.Series(unit[by_unit], dtype=object).map(said).to_numpy(dtype=object)
        how[by_unit] = how[by_unit] + f" (unit from column {plan.source[UNIT_COLUMN]!r})"
    note = num.note
    both = (note != "") & (how != "")
    how[both] = note[both] + "; " + how[both]
    how[~both & (note != "")] = note[~both & (note != "")]
    return how


def time_from_dates(
    frame: pd.DataFrame, spec: DateSpec, where: str
) -> tuple[np.ndarray, list[_v.Problem], pd.DataFrame]:
    """Months between ``spec.start`` and ``spec.end`` (days / 30.4375), with the audit lines
    and the two dates as read (datetime64, NaT where missing or unreadable), one row each."""
    start = read_dates(frame[spec.start], spec.start, spec.date_format, where, CohortError)
    end = read_dates(frame[spec.end], spec.end, spec.date_format, where, CohortError)
    months = (end.days - start.days) / DAYS_PER_MONTH
    shown = (start.shown + " to " + end.shown).astype(object)
    problems: list[_v.Problem] = []
    for d, column in ((start, spec.start), (end, spec.end)):
        problems += _flag(column, d.missing, MISSING_DATE, values=d.shown[d.missing])
        unreadable = f"{_UNREADABLE_DATE}: not a date in a form read without guessing"
        problems += _flag(column, d.bad, unreadable, values=d.shown[d.bad])
    usable = np.isfinite(months)
    before = usable & (months < 0)
    problems += _flag(spec.end, before, END_BEFORE_START, values=shown[before])
    ok = usable & ~before
    how = np.array(
        [f"time from dates: {m:.4g} months (days / 30.4375)" for m in months], dtype=object
    )
    problems += _flag(spec.end, ok, how, action=_v.CONVERTED, values=shown[ok])
    read = pd.DataFrame(
        {c: pd.to_datetime(d.days, unit="D") for c, d in ((spec.start, start), (spec.end, end))}
    )
    return months, problems, read
