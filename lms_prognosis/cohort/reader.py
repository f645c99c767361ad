"""Reading a cohort file or frame into the schema, accounting for every row.

:func:`read_cohort` turns a CSV file, an ``.xlsx`` workbook or a DataFrame into a
:class:`Cohort`: a frame in the canonical schema of design section 3 (time in months, event
0 censored, 1 event, 2 competing), plus a log of every row that was *not* kept and why. A bad row never raises; only a
file that cannot be used as a whole raises :class:`CohortError`.

Examples
--------
>>> import pandas as pd
>>> raw = pd.DataFrame({"id": ["a", "b", "c"], "OS_days": [365.25, -3, 730.5],
...                     "status": [1, 0, 0], "Grade": ["G2", "III", "2"]})
>>> cohort = read_cohort(raw)
>>> cohort.data[["patient_id", "time", "event", "grade"]]
  patient_id  time  event grade
0          a  12.0      1     2
1          c  24.0      0     2
>>> cohort.exclusions[["row", "column", "value", "reason"]]
   row   column value         reason
0    2  OS_days    -3  negative time
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort import _values as _v
from lms_prognosis.cohort._columns import ColumnPlan, looks_like, plan_columns
from lms_prognosis.cohort._events import (
    NO_CENSORED_NOTE,
    R_STATUS,
    EventColumn,
    event_lookup,
    looks_like_r_status,
    parse_event,
)
from lms_prognosis.cohort._io import (
    BadLines,
    is_xlsx,
    open_csv,
    read_bytes,
    read_csv_rows,
    read_xlsx,
    row_numbers,
)
from lms_prognosis.cohort.cohort import Cohort, empty_exclusions, reason_kind
from lms_prognosis.cohort.schema import ENDPOINTS, EXAMPLE_MESSY_COHORT, EXCLUSION_COLUMNS, SCHEMA
from lms_prognosis.exceptions import CohortColumnError, CohortError

__all__ = [
    "Cohort",
    "CohortError",
    "CohortColumnError",
    "read_cohort",
    "empty_exclusions",
    "ENDPOINTS",
    "SCHEMA",
    "LEVELS",
    "EXCLUSION_COLUMNS",
    "EXAMPLE_MESSY_COHORT",
]

#: canonical category levels, in the order of ``pandas.Categorical.categories``
LEVELS: dict[str, tuple[str, ...]] = {k: v[0] for k, v in _v.CATEGORIES.items()}

_NUMERIC_RULES = {  # canonical -> (reason kind, lower, upper, include lower, explanation)
    "age": (_v.IMPOSSIBLE_AGE, 0.0, 120.0, True, "outside 0-120 years"),
    "size_cm": (_v.IMPOSSIBLE_SIZE, 0.0, 60.0, False, "must be > 0 and <= 60 cm"),
    "mitoses_per_10hpf": (_v.IMPOSSIBLE_MITOSES, 0.0, np.inf, True, "must be >= 0"),
}
_NUMERIC_NAMES = {"age": "age", "size_cm": "size", "mitoses_per_10hpf": "mitotic count"}
_LOOKED_FOR = {
    "time": "'time', 'OS_months', 'OS_days', 'DSS_months', 'followup_months'",
    "event": "'event', 'status', 'vital_status', 'censor'",
}


@dataclass
class _Raw:
    """A file or frame read but not yet checked: cells as found, and where each row was."""

    frame: pd.DataFrame
    rows: np.ndarray  # row number of each record (file line, spreadsheet row or position)
    plan: ColumnPlan
    where: str
    bad: BadLines = field(default_factory=BadLines)
    decimal_comma: bool = False
    notes: list[str] = field(default_factory=list)


def read_cohort(
    path_or_frame: str | os.PathLike[str] | pd.DataFrame,
    time_unit: str | None = None,
    columns: Mapping[str, str] | None = None,
    event_codes: Mapping[Any, int | None] | None = None,
    endpoint: str = "DSS",
) -> Cohort:
    """Read a cohort (CSV, .xlsx or DataFrame) into the canonical schema, accounting for rows.

    Parameters
    ----------
    path_or_frame : path or DataFrame
        A CSV file (``,`` ``;`` or tab separated, UTF-8 with or without BOM), an ``.xlsx``
        workbook (first sheet, header in row 1) or a DataFrame (not modified).
    time_unit : {"months", "days", "weeks", "years"}, optional
        Unit of the time column. ``None`` (default) means months, unless the column's name
        states a unit (``OS_days`` -> days). A unit given here always wins over the name.
        Days are converted as ``days / 30.4375``, weeks as ``weeks * 7 / 30.4375``, years as
        ``years * 12``.
    columns : dict, optional
        ``{"file column": "canonical column"}`` for names the alias table does not know;
        ``"size_mm"`` as target reads a size in millimetres.
    event_codes : dict, optional
        How to read the event column, e.g. ``{"dead": 1, "alive": 0}``, R's status
        ``{1: 0, 2: 1}`` or ``{9: None}`` (9 means unknown: a missing event). Values are the
        schema's codes 0 (censored), 1 (event of interest) and 2 (competing event), or None.
        Without it only the codes 0, 1 and 2 are read.
    endpoint : {"DSS", "OS", "MFS", "LRFS"}
        What ``event == 1`` means.

    Returns
    -------
    Cohort
        ``data`` with the kept rows, ``exclusions`` with one line per problem,
        ``notes`` with every mapping and conversion applied.

    Raises
    ------
    CohortError
        Only if the input as a whole cannot be used: file missing or unreadable, empty,
        header only, no time or event column (then also a ``ColumnNotFoundError``), ambiguous
        columns, R's 1/2 status without ``event_codes=``, no usable row. The message names the
        file and the column and says what to pass. ``CohortError`` is a
        ``SurvivalDataError``, the class every estimator raises for the same input.

    Notes
    -----
    Event codes are read by the rules of the one survival-input check
    (``lms_prognosis._survdata``), so a cohort read here is accepted by every estimator:
    0 censored, 1 event of interest, 2 competing event (e.g. death from other causes in a DSS
    analysis; counted in ``notes``, and censored for the event of interest). Any other code
    (3, 9, -1, 1.5) and any text code excludes its row ("event code outside the map") unless
    ``event_codes=`` declares it. R's ``Surv()`` guesses 1/2 coding when
    ``max(status) == 2``; this function does not guess: a column whose codes are 1 and 2 with
    no 0 raises ``CohortError`` asking for ``event_codes={1: 0, 2: 1}``, as the estimators
    do. So does a file whose censored rows were all excluded, leaving codes 1 and 2 only.

    Row numbers in ``exclusions["row"]``: the line in the file with the header as line 1, so
    the first data row is 2 (exactly the line number unless a quoted cell spans lines); the
    spreadsheet row for ``.xlsx``; the 1-based position for a DataFrame.

    Rows are excluded (never raised on) for: missing, non-numeric or negative time; missing
    event (or one declared unknown) or event code outside the map; missing or duplicate patient id (the first row with
    an id is kept, later ones name it); age outside 0-120; size <= 0 or > 60 cm; negative
    mitotic count; non-numeric age/size/mitotic count; a categorical value that is not
    recognisable; an empty row between records (empty lines after the last record are not
    rows, and are only noted); a line with more fields than the header. Missing covariates
    are not exclusions: they stay missing, and so do explicit tokens such as ``unknown`` or
    grade ``GX``. Categorical spellings are normalised only when unambiguous (case, spaces,
    ``G2``/``II``/``2``, ``>50%`` -> ``>=50%``, yes/no/present/absent/1/0).

    Months are 365.25 / 12 = 30.4375 days.

    References
    ----------
    Therneau TM. survival: Survival Analysis. R package version 3.5-3, help page ``?Surv``
    (argument ``event``: "normally 0=alive, 1=dead ... or 1/2 (2=death)").

    Examples
    --------
    >>> cohort = read_cohort(EXAMPLE_MESSY_COHORT)
    >>> cohort.data["time"].dtype, cohort.data["grade"].cat.categories.tolist()
    (dtype('float64'), ['1', '2', '3'])
    >>> cohort.exclusions["reason"].str.split(": ").str[0].drop_duplicates().tolist()[:3]
    ['negative time', 'missing time', 'non-numeric time']
    """
    endpoint_ = str(endpoint).strip().upper()
    if endpoint_ not in ENDPOINTS:
        raise CohortError(f"endpoint={endpoint!r} is not one of {', '.join(ENDPOINTS)}")
    if event_codes is not None:
        event_lookup(event_codes, CohortError)  # check the mapping before any reading
    raw = _load(path_or_frame, time_unit, columns)
    cohort = _build(raw, event_codes)
    cohort.endpoint = endpoint_
    cohort.event_codes = None if event_codes is None else dict(event_codes)
    cohort.notes = raw.notes + raw.plan.notes + cohort.notes
    hint = raw.plan.endpoint_hint
    if hint and hint != endpoint_:
        cohort.notes.append(
            f"time column {raw.plan.source['time']!r} suggests endpoint "
            f"{hint}, but endpoint={endpoint_!r} is used; pass "
            f"endpoint={hint!r} if that is what the data are"
        )
    return cohort


def _load(path_or_frame: Any, time_unit: str | None, columns: Mapping[str, str] | None) -> _Raw:
    if isinstance(path_or_frame, pd.DataFrame):
        return _load_frame(path_or_frame, time_unit, columns)
    if not isinstance(path_or_frame, str | os.PathLike):
        raise CohortError(
            f"read_cohort needs a file path or a DataFrame, got {type(path_or_frame).__name__}"
        )
    path = Path(os.fspath(path_or_frame))
    where = str(path)
    raw = read_bytes(path, where, CohortError)
    if not raw or raw.isspace():
        raise CohortError(f"{where}: the file is empty")
    if path.suffix.lower() == ".xls":
        raise CohortError(f"{where}: old .xls workbooks are not read; save it as .xlsx or CSV")
    if is_xlsx(path, raw):
        frame = read_xlsx(raw, where, CohortError)
        if frame.shape[1] == 0:
            raise CohortError(f"{where}: the workbook's first sheet is empty")
        plan = plan_columns(list(frame.columns), columns, time_unit, where)
        return _Raw(frame, np.arange(2, len(frame) + 2, dtype=np.int64), plan, where)
    csv = open_csv(raw, where, CohortError)
    plan = plan_columns(csv.header, columns, time_unit, where)
    dtype = {plan.source["patient_id"]: str} if "patient_id" in plan.source else {}
    frame, bad = read_csv_rows(csv, dtype)
    return _Raw(frame, row_numbers(len(frame), bad), plan, where, bad, csv.decimal_comma, csv.notes)


def _load_frame(
    frame: pd.DataFrame, time_unit: str | None, columns: Mapping[str, str] | None
) -> _Raw:
    where = "<DataFrame>"
    if frame.shape[1] == 0:
        raise CohortError(f"{where}: the frame has no columns")
    frame = frame.rename(columns=lambda c: str(c).strip())
    duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
    if duplicated:
        raise CohortError(
            f"{where}: column name(s) {', '.join(map(repr, duplicated))} appear more than once"
        )
    plan = plan_columns(list(frame.columns), columns, time_unit, where)
    return _Raw(frame, np.arange(1, len(frame) + 1, dtype=np.int64), plan, where)


def _require(raw: _Raw) -> None:
    """Refuse a file without a time or event column, naming columns that look like one."""
    names = [str(c) for c in raw.frame.columns]
    for name in ("time", "event"):
        if name in raw.plan.source:
            continue
        close = looks_like(name, names)
        fix = (
            f"; {' or '.join(map(repr, close))} looks like it: pass "
            f"columns={{{close[0]!r}: {name!r}}}"
            if close
            else f"; name yours with columns={{'<your column>': {name!r}}}"
        )
        raise CohortColumnError(
            f"{raw.where}: no {name!r} column (looked for "
            f"{_LOOKED_FOR[name]} and similar){fix}. Columns found: "
            f"{', '.join(names)}"
        )


def _trim(raw: _Raw, notes: list[str]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Drop empty lines after the last record (they are not rows; said in the notes).

    An empty line before a record is a row ("empty row"), also when that record is a line
    with surplus fields that is set apart in ``raw.bad``. Returns frame, rows and the mask
    of empty rows."""
    frame, rows = raw.frame, raw.rows
    if len(frame) == 0 and not raw.bad.lines:
        raise CohortError(f"{raw.where}: has a header but no data rows")
    _require(raw)
    empty = _empty_rows(frame, raw.plan.source["time"])
    if not len(frame) or not empty[-1]:
        return frame, rows, empty
    filled = ~empty | (rows < max(raw.bad.lines, default=0))
    cut = int(np.flatnonzero(filled)[-1]) + 1 if filled.any() else 0
    if cut == len(frame):
        return frame, rows, empty
    notes.append(f"{len(frame) - cut} empty line(s) at the end of the input ignored")
    if cut == 0 and not raw.bad.lines:
        raise CohortError(f"{raw.where}: has a header but no data rows")
    return frame.iloc[:cut], rows[:cut], empty[:cut]


