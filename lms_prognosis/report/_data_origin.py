"""Where the report's data come from, read from the cohort itself: synthetic or real, the
source, the time origin and the calendar dates, for the data statement.

Nothing here is assumed: a cohort is synthetic when it carries a simulation truth, when its
file has the bytes of a cohort shipped with the package, or when a data dictionary beside the
file (``README.md`` or ``<file>.md``) names the file and says "synthetic data". The time
origin comes from that dictionary's ``time`` row or from the name of the column the time was
read from (``months_from_surgery``, ``date_diagnosis``); otherwise it is "not stated in the
data". Calendar dates are those the time was derived from (``read_cohort(start_date=,
end_date=)``, kept in the cohort's audit) or date columns the cohort carries.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._provenance import hash_file
from lms_prognosis.cohort import read_dates
from lms_prognosis.exceptions import CohortError
from lms_prognosis.simulate.cohorts import simulate_cohort
from lms_prognosis.simulate.synthetic import SYNTHETIC_COHORTS

__all__ = ["DataOrigin", "data_origin", "DateRange"]

_ORIGIN_WORDS = (
    ("surg", "surgery"),
    ("resect", "surgery"),
    ("diag", "diagnosis"),
    ("dx", "diagnosis"),
    ("random", "randomisation"),
    ("biops", "biopsy"),
    ("treat", "start of treatment"),
)
_TIME_ROW = re.compile(r"^\|\s*`time`\s*\|(.*)$", re.MULTILINE)
_MAPPED = re.compile(r"column '([^']+)' read as 'time'")
_CALL_KEYS = ("profile", "model", "seed", "endpoint", "accrual_years", "follow_up_years")


@dataclass
class DateRange:
    """The earliest and latest date in one date column (ISO text) and how many were read."""

    column: str
    first: str
    last: str
    n: int


@dataclass
class DataOrigin:
    """What the data statement says about the cohort."""

    synthetic: bool
    statement: str
    source: str
    call: dict[str, Any] | None = None
    time_origin: str | None = None
    origin_from: str = ""
    dates: list[DateRange] = field(default_factory=list)
    end_dates: pd.Series | None = None  # per kept row, the end of follow-up (datetime64)


def _origin_word(text: str) -> str | None:
    low = text.lower()
    for key, word in _ORIGIN_WORDS:
        if key in low:
            return word
    return None


def _file(source: str) -> Path | None:
    """The cohort's file: as given, or a package-relative ``lms_prognosis/...`` path."""
    if not source or source.startswith("<"):
        return None
    path = Path(source)
    if path.is_file():
        return path
    if source.startswith("lms_prognosis/"):
        ref = resources.files("lms_prognosis").joinpath(source.split("/", 1)[1])
        if ref.is_file():
            return Path(str(ref))
    return None


Shipped = tuple[str, str, dict[str, Any]]


def _shipped(path: Path | None) -> Shipped | None:
    """(name, package file, call) of the shipped cohort with these bytes, if any."""
    if path is None:
        return None
    size = path.stat().st_size
    for name, (file, call) in SYNTHETIC_COHORTS.items():
        ref = Path(str(resources.files("lms_prognosis").joinpath(file)))
        if ref.is_file() and ref.stat().st_size == size and hash_file(ref) == hash_file(path):
            return name, file, call
    return None


def _dictionaries(path: Path) -> list[tuple[Path, str]]:
    """Data dictionaries beside ``path`` that name it: ``<stem>.md`` and ``README.md``."""
    out = []
    for cand in (path.with_suffix(".md"), path.parent / "README.md"):
        if cand.is_file():
            text = cand.read_text(encoding="utf-8", errors="replace")
            if cand.name != "README.md" or path.name in text:
                out.append((cand, _section_for(text, path.name)))
    return out


def _section_for(text: str, name: str) -> str:
    """The part of a README about one file: from the heading naming it to the next such
    heading (a README may describe several files)."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)  # code: no headings
    heads = [m.start() for m in re.finditer(r"^# ", text, re.MULTILINE)]
    for i, start in enumerate(heads):
        end = heads[i + 1] if i + 1 < len(heads) else len(text)
        if name in text[start : text.find("\n", start)]:
            return text[start:end]
    return text


def _with_defaults(call: dict[str, Any]) -> dict[str, Any]:
    """The call with simulate_cohort's defaults filled in (accrual, follow-up, ...)."""
    params = inspect.signature(simulate_cohort).parameters
    full = {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}
    full.update(call)
    return full


def _call_text(call: dict[str, Any]) -> str:
    parts = [f"{k}={call[k]!r}" for k in ("n", *_CALL_KEYS) if k in call]
    return f"simulate_cohort({', '.join(parts)})"


