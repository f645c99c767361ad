"""Cohort schema, reading and row accounting.

:func:`read_cohort` turns a CSV file, an ``.xlsx`` workbook or a DataFrame into a
:class:`Cohort`: a frame in the canonical schema of design section 3 (time in months, event
0/1/2..), plus a log of every row that was *not* kept and why. A bad row never raises; only a
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

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort import _values as _v
from lms_prognosis.cohort._columns import SCHEMA, ColumnPlan, plan_columns
from lms_prognosis.cohort._io import (
    BadLines,
    is_xlsx,
    open_csv,
    read_bytes,
    read_csv_rows,
    read_xlsx,
    row_numbers,
)
from lms_prognosis.exceptions import CohortError

__all__ = ["Cohort", "CohortError", "read_cohort", "ENDPOINTS", "SCHEMA", "LEVELS",
           "EXCLUSION_COLUMNS", "EXAMPLE_MESSY_COHORT"]

ENDPOINTS = ("DSS", "OS", "MFS", "LRFS")
#: canonical category levels, in the order of ``pandas.Categorical.categories``
LEVELS: dict[str, tuple[str, ...]] = {k: v[0] for k, v in _v.CATEGORIES.items()}
EXCLUSION_COLUMNS = ("row", "patient_id", "column", "value", "reason")
#: a small messy cohort shipped with the package, to try ``read_cohort`` and ``check`` on
EXAMPLE_MESSY_COHORT = Path(__file__).parents[1] / "data" / "example_messy_cohort.csv"

_NUMERIC_RULES = {  # canonical -> (reason kind, lower, upper, include lower, explanation)
    "age": (_v.IMPOSSIBLE_AGE, 0.0, 120.0, True, "outside 0-120 years"),
    "size_cm": (_v.IMPOSSIBLE_SIZE, 0.0, 60.0, False, "must be > 0 and <= 60 cm"),
    "mitoses_per_10hpf": (_v.IMPOSSIBLE_MITOSES, 0.0, np.inf, True, "must be >= 0"),
}
_NUMERIC_NAMES = {"age": "age", "size_cm": "size", "mitoses_per_10hpf": "mitotic count"}


def empty_exclusions() -> pd.DataFrame:
    """An exclusions log with no rows (for cohorts that lost none)."""
    return pd.DataFrame({"row": pd.Series(dtype="int64"),
                         **{c: pd.Series(dtype=object) for c in EXCLUSION_COLUMNS[1:]}})


def _reason_kind(reason: object) -> str:
    return str(reason).split(": ", 1)[0]


@dataclass(repr=False)
class Cohort:
    """A validated cohort: canonical frame, exclusions log, endpoint, optional truth.

    Attributes
    ----------
    data : DataFrame
        Kept rows in the canonical schema (design section 3): ``patient_id``, ``time``
        (months), ``event`` (int: 0 censored, 1 event, 2.. competing), covariates as found,
        then the input's other columns untouched. Only schema columns present in the input
        appear. Categoricals carry all canonical levels; yes/no columns are ``boolean``.
    exclusions : DataFrame
        One line per problem: ``row``, ``patient_id``, ``column`` (as named in the input),
        ``value`` (as written), ``reason``. A row with several problems has several lines.
        ``row`` is the line number in the file with the header as line 1 (so the first data
        row is 2; an .xlsx row is its spreadsheet row), or the 1-based position in a DataFrame.
    endpoint : str
        ``"DSS"``, ``"OS"``, ``"MFS"`` or ``"LRFS"``.
    source : str
        The file read, or ``"<DataFrame>"``.
    n_read : int
        Data rows read (kept + excluded).
    truth : object or None
        The generating truth of a simulated cohort.
    notes : list of str
        Every mapping, conversion and assumption applied while reading.
    """

    data: pd.DataFrame
    exclusions: pd.DataFrame
    endpoint: str = "DSS"
    source: str = "<frame>"
    n_read: int = 0
    truth: Any | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_excluded(self) -> int:
        """Rows excluded (a row with several problems counts once)."""
        if self.exclusions is None or "row" not in self.exclusions or self.exclusions.empty:
            return 0
        return int(self.exclusions["row"].nunique())

    def summary(self) -> pd.DataFrame:
        """Rows read, kept and excluded, then rows excluded by reason.

        Returns
        -------
        DataFrame
            Columns ``item``, ``n``, ``percent`` (of rows read). A row excluded for two
            different reasons counts once in "rows excluded" and once under each reason.

        Examples
        --------
        >>> cohort = read_cohort(EXAMPLE_MESSY_COHORT)
        >>> cohort.summary().iloc[:3]
                    item   n  percent
        0      rows read  30    100.0
        1      rows kept  18     60.0
        2  rows excluded  12     40.0
        """
        kept = len(self.data)
        excluded = self.n_excluded
        n_read = self.n_read or kept + excluded
        items = [("rows read", n_read), ("rows kept", kept), ("rows excluded", excluded)]
        if excluded:
            ex = self.exclusions.assign(kind=self.exclusions["reason"].map(_reason_kind))
            by_kind = ex.drop_duplicates(["row", "kind"]).groupby("kind", sort=False).size()
            items += [(f"excluded: {kind}", int(n)) for kind, n in by_kind.items()]
        out = pd.DataFrame(items, columns=["item", "n"])
        out["percent"] = (100.0 * out["n"] / n_read).round(1) if n_read else np.nan
        return out

    def __repr__(self) -> str:
        data = self.data
        lines = [f"Cohort ({self.endpoint}) from {self.source!r}",
                 f"  rows read {self.n_read or len(data) + self.n_excluded}, kept {len(data)}, "
                 f"excluded {self.n_excluded}"]
        if "event" in data and "time" in data and len(data):
            ev = data["event"]
            time = data["time"]
            lines.append(f"  events {int((ev == 1).sum())}, competing {int((ev >= 2).sum())}, "
                         f"censored {int((ev == 0).sum())}; time (months) median "
                         f"{time.median():.1f}, range {time.min():.1f}-{time.max():.1f}")
        schema = [c for c in data.columns if c in SCHEMA]
        extra = [str(c) for c in data.columns if c not in SCHEMA]
        lines.append(f"  columns: {', '.join(schema)}"
                     + (f" (+ {len(extra)} other: {', '.join(extra[:5])}"
                        f"{', ...' if len(extra) > 5 else ''})" if extra else ""))
        if self.n_excluded:
            s = self.summary()
            by = s[s["item"].str.startswith("excluded: ")]
            lines.append("  excluded by reason: " + "; ".join(
                f"{item[10:]} {n}" for item, n in zip(by["item"], by["n"], strict=True)))
        if self.truth is not None:
            lines.append("  simulated: ground truth in .truth")
        if self.notes:
            lines.append(f"  notes ({len(self.notes)}): see .notes")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = html.escape(self.__repr__().splitlines()[0])
        parts = [f"<div><strong>{head}</strong>", self.summary().to_html(index=False)]
        if self.n_excluded:
            ex = self.exclusions
            parts.append(f"<p>Exclusions ({len(ex)} lines"
                         + (", first 20 shown" if len(ex) > 20 else "") + ")</p>")
            parts.append(ex.head(20).to_html(index=False))
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
                         + "</ul>")
        return "".join(parts) + "</div>"


def read_cohort(path_or_frame: str | os.PathLike | pd.DataFrame, time_unit: str | None = None,
                columns: dict[str, str] | None = None, event_codes: dict | None = None,
                endpoint: str = "DSS") -> Cohort:
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
        How to read the event column, e.g. ``{"dead": 1, "alive": 0}`` or R's
        ``{1: 0, 2: 1}``. Without it only the integers 0 and 1 are accepted.
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
        header only, no time or event column, ambiguous columns, no usable row. The message
        names the file and the column.

    Notes
    -----
    Event coding follows the package convention: 0 censored, 1 event of interest, 2..
    competing causes (e.g. 2 = death from other causes in a DSS analysis); codes >= 2 are kept
    and counted in ``notes``, and analyses of the event of interest treat them as censored.
    Negative, fractional or text codes without ``event_codes=`` are excluded ("event code
    outside the map"). R's ``Surv(time, status)`` with status 1 = censored, 2 = event is read
    only through ``event_codes={1: 0, 2: 1}``. R's ``Surv()`` guesses
    1/2 coding when ``max(status) == 2``; this function does not guess: a column holding 1 and 2
    but no 0 raises ``CohortError`` asking for ``event_codes=``.

    Row numbers in ``exclusions["row"]``: the line in the file with the header as line 1, so
    the first data row is 2 (exactly the line number unless a quoted cell spans lines); the
    spreadsheet row for ``.xlsx``; the 1-based position for a DataFrame.

    Rows are excluded (never raised on) for: missing, non-numeric or negative time; missing
    event or event code outside the map; missing or duplicate patient id (the first row with
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
        _v.event_lookup(event_codes, CohortError)  # check the mapping before any reading
    frame, rows, plan, bad, where, decimal_comma, notes = _load(path_or_frame, time_unit,
                                                                 columns)
    cohort = _build(frame, rows, plan, bad, where, decimal_comma, event_codes)
    cohort.endpoint = endpoint_
    cohort.notes = notes + plan.notes + cohort.notes
    if plan.endpoint_hint and plan.endpoint_hint != endpoint_:
        cohort.notes.append(f"time column {plan.source['time']!r} suggests endpoint "
                            f"{plan.endpoint_hint}, but endpoint={endpoint_!r} is used; pass "
                            f"endpoint={plan.endpoint_hint!r} if that is what the data are")
    return cohort


def _load(path_or_frame: Any, time_unit: str | None, columns: dict | None):
    if isinstance(path_or_frame, pd.DataFrame):
        where = "<DataFrame>"
        frame = path_or_frame
        if frame.shape[1] == 0:
            raise CohortError(f"{where}: the frame has no columns")
        frame = frame.rename(columns=lambda c: str(c).strip())
        duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
        if duplicated:
            raise CohortError(f"{where}: column name(s) {', '.join(map(repr, duplicated))} "
                              "appear more than once")
        plan = plan_columns(list(frame.columns), columns, time_unit, where, CohortError)
        return (frame, np.arange(1, len(frame) + 1, dtype=np.int64), plan, BadLines(), where,
                False, [])
    if not isinstance(path_or_frame, str | os.PathLike):
        raise CohortError(f"read_cohort needs a file path or a DataFrame, got "
                          f"{type(path_or_frame).__name__}")
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
        plan = plan_columns(list(frame.columns), columns, time_unit, where, CohortError)
        return (frame, np.arange(2, len(frame) + 2, dtype=np.int64), plan, BadLines(), where,
                False, [])
    csv = open_csv(raw, where, CohortError)
    plan = plan_columns(csv.header, columns, time_unit, where, CohortError)
    dtype = {plan.source["patient_id"]: str} if "patient_id" in plan.source else {}
    frame, bad = read_csv_rows(csv, dtype)
    return (frame, row_numbers(len(frame), bad), plan, bad, where, csv.decimal_comma,
            csv.notes)


def _require(plan: ColumnPlan, frame: pd.DataFrame, where: str) -> None:
    hints = {"time": "'time', 'OS_months', 'OS_days', 'DSS_months', 'followup_months'",
             "event": "'event', 'status', 'vital_status', 'censor'"}
    for name in ("time", "event"):
        if name not in plan.source:
            raise CohortError(
                f"{where}: no {name!r} column (looked for {hints[name]} and similar); name "
                f"yours with columns={{'<your column>': {name!r}}}. Columns found: "
                f"{', '.join(map(str, frame.columns))}")


def _build(frame: pd.DataFrame, rows: np.ndarray, plan: ColumnPlan, bad: BadLines, where: str,
           decimal_comma: bool, event_codes: dict | None) -> Cohort:
    n = len(frame)
    if n == 0 and not bad.lines:
        raise CohortError(f"{where}: has a header but no data rows")
    _require(plan, frame, where)
    src = plan.source
    notes: list[str] = []
    problems: list[_v.Problem] = []
    out: dict[str, Any] = {}
    empty = _empty_rows(frame, src["time"])
    if n and empty[-1]:  # blank lines after the last record are not data rows
        filled = np.flatnonzero(~empty)
        cut = int(filled[-1]) + 1 if filled.size else 0
        notes.append(f"{n - cut} empty line(s) at the end of the input ignored")
        frame, rows, empty, n = frame.iloc[:cut], rows[:cut], empty[:cut], cut
        if n == 0 and not bad.lines:
            raise CohortError(f"{where}: has a header but no data rows")

    if "patient_id" in src:
        out["patient_id"], found = _patient_ids(frame[src["patient_id"]], src["patient_id"],
                                                rows, empty)
        problems += found
    else:
        out["patient_id"] = np.char.add("row-", rows.astype(str)).astype(object)
        notes.append("no patient id column: ids generated as 'row-<row number>'")

    t, miss, nonnum = _v.parse_numeric(frame[src["time"]], decimal_comma)
    problems += _flag(src["time"], [(miss, _v.MISSING_TIME), (nonnum, _v.NON_NUMERIC_TIME),
                                    (~miss & ~nonnum & (t < 0), _v.NEGATIVE_TIME)])
    out["time"] = t * plan.time_factor

    codes, event_problems, event_notes = _v.parse_event(
        frame[src["event"]], src["event"], event_codes, decimal_comma, CohortError)
    problems += event_problems
    if _v.R_STYLE_NOTE in event_notes:
        # 1/2 with no 0 cannot be read row by row: under R's coding every kept "1" would be a
        # censored patient analysed as a death. The whole column is ambiguous, so refuse it.
        raise CohortError(f"{where}: event column {src['event']!r} {_v.R_STYLE_NOTE}")
    notes += event_notes  # competing-cause codes: said in notes, shown by repr and `check`
    out["event"] = codes

    for name in SCHEMA[3:]:
        if name in src:
            out[name], found = _covariate(frame[src[name]], name, src[name], decimal_comma,
                                          plan, notes)
            problems += found
    absent = [c for c in SCHEMA[3:] if c not in src]
    if absent:
        notes.append(f"schema columns not in the input: {', '.join(absent)}")

    exclusions, excluded = _exclusions(frame, rows, out["patient_id"], problems, empty, bad)
    kept = ~excluded
    n_read = n + len(bad.lines)
    if not kept.any():
        counts = exclusions.drop_duplicates("row")["reason"].map(_reason_kind).value_counts()
        detail = ", ".join(f"{k}: {v}" for k, v in counts.items())
        raise CohortError(f"{where}: no usable row: all {n_read} rows were excluded ({detail})",
                          exclusions=exclusions)
    data = pd.DataFrame({name: values[kept] for name, values in out.items()})
    data["event"] = data["event"].astype("int64")
    extras = [c for c in frame.columns if c not in set(src.values())]
    if extras:
        rest = frame.loc[kept, extras].reset_index(drop=True)
        data = pd.concat([data, rest], axis=1)
    return Cohort(data=data, exclusions=exclusions, source=where, n_read=n_read, notes=notes)


def _patient_ids(s: pd.Series, column: str, rows: np.ndarray,
                 empty: np.ndarray) -> tuple[np.ndarray, list[_v.Problem]]:
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
        reason = np.array([f"{_v.DUPLICATE_ID}: first seen in row {r}"
                           for r in rows[first[codes[pos]]]], dtype=object)
        problems.append(_v.Problem(pos, column, reason))
    return ids.to_numpy(dtype=object), problems


def _covariate(s: pd.Series, name: str, column: str, decimal_comma: bool, plan: ColumnPlan,
               notes: list[str]) -> tuple[Any, list[_v.Problem]]:
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
        notes.append(f"{column!r}: {parsed.n_missing_tokens} value(s) such as 'unknown'"
                     + (" or 'GX'" if name == "grade" else "") + " read as missing")
    return parsed.values, [] if parsed.problem is None else [parsed.problem]


def _flag(column: str, checks: list[tuple[np.ndarray, str]]) -> list[_v.Problem]:
    return [_v.Problem(np.flatnonzero(mask), column, reason)
            for mask, reason in checks if mask.any()]


def _numeric_covariate(s: pd.Series, name: str, column: str, decimal_comma: bool,
                       plan: ColumnPlan, notes: list[str]) -> tuple[np.ndarray,
                                                                    list[_v.Problem]]:
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
            notes.append(f"most values of {column!r} exceed 60 cm; if they are millimetres "
                         f"pass columns={{{column!r}: 'size_mm'}}")
    why = why + (" (read in mm, converted to cm)" if name == "size_cm" and plan.size_in_mm
                 else "")
    return values, _flag(column, [(nonnum, _v.NON_NUMERIC.format(what=_NUMERIC_NAMES[name])),
                                  (outside, f"{kind}: {why}")])


def _empty_rows(frame: pd.DataFrame, time_column: str) -> np.ndarray:
    """Rows whose every cell is missing (only rows with a missing time are looked at)."""
    empty = frame[time_column].isna().to_numpy(dtype=bool)
    if empty.any():
        pos = np.flatnonzero(empty)
        empty[pos] = frame.iloc[pos].isna().all(axis=1).to_numpy(dtype=bool)
    return empty


def _exclusions(frame: pd.DataFrame, rows: np.ndarray, ids: np.ndarray,
                problems: list[_v.Problem], empty: np.ndarray,
                bad: BadLines) -> tuple[pd.DataFrame, np.ndarray]:
    """Build the exclusions log (sorted by row) and the mask of excluded positions."""
    excluded = empty.copy()
    parts = []
    if empty.any():
        pos = np.flatnonzero(empty)
        parts.append(pd.DataFrame({"row": rows[pos], "patient_id": "", "column": "",
                                   "value": "", "reason": _v.EMPTY_ROW}))
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
        parts.append(pd.DataFrame({
            "row": rows[pos],
            "patient_id": [("" if i is None or i is pd.NA else str(i)) for i in ids[pos]],
            "column": p.column, "value": _v.raw_text(frame[p.column].iloc[pos]),
            "reason": reason}))
    if bad.lines:
        parts.append(pd.DataFrame({"row": bad.lines,
                                   "patient_id": bad.ids or [""] * len(bad.lines), "column": "",
                                   "value": "", "reason": [f"{_v.WRONG_FIELDS}: {m}"
                                                           for m in bad.messages]}))
    if not parts:
        return empty_exclusions(), excluded
    log = pd.concat(parts, ignore_index=True)
    log = log.iloc[np.argsort(log["row"].to_numpy(), kind="stable")].reset_index(drop=True)
    log["row"] = log["row"].astype("int64")
    return log[list(EXCLUSION_COLUMNS)], excluded