def _build(raw: _Raw, event_codes: Mapping[Any, int | None] | None) -> Cohort:
    notes: list[str] = []
    frame, rows, empty = _trim(raw, notes)
    src = raw.plan.source
    out: dict[str, Any] = {}
    problems: list[_v.Problem] = []
    if "patient_id" in src:
        out["patient_id"], found = _patient_ids(
            frame[src["patient_id"]], src["patient_id"], rows, empty
        )
        problems += found
    else:
        out["patient_id"] = np.char.add("row-", rows.astype(str)).astype(object)
        notes.append("no patient id column: ids generated as 'row-<row number>'")
    t, miss, nonnum = _v.parse_numeric(frame[src["time"]], raw.decimal_comma)
    problems += _flag(
        src["time"],
        [
            (miss, _v.MISSING_TIME),
            (nonnum, _v.NON_NUMERIC_TIME),
            (~miss & ~nonnum & (t < 0), _v.NEGATIVE_TIME),
        ],
    )
    out["time"] = t * raw.plan.time_factor
    events = _events(frame, raw, event_codes)
    problems += events.problems
    notes += events.notes  # competing events: said in notes, shown by repr and `check`
    out["event"] = events.codes
    for name in SCHEMA[3:]:
        if name in src:
            out[name], found = _covariate(
                frame[src[name]], name, src[name], raw.decimal_comma, raw.plan, notes
            )
            problems += found
    absent = [c for c in SCHEMA[3:] if c not in src]
    if absent:
        notes.append(f"schema columns not in the input: {', '.join(absent)}")
    exclusions, excluded = _exclusions(frame, rows, out["patient_id"], problems, empty, raw.bad)
    n_read = len(frame) + len(raw.bad.lines)
    _check_kept(events, ~excluded, exclusions, n_read, raw.where, notes)
    data = pd.DataFrame({name: values[~excluded] for name, values in out.items()})
    data["event"] = data["event"].astype("int64")
    extras = [c for c in frame.columns if c not in set(src.values())]
    if extras:
        rest = frame.loc[~excluded, extras].reset_index(drop=True)
        data = pd.concat([data, rest], axis=1)
    return Cohort(data=data, exclusions=exclusions, source=raw.where, n_read=n_read, notes=notes)


