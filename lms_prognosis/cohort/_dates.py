"""Follow-up time from two date columns (``start_date=`` / ``end_date=``).

Private helper of :mod:`lms_prognosis.cohort.reader`.

Rules (behaviour chosen here, stated in ``read_cohort``'s docstring)
-------------------------------------------------------------------
- Accepted: spreadsheet date cells; ISO ``2019-03-14`` (a time after it is ignored);
  ``14.03.2019`` (day first, the dotted European form); ``14/03/2019`` or ``03/14/2019``
  when the column tells the order (some first field > 12: day first; some second field > 12:
  month first). A column where every such date could be either is refused as a whole
  (``CohortError``) unless ``date_format=`` (a :func:`datetime.strptime` format such as
  ``"%d/%m/%Y"``) is given; so is a column that uses both orders.
- Not guessed: two-digit years, numbers (an Excel serial day exported as a number), text.
  Such a cell makes its row's time unusable: the row is excluded ("unreadable date").
- Time in months = days between the dates / (365.25 / 12), i.e. days / 30.4375, the
  package's one month. An end before the start excludes the row ("end before start").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Dates", "read_dates", "DAYS_PER_MONTH", "UNREADABLE_DATE", "MISSING_DATE"]

DAYS_PER_MONTH = 365.25 / 12.0
UNREADABLE_DATE = "unreadable date"
MISSING_DATE = "missing date"
END_BEFORE_START = "end before start"
_MISSING = frozenset(("", "na", "n/a", "nan", "unknown", "unk", "?", ".", "-", "missing", "null"))
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_SLASHED = re.compile(r"^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$")


@dataclass
class Dates:
    """One date column read: days since 1970-01-01 (NaN where missing or unreadable)."""

    days: np.ndarray
    missing: np.ndarray
    bad: np.ndarray
    shown: np.ndarray  # each cell as text (ISO for a spreadsheet date cell)


def _day(year: int, month: int, day: int) -> float:
    try:
        return float(dt.date(year, month, day).toordinal() - 719163)  # 1970-01-01
    except ValueError:
        return np.nan


def _order(texts: list[str], column: str, where: str, error: type[Exception]) -> str:
    """``"dmy"`` or ``"mdy"`` for the column's slashed dates; refuse what cannot be told."""
    pairs = [(int(m[1]), int(m[2])) for t in texts if (m := _SLASHED.match(t))]
    if not pairs:
        return "dmy"
    day_first = any(a > 12 for a, _ in pairs)
    month_first = any(b > 12 for _, b in pairs)
    fix = f"pass date_format='%d/%m/%Y' (day first) or date_format='%m/%d/%Y' for {column!r}"
    if day_first and month_first:
        raise error(f"{where}: date column {column!r} mixes day/month orders; {fix}")
    if not day_first and not month_first:
        raise error(
            f"{where}: date column {column!r}: the day/month order cannot be told (every date "
            f"such as {texts[0]!r} could be either); {fix}"
        )
    return "dmy" if day_first else "mdy"


def _parse(text: str, order: str, date_format: str | None) -> float:
    if date_format:
        try:
            d = dt.datetime.strptime(text, date_format)
        except ValueError:
            return np.nan
        return _day(d.year, d.month, d.day)
    if m := _ISO.match(text):
        return _day(int(m[1]), int(m[2]), int(m[3]))
    if m := _DOTTED.match(text):
        return _day(int(m[3]), int(m[2]), int(m[1]))
    if m := _SLASHED.match(text):
        a, b = int(m[1]), int(m[2])
        return _day(int(m[3]), b, a) if order == "dmy" else _day(int(m[3]), a, b)
    return np.nan


def read_dates(
    s: pd.Series, column: str, date_format: str | None, where: str, error: type[Exception]
) -> Dates:
    """Read one date column; see the module docstring for the accepted forms.

    Examples
    --------
    >>> d = read_dates(pd.Series(["2020-01-31", "31.01.2020", "31/01/2020", "soon", None]),
    ...                "surgery", None, "<frame>", ValueError)
    >>> d.days.tolist()[:3], d.bad.tolist(), d.missing.tolist()
    ([18292.0, 18292.0, 18292.0], [False, False, False, True, False], \
[False, False, False, False, True])
    """
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    texts = [u.strip() if isinstance(u, str) else "" for u in uniques]
    order = "dmy" if date_format else _order([t for t in texts if t], column, where, error)
    table: list[tuple[float, str, str]] = []  # days, status, shown
    for u, text in zip(uniques, texts, strict=True):
        if isinstance(u, dt.datetime | dt.date | pd.Timestamp):
            d = pd.Timestamp(u)
            table.append((_day(d.year, d.month, d.day), "ok", d.date().isoformat()))
        elif isinstance(u, str) and text.lower() in _MISSING:
            table.append((np.nan, "missing", text))
        else:
            day = _parse(text, order, date_format) if isinstance(u, str) else np.nan
            table.append((day, "ok" if np.isfinite(day) else "bad", str(u).strip()))
    table.append((np.nan, "missing", ""))
    days = np.array([t[0] for t in table], dtype=float)[codes]
    status = np.array([t[1] for t in table], dtype=object)[codes]
    shown = np.array([t[2] for t in table], dtype=object)[codes]
    return Dates(days, status == "missing", status == "bad", shown)