def _synthetic(
    cohort: Any, path: Path | None, shipped: Shipped | None
) -> tuple[str, dict[str, Any] | None] | None:
    """(statement, call) when the cohort is synthetic, else None."""
    truth = getattr(cohort, "truth", None)
    if truth is not None:
        call = dict(getattr(truth, "parameters", {}) or {})
        return (
            "Synthetic data, simulated by lms_prognosis "
            f"({_call_text(call)}): no real patient is in it.",
            call,
        )
    if shipped is not None:
        name, file, call = shipped
        return (
            f"Synthetic data: the cohort {name!r} shipped with lms_prognosis (the same bytes as "
            f"lms_prognosis/{file}, made by {_call_text(call)}); no real patient is in it.",
            _with_defaults(call),
        )
    for dic, text in _dictionaries(path) if path is not None else []:
        if "synthetic data" in text.lower():
            return (
                f"Synthetic data, as the data dictionary beside the file ({dic.name}) states; "
                "no real patient is in it.",
                None,
            )
    return None


def _time_origin(cohort: Any, path: Path | None, shipped: bool) -> tuple[str | None, str]:
    """(origin, where it is stated) from the dictionary, the date or the time column name."""
    for dic, text in _dictionaries(path) if path is not None else []:
        row = _TIME_ROW.search(text)
        word = _origin_word(row.group(1)) if row else None
        if word:
            return word, f"the data dictionary {dic.name}"
    notes = " ".join(str(n) for n in getattr(cohort, "notes", []) or [])
    read = getattr(cohort, "dates", None)
    if read is not None and (word := _origin_word(str(read.columns[0]))):
        return word, f"the start date column {read.columns[0]!r}"
    if m := _MAPPED.search(notes):
        word = _origin_word(m.group(1))
        if word:
            return word, f"the time column's name {m.group(1)!r}"
    if shipped or getattr(cohort, "truth", None) is not None:
        # simulated by lms_prognosis: the shipped cohorts' dictionaries give time from surgery
        return "surgery", "the data dictionaries of the cohorts lms_prognosis simulates"
    return None, ""


def _read_dates(cohort: Any) -> tuple[list[DateRange], pd.Series | None]:
    """Start and end dates of the kept rows, as read_cohort(start_date=, end_date=) read them."""
    read = getattr(cohort, "dates", None)
    if read is None or read.shape[1] != 2:
        return [], None
    read = read.reindex(cohort.data.index)
    ranges = [_range(str(c), read[c]) for c in read.columns]
    return [r for r in ranges if r is not None], read.iloc[:, 1].rename("end")


def _column_as_dates(texts: pd.Series, column: str) -> pd.Series:
    """An extra date column read as read_cohort reads dates (all NaT when its day/month order
    cannot be told: then no range is stated)."""
    try:
        read = read_dates(texts, column, None, "<report>", CohortError)
    except CohortError:
        return pd.Series(pd.NaT, index=texts.index)
    return pd.Series(pd.to_datetime(read.days, unit="D"), index=texts.index)


def _range(column: str, days: pd.Series) -> DateRange | None:
    ok = days.dropna()
    if ok.empty:
        return None
    return DateRange(column, ok.min().date().isoformat(), ok.max().date().isoformat(), len(ok))


def _column_dates(data: pd.DataFrame) -> list[DateRange]:
    """Date columns the cohort carries as extra columns (named like ``*date*``)."""
    out = []
    for col in data.columns:
        if "date" in str(col).lower() and not pd.api.types.is_numeric_dtype(data[col]):
            r = _range(str(col), _column_as_dates(data[col].dropna(), str(col)))
            if r is not None:
                out.append(r)
    return out


def data_origin(cohort: Any) -> DataOrigin:
    """What the data statement says: synthetic or real, source, time origin and dates."""
    source = str(getattr(cohort, "source", "") or "<frame>")
    path = _file(source)
    shipped = _shipped(path)
    syn = _synthetic(cohort, path, shipped)
    if syn is None:
        statement = f"Supplied by the user; source: {source}. Not known to be synthetic."
        call = None
    else:
        statement, call = syn
    origin, origin_from = _time_origin(cohort, path, shipped is not None)
    dates, end = _read_dates(cohort)
    dates += _column_dates(cohort.data)
    return DataOrigin(
        synthetic=syn is not None,
        statement=statement,
        source=source,
        call=call,
        time_origin=origin,
        origin_from=origin_from,
        dates=dates,
        end_dates=end,
    )


def shortest_admin_follow_up(call: dict[str, Any] | None) -> float | None:
    """Months of follow-up every patient of a simulated cohort would have had without loss
    (``follow_up_years`` after the last entry), or None when the design is not known."""
    if not call or "follow_up_years" not in call:
        return None
    value = float(np.asarray(call["follow_up_years"], dtype=float))
    return 12.0 * value if np.isfinite(value) else None