def _events(
    frame: pd.DataFrame, raw: _Raw, event_codes: Mapping[Any, int | None] | None
) -> EventColumn:
    """The event column read as the one survival-input check reads it (0/1/2)."""
    column = raw.plan.source["event"]
    events = parse_event(frame[column], column, event_codes, raw.decimal_comma, CohortError)
    if not events.declared and looks_like_r_status(events.codes):
        # 1/2 with no 0 cannot be read row by row: under R's coding every kept "1" would be a
        # censored patient analysed as a death. The whole column is ambiguous, so refuse it.
        raise CohortError(f"{raw.where}: event column {column!r} {R_STATUS}")
    return events


def _check_kept(
    events: EventColumn,
    kept: np.ndarray,
    exclusions: pd.DataFrame,
    n_read: int,
    where: str,
    notes: list[str],
) -> None:
    """Refuse a cohort no analysis could use: no row kept, or (codes not declared) no
    censored row left beside competing events, which every entry point reads as R's status."""
    if not kept.any():
        counts = exclusions.drop_duplicates("row")["reason"].map(reason_kind).value_counts()
        detail = ", ".join(f"{k}: {v}" for k, v in counts.items())
        raise CohortError(
            f"{where}: no usable row: all {n_read} rows were excluded ({detail})",
            exclusions=exclusions,
        )
    if not looks_like_r_status(events.codes[kept]):
        return
    if events.declared:
        notes.append(NO_CENSORED_NOTE)
        return
    raise CohortError(
        f"{where}: no censored row is left once the excluded rows are left out: "
        f"the rows kept have event codes 1 and 2 only, which every analysis "
        f"refuses as R's 1/2 status; correct the excluded rows (see the "
        f"exclusions)",
        exclusions=exclusions,
    )


