"""Numbers as people write them: decimal commas, thousands separators, quotes and units.

Private helper of :mod:`lms_prognosis.cohort.reader`. A numeric column (time, age, size,
mitotic count) is read cell by cell only where ``pandas.to_numeric`` cannot be trusted; each
cell whose written text is not the number read (a thousands separator removed, a unit
converted) is reported so that ``read_cohort`` can put it in ``Cohort.audit``.

Rules (behaviour chosen here; neither R's ``read.csv`` nor pandas defines it)
---------------------------------------------------------------------------------
- **Convention of the file.** The decimal mark is decided once per file from the numeric
  columns' cells: a cell such as ``12,5``, ``0,75`` or ``1.234,5`` is evidence of a decimal
  comma, ``12.5``, ``0.75`` or ``1,234.5`` of a decimal point. With evidence of one mark only,
  the other is a thousands separator. With no evidence, a comma-separated file or a DataFrame
  uses the decimal point (a comma inside a quoted number there is a thousands separator);
  a ``;``/tab-separated file or a spreadsheet has no convention.
- **Ambiguous values are never guessed.** ``3.530`` or ``3,530`` (one group of exactly three
  digits) when the convention does not decide it is "ambiguous number": the row is excluded
  if it is a time, the cell set missing if it is a covariate.
- Spaces, non-breaking spaces and apostrophes between groups of three digits are thousands
  separators (``3 530``, ``3'530``); quotes around a number are ignored.
- **Units.** A number followed by a unit is converted to the column's unit: times to months
  (days / 30.4375, weeks * 7 / 30.4375, years * 12), sizes to cm (mm / 10), ages in years;
  ``/10 HPF`` after a mitotic count. Any other unit is "unknown unit".
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort._cells import containing, digit_cells, joined, slots, used_cells

__all__ = ["Numbers", "read_numbers", "number_convention", "AMBIGUOUS", "UNKNOWN_UNIT"]

AMBIGUOUS = "ambiguous number"
A_DATE = "a date, not a number"
_DATE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})([ T].*)?$")
UNKNOWN_UNIT = "unknown unit"
_DAYS_PER_MONTH = 365.25 / 12.0

#: what: unit spelling -> (canonical unit, factor to the column's unit)
UNITS: dict[str, dict[str, tuple[str, float]]] = {
    "time": {
        **dict.fromkeys(("d", "day", "days", "dy", "tage", "jours"), ("days", 1 / _DAYS_PER_MONTH)),
        **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), ("weeks", 7 / _DAYS_PER_MONTH)),
        **dict.fromkeys(("m", "mo", "mos", "mth", "mths", "month", "months"), ("months", 1.0)),
        **dict.fromkeys(("y", "yr", "yrs", "year", "years", "a"), ("years", 12.0)),
    },
    "age": dict.fromkeys(
        ("y", "yr", "yrs", "year", "years", "years old", "yo", "y.o.", "a", "j"), ("years", 1.0)
    ),
    "size": {"cm": ("cm", 1.0), "mm": ("mm", 0.1)},
    "mitoses": dict.fromkeys(
        ("/10hpf", "per10hpf", "/10 hpf", "per 10 hpf", "/ 10 hpf", "mitoses/10hpf", "hpf"),
        ("/10 HPF", 1.0),
    ),
}
_TARGET = {"time": "months", "age": "years", "size": "cm", "mitoses": "per 10 HPF"}
_MISSING_TEXT = frozenset(
    ("", "unknown", "unk", "unkn", "?", ".", "-", "na", "n/a", "nan", "nk", "not known",
     "not reported", "not assessed", "missing", "<na>", "null", "none")
)  # fmt: skip
_SPACES = " \u00a0\u202f'\u2019"
_SPLIT = re.compile(r"^([-+]?[\d.,\s'\u2019\u00a0\u202f]*\d)\s*([^\d\s].*)?$")
_GROUPED_SPACE = re.compile(r"^\d{1,3}(?:[ \u00a0\u202f'\u2019]\d{3})+(?:[.,]\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[-+]?(\d*,\d{1,2}|\d*,\d{4,}|0,\d+|\d{1,3}(\.\d{3})+,\d+)$")
_POINT_DECIMAL = re.compile(r"^[-+]?(\d*\.\d{1,2}|\d*\.\d{4,}|0\.\d+|\d{1,3}(,\d{3})+\.\d+)$")
_UNIT_TAIL = r"(?:[^\d.,].*)?$"  # a unit may follow the number
_COMMA_RE = re.compile(_COMMA_DECIMAL.pattern[:-1] + _UNIT_TAIL)
_POINT_RE = re.compile(_POINT_DECIMAL.pattern[:-1] + _UNIT_TAIL)


def _bare(cell: str) -> str:
    return cell.strip().strip("\"'").replace(" ", "")


OK, MISSING, BAD = 0, 1, 2  # status of a cell


@dataclass
class Numbers:
    """One numeric column read: values in the column's unit and what happened per cell.

    Held per distinct cell (``slot_*``, the last slot for a missing cell) with each row's slot
    in ``codes`` (-1 for a missing cell), so that a million rows cost integer look-ups.
    ``unit`` is the unit written in the cell (``""`` when none); ``note`` the audit reason of a
    cell whose text is not the number read (``""`` when the text is the number); ``why`` the
    reason of a cell that could not be read (``bad``).
    """

    codes: np.ndarray
    slot_values: np.ndarray
    slot_status: np.ndarray  # OK, MISSING or BAD
    slot_unit: np.ndarray
    slot_text: np.ndarray  # the note of a cell read, the reason of a cell not read

    @property
    def slot_why(self) -> np.ndarray:
        return np.where(self.slot_status == BAD, self.slot_text, "").astype(object)

    @property
    def slot_note(self) -> np.ndarray:
        return np.where(self.slot_status == BAD, "", self.slot_text).astype(object)

    @property
    def values(self) -> np.ndarray:
        return self.slot_values[self.codes]

    @property
    def missing(self) -> np.ndarray:
        return (self.slot_status == MISSING)[self.codes]

    @property
    def bad(self) -> np.ndarray:
        return (self.slot_status == BAD)[self.codes]

    @property
    def why(self) -> np.ndarray:
        return self.slot_why[self.codes]

    @property
    def unit(self) -> np.ndarray:
        return self.slot_unit[self.codes]

    @property
    def note(self) -> np.ndarray:
        return self.slot_note[self.codes]


def number_convention(columns: list[pd.Series], default: str, fields: str | None = None) -> str:
    """``"comma"``, ``"point"``, ``"mixed"`` or ``default`` from the cells of ``columns`` (and
    of ``fields``, a file's fields joined by NUL).

    Examples
    --------
    >>> number_convention([pd.Series(["3.530", "12,5"])], "none")
    'comma'
    >>> number_convention([pd.Series(["3,530", "12"])], "point")
    'point'
    """
    comma = point = False
    sources: list[np.ndarray | str] = []
    for s in columns:
        if not pd.api.types.is_numeric_dtype(s.dtype):
            used, text = used_cells(s)  # text None: a column mixing text and numbers
            sources.append(used if text is None else text)
    if fields is not None:
        sources.append(fields)
    for cells in sources:
        # any() stops at the first piece of evidence: a column of 100,000 decimals costs one;
        # the cells holding the mark are found by searching the joined cells, not one by one
        comma = comma or any(_COMMA_RE.match(_bare(u)) for u in containing(cells, ","))
        point = point or any(_POINT_RE.match(_bare(u)) for u in containing(cells, "."))
        if comma and point:
            return "mixed"
    return "comma" if comma else "point" if point else default


def _number(core: str, convention: str) -> tuple[float | None, str]:
    """Read the number part; returns (value, audit note) or (None, reason it is unreadable)."""
    text = core
    note = ""
    if any(c in text for c in _SPACES) and _GROUPED_SPACE.match(text.lstrip("+-")):
        text = re.sub(r"[ \u00a0\u202f'\u2019]", "", text)
        note = "thousands separator"
    if any(c in text for c in _SPACES):
        return None, ""
    sign = ""
    if text[:1] in "+-":
        sign, text = text[:1], text[1:]
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        dec, thou = ("," if text.rfind(",") > text.rfind(".") else ".", "")
        thou = "." if dec == "," else ","
        if not re.fullmatch(rf"\d{{1,3}}(\{thou}\d{{3}})+\{dec}\d+", text):
            return None, ""
        return float(sign + text.replace(thou, "").replace(dec, ".")), "thousands separator"
    mark = "," if commas else "." if dots else ""
    if not mark:
        return float(sign + text), note
    if re.fullmatch(rf"\d{{1,3}}(\{mark}\d{{3}}){{2,}}", text):  # 1.234.567
        return float(sign + text.replace(mark, "")), "thousands separator"
    if (dots + commas) > 1 or not re.fullmatch(rf"\d*\{mark}\d+", text):
        return None, ""
    grouped = re.fullmatch(rf"[1-9]\d{{0,2}}\{mark}\d{{3}}", text) is not None
    decimal_mark = {"comma": ",", "point": "."}.get(convention)
    if grouped and decimal_mark is None:
        return None, f"{AMBIGUOUS}: {core!r} could be a thousands or a decimal separator"
    if grouped and mark != decimal_mark:
        return float(sign + text.replace(mark, "")), "thousands separator"
    value = float(sign + text.replace(",", "."))
    return value, note


def _one(text: str, what: str, convention: str) -> tuple[str, float, str, str]:
    """One text cell: (status, value, unit written, note or reason).

    status is ``"ok"``, ``"missing"`` or ``"bad"``.
    """
    cell = text.strip().strip("\"'").strip()
    if cell.lower() in _MISSING_TEXT:
        return "missing", np.nan, "", ""
    if _DATE.match(cell):
        return "bad", np.nan, "", A_DATE
    m = _SPLIT.match(cell)
    if not m:
        return "bad", np.nan, "", ""
    value, note = _number(m.group(1).strip(), convention)
    if value is None:
        return "bad", np.nan, "", note
    unit = (m.group(2) or "").strip().lower().rstrip(".")
    if not unit:
        return ("ok", value, "", f"{note}: {text!r} read as {value:.10g}" if note else "")
    found = UNITS[what].get(unit) or UNITS[what].get(unit.replace(" ", ""))
    if found is None:
        return "bad", np.nan, "", f"{UNKNOWN_UNIT}: {m.group(2).strip()!r}"
    name, factor = found
    shown = f"{value * factor:.10g} {_TARGET[what]}"
    return "ok", value * factor, name, f"unit converted: {text!r} read as {shown}"


def _digits_only(text: np.ndarray, convention: str, together: str | None = None) -> np.ndarray:
    """Where a cell is digits with at most one inner decimal point (``12``, ``12.5``), checked
    on the characters as a matrix (no Python loop); a dot in one group of three digits
    (``3.530``) only under the point convention. Cells that are not (signs, exponents,
    spaces, other characters) are left to the regular expression."""
    if not len(text):
        return np.zeros(0, dtype=bool)
    found = digit_cells(text, convention == "point", together)
    if found is not None:
        return found
    try:
        chars = text.astype("U")
    except (TypeError, ValueError):  # pragma: no cover - not strings
        return np.zeros(len(text), dtype=bool)
    width = chars.dtype.itemsize // 4
    if width == 0:
        return np.zeros(len(text), dtype=bool)
    code = chars.view(np.uint32).reshape(len(text), width)
    digit = (code >= 48) & (code <= 57)
    dot = code == 46
    length = (code != 0).sum(axis=1)
    ok = (digit | dot | (code == 0)).all(axis=1) & (length > 0) & (dot.sum(axis=1) <= 1)
    rows = np.arange(len(text))
    ok &= digit[:, 0] & digit[rows, np.maximum(length - 1, 0)]
    if convention != "point":  # 3.530: thousands or decimal? not plain
        at = np.where(dot.any(axis=1), np.argmax(dot, axis=1), -1)
        grouped = (at >= 1) & (at <= 3) & (length - at - 1 == 3) & (code[:, 0] != 48)
        ok &= ~grouped
    return ok


def _plain(uniques: Any, convention: str, together: str | None = None) -> np.ndarray:
    """Values of the cells that are plain numbers (``12``, ``12.5``, ``1e3``), NaN elsewhere;
    a dot in one group of three digits (``3.530``) is plain only under the point convention.
    ``together``: the cells joined, if already made."""
    values = np.asarray(uniques, dtype=object)
    together = joined(values) if together is None else together  # None: not all text
    if together is not None:
        is_str = np.ones(len(values), dtype=bool)
    else:
        is_str = np.fromiter((isinstance(u, str) for u in values), bool, len(values))
    out = np.full(len(values), np.nan)
    strings = np.flatnonzero(is_str)
    text = values[strings]
    fast = _digits_only(text, convention, together)
    if fast.any():
        out[strings[fast]] = text[fast].astype(float)
    rest = strings[~fast]
    if len(rest):  # signs, exponents, spaces around: the regular expression decides
        other = pd.Series(values[rest], dtype=object).str.strip()
        plain = other.str.fullmatch(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?").to_numpy(dtype=bool)
        if convention != "point":
            plain &= ~other.str.fullmatch(r"[-+]?[1-9]\d{0,2}\.\d{3}").to_numpy(dtype=bool)
        if plain.any():
            out[rest[plain]] = pd.to_numeric(other[plain], errors="coerce").to_numpy(dtype=float)
    return out


def _slow(u: Any, what: str, convention: str) -> tuple[str, float, str, str]:
    """One cell that is not a plain number: (status, value, unit written, note or reason)."""
    if isinstance(u, dt.date | pd.Timestamp):
        return "bad", np.nan, "", A_DATE
    if isinstance(u, bool | np.bool_):
        return "bad", np.nan, "", ""
    if isinstance(u, int | float | np.number):
        x = float(u)
        return ("ok" if np.isfinite(x) else "bad", x, "", "")
    return _one(str(u), what, convention)


def read_numbers(s: pd.Series, what: str, convention: str) -> Numbers:
    """Read one numeric column (``what``: time, age, size or mitoses) cell by cell.

    Numbers already numeric (a spreadsheet's number cells, a numeric DataFrame column) are
    taken as they are. Times are returned in the unit written in the cell converted to months
    when a unit is written, else as written (``unit`` is ``""``: the caller applies the
    column's unit); sizes in cm; ages in years.

    Examples
    --------
    >>> n = read_numbers(pd.Series(["3.530", "65 years", "12,5", "x"]), "age", "comma")
    >>> n.values.tolist()[:3], n.bad.tolist(), n.note.tolist()[1]
    ([3530.0, 65.0, 12.5], [False, False, False, True], "unit converted: '65 years' read as 65 years")
    """
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        values = s.to_numpy(dtype=float, na_value=np.nan)
        status = np.where(np.isnan(values), MISSING, np.where(np.isinf(values), BAD, OK))
        blank = np.full(len(values) + 1, "", dtype=object)
        return Numbers(
            np.arange(len(values)),
            np.append(values, np.nan),
            np.append(status, MISSING).astype(np.int8),
            blank,
            blank.copy(),
        )
    codes, uniques, together = slots(s)  # per category for a categorical column
    plain = _plain(uniques, convention, together)
    k = len(uniques)
    # one slot per distinct cell plus the missing slot (code -1 indexes the last)
    status_u = np.full(k + 1, MISSING, dtype=np.int8)
    values_u = np.full(k + 1, np.nan)
    unit_u = np.full(k + 1, "", dtype=object)
    text_u = np.full(k + 1, "", dtype=object)
    fast = ~np.isnan(plain)
    values_u[:k][fast] = plain[fast]
    status_u[:k][fast] = np.where(np.isfinite(plain[fast]), OK, BAD)
    values_u[:k][fast & ~np.isfinite(plain)] = np.nan
    names = {"ok": OK, "missing": MISSING, "bad": BAD}
    for i in np.flatnonzero(~fast):  # only the cells that are not plain numbers
        said, values_u[i], unit_u[i], text_u[i] = _slow(uniques[i], what, convention)
        status_u[i] = names[said]
    return Numbers(codes, values_u, status_u, unit_u, text_u)
