"""Reading a cohort file or frame into the schema, accounting for every cell and row.

:func:`read_cohort` turns a CSV file, an ``.xlsx`` or ``.ods`` workbook or a DataFrame into a
:class:`Cohort`: a frame in the canonical schema of design section 3 (time in months, event
0 censored, 1 event, 2 competing), plus ``audit``, a log of every change made to the user's
data (rows excluded, cells set missing, converted or recoded). A bad row never raises; only a
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
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort import _values as _v
from lms_prognosis.cohort._audit import build_audit
from lms_prognosis.cohort._columns import (
    UNIT_COLUMN,
    ColumnPlan,
    looks_like,
    normalise_unit,
)
from lms_prognosis.cohort._covariates import read_covariate
from lms_prognosis.cohort._events import (
    NO_CENSORED_NOTE,
    R_STATUS,
    EventColumn,
    event_lookup,
    looks_like_r_status,
    parse_event,
)
from lms_prognosis.cohort._source import Options, Raw, load
from lms_prognosis.cohort._structure import (
    clean,
    repeated_headers,
)
from lms_prognosis.cohort._time import DateSpec, read_time, time_from_dates
from lms_prognosis.cohort._valuemap import check_values
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

_LOOKED_FOR = {
    "time": "'time', 'OS_months', 'OS_days', 'DSS_months', 'followup_months'",
    "event": "'event', 'status', 'vital_status', 'censor'",
}


def read_cohort(
    path_or_frame: str | os.PathLike[str] | pd.DataFrame,
    time_unit: str | None = None,
    columns: Mapping[str, str] | None = None,
    event_codes: Mapping[Any, int | None] | None = None,
    endpoint: str = "DSS",
    values: Mapping[str, Mapping[Any, Any]] | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    date_format: str | None = None,
    sheet: str | int | None = None,
) -> Cohort:
    """Read a cohort (CSV, .xlsx, .ods or DataFrame) into the canonical schema, auditing it.

    Parameters
    ----------
    path_or_frame : path or DataFrame
        A CSV file (``,`` ``;`` or tab separated, UTF-8 with or without BOM), an ``.xlsx``
        workbook (openpyxl) or ``.ods`` spreadsheet (odfpy), or a DataFrame (not modified).
    time_unit : {"months", "days", "weeks", "years"}, optional
        Unit of the time column. ``None`` (default) means months, unless the column's name
        states a unit (``OS_days`` -> days). A unit given here wins over the name; a
        ``time_unit`` column (one unit per row) and a unit written in a cell (``870 days``)
        win over both. Days are converted as ``days / 30.4375``, weeks as
        ``weeks * 7 / 30.4375``, years as ``years * 12``.
    columns : dict, optional
        ``{"file column": "canonical column"}`` for names the alias table does not know;
        ``"size_mm"`` as target reads a size in millimetres, ``"time_unit"`` a unit column.
    event_codes : dict, optional
        How to read the event column, e.g. ``{"dead": 1, "alive": 0}``, R's status
        ``{1: 0, 2: 1}`` or ``{9: None}`` (9 means unknown: a missing event). Values are the
        schema's codes 0 (censored), 1 (event of interest) and 2 (competing event), or None.
        Without it only the codes 0, 1 and 2 are read.
    endpoint : {"DSS", "OS", "MFS", "LRFS"}
        What ``event == 1`` means.
    values : dict, optional
        Coded categories, e.g. ``{"depth": {1: "superficial", 2: "deep"}}`` (keys: canonical
        or file column names). With a map, only the map reads that column: a code not in it
        is set missing ("unmapped code"), never guessed.
    start_date, end_date : str, optional
        Two date columns (e.g. date of surgery and of last contact) from which the time is
        derived instead of a time column: months = days between them / 30.4375
        (365.25 / 12 days a month). See Notes for the date forms read.
    date_format : str, optional
        A :func:`datetime.datetime.strptime` format for both date columns, e.g.
        ``"%d/%m/%Y"``; needed when the day/month order of ``01/02/2020`` cannot be told.
    sheet : str or int, optional
        The workbook's sheet (name or 0-based position); default the first.

    Returns
    -------
    Cohort
        ``data`` with the kept rows; ``audit`` with one line per change (row as in the file,
        column, value as written, action ``excluded`` / ``set missing`` / ``converted`` /
        ``recoded``, reason); ``exclusions``, the excluded part of the audit; ``notes`` with
        every mapping and file-wide decision.

    Raises
    ------
    CohortError
        Only if the input as a whole cannot be used: file missing, unreadable or binary,
        empty, header only, no time or event column (then also a ``ColumnNotFoundError``;
        for a workbook the message names its sheets), two columns with the same name,
        ambiguous columns, R's 1/2 status without ``event_codes=``, times that cannot be in
        the unit given (see Notes), dates whose day/month order cannot be told, no usable
        row. The message names the file and the column and says what to pass.
        ``CohortError`` is a ``SurvivalDataError``, the class every estimator raises.

    Notes
    -----
    **Rows are excluded only for the outcome**: missing, non-numeric, ambiguous, negative or
    implausible time (more than 100 years); missing or unmapped event; missing or duplicate
    patient id (the first row with an id is kept); an empty row; a repeated header line (one
    audit line); a line with more fields than the header.
    **A covariate that cannot be read is set missing** and the patient kept: age outside
    0-120, size <= 0 or > 60 cm, negative mitotic count, text that is no number, an
    ambiguous number, an unknown category, a code not in ``values=``.

    Numbers: decimal commas, thousands separators (``.`` in a decimal-comma file, ``,`` or
    spaces in others), quotes and units (``65 years``, ``45 mm`` -> 4.5 cm, ``28.6 months``,
    ``870 days``) are read, each change in the audit; ``3.530`` is read only when the file's
    convention says which separator it has, else it is ambiguous (rules in
    :mod:`lms_prognosis.cohort._numbers`).

    Time unit: if two or more times (and at least 5%) exceed 100 years, or the median
    exceeds 50 years, the column cannot be in the unit assumed and ``CohortError`` asks for
    ``time_unit=`` (``--time-unit days``); a single such time excludes its row. A median
    above 20 years, a median size above 25 cm or a median age above 100 gets a note and a
    :class:`~lms_prognosis.exceptions.DataWarning`.

    Dates: spreadsheet date cells, ISO ``2019-03-14``, ``14.03.2019`` (day first), and
    ``14/03/2019`` or ``03/14/2019`` when some date in the column tells the order; two-digit
    years and numbers are not read (row excluded, "unreadable date"); an end before the
    start is excluded ("end before start"). A month is 365.25 / 12 = 30.4375 days.

    Event codes are read by the rules of the one survival-input check
    (``lms_prognosis._survdata``): 0 censored, 1 event of interest, 2 competing event. Any
    other code and any text excludes its row unless ``event_codes=`` declares it; a column
    whose codes are 1 and 2 with no 0 (R's ``Surv`` status) is refused as a whole.

    Row numbers: the line in the file (the first data row is 2 when the header is the first
    line; a title line above the header, or blank lines, are skipped with a note and counted);
    the spreadsheet row for a workbook (a title row above the header likewise); the 1-based
    position for a DataFrame.

    References
    ----------
    Therneau TM. survival: Survival Analysis. R package version 3.5-3, help page ``?Surv``.

    Examples
    --------
    >>> cohort = read_cohort(EXAMPLE_MESSY_COHORT)
    >>> cohort.data["time"].dtype, cohort.data["grade"].cat.categories.tolist()
    (dtype('float64'), ['1', '2', '3'])
    >>> cohort.audit["action"].drop_duplicates().tolist()
    ['converted', 'excluded', 'set missing']
    """
    endpoint_ = str(endpoint).strip().upper()
    if endpoint_ not in ENDPOINTS:
        raise CohortError(f"endpoint={endpoint!r} is not one of {', '.join(ENDPOINTS)}")
    if event_codes is not None:
        event_lookup(event_codes, CohortError)  # check the mapping before any reading
    if (start_date is None) != (end_date is None):
        raise CohortError("give both start_date= and end_date= (the two date columns)")
    dates = None if start_date is None else DateSpec(str(start_date), str(end_date), date_format)
    raw = load(path_or_frame, Options(time_unit, columns, dates, sheet))
    valmaps = check_values(values, raw.plan.source)
    cohort = _build(raw, event_codes, dates, valmaps)
    cohort.endpoint = endpoint_
    cohort.event_codes = None if event_codes is None else dict(event_codes)
    cohort.notes = raw.notes + raw.plan.notes + cohort.notes
    hint = raw.plan.endpoint_hint
    if hint and hint != endpoint_ and dates is None:
        cohort.notes.append(
            f"time column {raw.plan.source['time']!r} suggests endpoint "
            f"{hint}, but endpoint={endpoint_!r} is used; pass "
            f"endpoint={hint!r} if that is what the data are"
        )
    return cohort


def _require(raw: Raw, dates: DateSpec | None) -> None:
    """Refuse a file without a time or event column, naming columns that look like one."""
    names = [str(c) for c in raw.frame.columns]
    for name in ("event",) if dates else ("time", "event"):
        if name in raw.plan.source:
            continue
        close = looks_like(name, names)
        fix = (
            f"; {' or '.join(map(repr, close))} looks like it: pass "
            f"columns={{{close[0]!r}: {name!r}}}"
            if close
            else f"; name yours with columns={{'<your column>': {name!r}}}"
        )
        if len(raw.sheets) > 1:
            fix += f"; sheet {raw.sheets[0]!r} was read; the workbook has sheets " + ", ".join(
                map(repr, raw.sheets)
            )
            other = [s for s in raw.found if s != raw.sheets[0]]
            fix += f" and the columns are on {other[0]!r}: pass sheet={other[0]!r}" if other else ""
        shown = ", ".join(clean(n, 40) for n in names[:30]) + (" ..." if len(names) > 30 else "")
        raise CohortColumnError(
            f"{raw.where}: no {name!r} column (looked for {_LOOKED_FOR[name]} and similar)"
            f"{fix}. Columns found: {shown}"
        )


def _trim(
    raw: Raw, notes: list[str], dates: DateSpec | None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Drop empty lines after the last record (they are not rows; said in the notes).

    An empty line before a record is a row ("empty row"), also when that record is a line
    with surplus fields that is set apart in ``raw.bad``. Returns frame, rows and the mask
    of empty rows."""
    frame, rows = raw.frame, raw.rows
    _require(raw, dates)
    if len(frame) == 0 and not raw.bad.lines:
        raise CohortError(f"{raw.where}: has a header but no data rows")
    empty = _empty_rows(frame, dates.start if dates else raw.plan.source["time"])
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


def _build(
    raw: Raw,
    event_codes: Mapping[Any, int | None] | None,
    dates: DateSpec | None,
    valmaps: dict[str, dict[str, Any]],
) -> Cohort:
    notes: list[str] = []
    frame, rows, empty = _trim(raw, notes, dates)
    repeated = repeated_headers(frame) & ~empty
    src = raw.plan.source
    out: dict[str, Any] = {}
    problems: list[_v.Problem] = []
    if "patient_id" in src:
        out["patient_id"], shown_ids, found = _patient_ids(
            frame[src["patient_id"]], src["patient_id"], rows, empty | repeated
        )
        problems += found
    else:
        out["patient_id"] = shown_ids = np.char.add("row-", rows.astype(str)).astype(object)
        notes.append("no patient id column: ids generated as 'row-<row number>'")
    read_dates: pd.DataFrame | None = None
    if dates is None:
        _check_unit_column(frame, raw.plan, notes)
        out["time"], found = read_time(frame, raw.plan, raw.convention, raw.where, notes)
    else:
        out["time"], found, read_dates = time_from_dates(frame, dates, raw.where)
        notes.append(
            f"time derived from {dates.start!r} to {dates.end!r} in months "
            "(days / 30.4375); each row in the audit"
        )
    problems += found
    events = _events(frame, raw, event_codes)
    problems += events.problems
    notes += events.notes  # competing events: said in notes, shown by repr and `check`
    out["event"] = events.codes
    for name in SCHEMA[3:]:
        if name in src:
            out[name], found = read_covariate(
                frame[src[name]],
                name,
                src[name],
                raw.convention,
                raw.plan,
                valmaps.get(name),
                notes,
            )
            problems += found
    absent = [c for c in SCHEMA[3:] if c not in src]
    if absent:
        notes.append(f"schema columns not in the input: {', '.join(absent)}")
    audit, excluded, lines = build_audit(frame, rows, shown_ids, problems, empty, repeated, raw.bad)
    exclusions = _excluded_part(audit, lines)
    n_read = len(frame) + len(raw.bad.lines)
    _check_kept(events, ~excluded, exclusions, n_read, raw.where, notes)
    used = set(src.values()) | ({dates.start, dates.end} if dates else set())
    extras = [c for c in frame.columns if c not in used]
    data = _kept(out, frame, extras, excluded, raw.as_text)
    if read_dates is not None:
        read_dates = read_dates[~excluded].set_axis(data.index)
    return Cohort(
        data=data,
        exclusions=exclusions,
        source=raw.where,
        n_read=n_read,
        notes=notes,
        audit=audit,
        dates=read_dates,
    )


def _kept(
    out: dict[str, Any],
    frame: pd.DataFrame,
    extras: list[str],
    excluded: np.ndarray,
    as_text: list[str],
) -> pd.DataFrame:
    """The kept rows: the schema columns read (arrays made here, not copied again), then the
    input's other columns as they were (copied: the input is never shared); those in
    ``as_text``, parsed as categories, as the text columns pandas reads."""
    keep = np.flatnonzero(~excluded) if excluded.any() else None
    columns: dict[str, Any] = {
        name: values if keep is None else values[keep] for name, values in out.items()
    }
    columns["event"] = np.asarray(columns["event"], dtype=np.int64)
    for c in extras:  # as Series: a column keeps its dtype (object stays object)
        cells = frame[c] if keep is None else frame[c].iloc[keep]
        if c in as_text:
            cells = pd.Series(np.asarray(cells, dtype=object), name=c)
        columns[c] = cells.reset_index(drop=True)
    return pd.DataFrame(columns, copy=False)


def _check_unit_column(frame: pd.DataFrame, plan: ColumnPlan, notes: list[str]) -> None:
    """Use a column named like ``unit`` as the time unit only if it holds time units (a
    hospital ``Unit`` column is left alone, as an extra column)."""
    column = plan.source.get(UNIT_COLUMN)
    if column is None:
        return
    cells = frame[column].dropna().astype(str)
    units = cells.map(normalise_unit).notna()
    if len(cells) and units.mean() >= 0.5:
        notes.append(f"column {column!r} gives each row's time unit")
        return
    del plan.source[UNIT_COLUMN]
    notes.append(
        f"column {column!r} does not hold time units (days, weeks, months, years); "
        "kept as an extra column"
    )


def _excluded_part(audit: pd.DataFrame, lines: np.ndarray) -> pd.DataFrame:
    """The ``excluded`` lines of the audit (``lines`` marks them), without the action."""
    if not lines.any():
        return empty_exclusions()
    part = audit.iloc[np.flatnonzero(lines)]  # the few lines first, then the columns
    return part[list(EXCLUSION_COLUMNS)].reset_index(drop=True)


def _events(
    frame: pd.DataFrame, raw: Raw, event_codes: Mapping[Any, int | None] | None
) -> EventColumn:
    """The event column read as the one survival-input check reads it (0/1/2)."""
    column = raw.plan.source["event"]
    comma = raw.convention == "comma"
    events = parse_event(frame[column], column, event_codes, comma, CohortError)
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
) -> tuple[np.ndarray, np.ndarray, list[_v.Problem]]:
    """Ids as text, as shown in the audit (``""`` if missing); missing ids and repeats of an
    earlier id (naming its row) are problems."""
    ids, codes, text = _v.id_codes(s)  # missing ids get -1 and are never duplicates
    missing = codes < 0
    problems = _flag(column, [(missing, _v.MISSING_ID)])
    n = len(codes)
    first = np.full(int(codes.max(initial=-1)) + 2, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(n - 1, -1, -1)  # the first position of each id wins
    dup = (codes >= 0) & (first[codes] != np.arange(n)) & ~empty
    if dup.any():
        pos = np.flatnonzero(dup)
        reason = np.array(
            [f"{_v.DUPLICATE_ID}: first seen in row {r}" for r in rows[first[codes[pos]]]],
            dtype=object,
        )
        problems.append(_v.Problem(pos, column, reason))
    return ids, text[codes], problems


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


def _empty_rows(frame: pd.DataFrame, time_column: str) -> np.ndarray:
    """Rows whose every cell is missing (only rows with a missing time are looked at)."""
    empty = frame[time_column].isna().to_numpy(dtype=bool)
    if empty.any():
        pos = np.flatnonzero(empty)
        empty[pos] = frame.iloc[pos].isna().all(axis=1).to_numpy(dtype=bool)
    return empty