def _patient_ids(
    s: pd.Series, column: str, rows: np.ndarray, empty: np.ndarray
) -> tuple[np.ndarray, list[_v.Problem]]:
    """Ids as text; missing ids and repeats of an earlier id (naming its row) are problems."""
    ids = _v.parse_ids(s)
    missing = ids.isna().to_numpy(dtype=bool)
    problems = _flag(column, [(missing, _v.MISSING_ID)])
    codes, uniques = pd.factorize(ids)  # missing ids get -1 and are never duplicates
    n = len(codes)
    first = np.full(len(uniques) + 1, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)  # the first position of each id wins
    dup = (codes >= 0) & (first[codes] != np.arange(n)) & ~empty
    if dup.any():
        pos = np.flatnonzero(dup)
        reason = np.array(
            [f"{_v.DUPLICATE_ID}: first seen in row {r}" for r in rows[first[codes[pos]]]],
            dtype=object,
        )
        problems.append(_v.Problem(pos, column, reason))
    return ids.to_numpy(dtype=object), problems


def _covariate(
    s: pd.Series, name: str, column: str, decimal_comma: bool, plan: ColumnPlan, notes: list[str]
) -> tuple[Any, list[_v.Problem]]:
    """Parse one covariate column; notes get the spellings normalised and tokens missing."""
    if name in _NUMERIC_RULES:
        return _numeric_covariate(s, name, column, decimal_comma, plan, notes)
    if name in _v.CATEGORIES:
        levels, table = _v.CATEGORIES[name]
        parsed = _v.parse_category(s, name, levels, table)
    else:
        parsed = _v.parse_boolean(s, name, _v.BOOLEANS[name])
    if parsed.recoded:
        shown = ", ".join(f"{raw!r} as {level}" for raw, level in parsed.recoded[:6])
        more = len(parsed.recoded) - 6
        notes.append(f"{column!r}: read {shown}" + (f" (+{more} more)" if more > 0 else ""))
    if parsed.n_missing_tokens:
        notes.append(
            f"{column!r}: {parsed.n_missing_tokens} value(s) such as 'unknown'"
            + (" or 'GX'" if name == "grade" else "")
            + " read as missing"
        )
    return parsed.values, [] if parsed.problem is None else [parsed.problem]


def _flag(column: str, checks: list[tuple[np.ndarray, str]]) -> list[_v.Problem]:
    return [
        _v.Problem(np.flatnonzero(mask), column, reason) for mask, reason in checks if mask.any()
    ]


def _numeric_covariate(
    s: pd.Series, name: str, column: str, decimal_comma: bool, plan: ColumnPlan, notes: list[str]
) -> tuple[np.ndarray, list[_v.Problem]]:
    values, _, nonnum = _v.parse_numeric(s, decimal_comma)
    if name == "size_cm" and plan.size_in_mm:
        values = values / 10.0
    kind, low, high, closed, why = _NUMERIC_RULES[name]
    with np.errstate(invalid="ignore"):
        below = values < low if closed else values <= low
        outside = ~np.isnan(values) & ~nonnum & (below | (values > high))
    if name == "size_cm" and not plan.size_in_mm:
        finite = values[np.isfinite(values)]
        if finite.size and np.mean(finite > 60) > 0.5:
            notes.append(
                f"most values of {column!r} exceed 60 cm; if they are millimetres "
                f"pass columns={{{column!r}: 'size_mm'}}"
            )
    why = why + (" (read in mm, converted to cm)" if name == "size_cm" and plan.size_in_mm else "")
    return values, _flag(
        column,
        [(nonnum, _v.NON_NUMERIC.format(what=_NUMERIC_NAMES[name])), (outside, f"{kind}: {why}")],
    )


def _empty_rows(frame: pd.DataFrame, time_column: str) -> np.ndarray:
    """Rows whose every cell is missing (only rows with a missing time are looked at)."""
    empty = frame[time_column].isna().to_numpy(dtype=bool)
    if empty.any():
        pos = np.flatnonzero(empty)
        empty[pos] = frame.iloc[pos].isna().all(axis=1).to_numpy(dtype=bool)
    return empty


def _exclusions(
    frame: pd.DataFrame,
    rows: np.ndarray,
    ids: np.ndarray,
    problems: list[_v.Problem],
    empty: np.ndarray,
    bad: BadLines,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Build the exclusions log (sorted by row) and the mask of excluded positions."""
    excluded = empty.copy()
    parts = []
    if empty.any():
        pos = np.flatnonzero(empty)
        parts.append(
            pd.DataFrame(
                {
                    "row": rows[pos],
                    "patient_id": "",
                    "column": "",
                    "value": "",
                    "reason": _v.EMPTY_ROW,
                }
            )
        )
    for p in problems:
        pos = p.positions
        reason = p.reason
        if empty.any():  # an empty row is reported once, as an empty row
            keep = ~empty[pos]
            pos = pos[keep]
            reason = reason[keep] if isinstance(reason, np.ndarray) else reason
        if not pos.size:
            continue
        excluded[pos] = True
        parts.append(
            pd.DataFrame(
                {
                    "row": rows[pos],
                    "patient_id": [("" if i is None or i is pd.NA else str(i)) for i in ids[pos]],
                    "column": p.column,
                    "value": _v.raw_text(frame[p.column].iloc[pos]),
                    "reason": reason,
                }
            )
        )
    if bad.lines:
        parts.append(
            pd.DataFrame(
                {
                    "row": bad.lines,
                    "patient_id": bad.ids or [""] * len(bad.lines),
                    "column": "",
                    "value": "",
                    "reason": [f"{_v.WRONG_FIELDS}: {m}" for m in bad.messages],
                }
            )
        )
    if not parts:
        return empty_exclusions(), excluded
    log = pd.concat(parts, ignore_index=True)
    log = log.iloc[np.argsort(log["row"].to_numpy(), kind="stable")].reset_index(drop=True)
    log["row"] = log["row"].astype("int64")
    return log[list(EXCLUSION_COLUMNS)], excluded
