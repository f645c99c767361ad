"""Loading the source: a CSV file, a workbook's sheet or a DataFrame, into a raw frame.

Private helper of :mod:`lms_prognosis.cohort.reader`: reads the bytes once (never writing the
file), refuses what cannot be read safely (binary files, duplicated column names, a missing
sheet), drops empty unnamed columns, maps the columns to the schema and tells the file's
decimal mark. Checking the cells is the reader's job.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort._columns import (
    ALIASES,
    UNIT_COLUMN,
    ColumnPlan,
    did_you_mean,
    header_key,
    plan_columns,
)
from lms_prognosis.cohort._io import (
    NA_TOKENS,
    BadLines,
    CsvFile,
    open_csv,
    read_bytes,
    read_csv_rows,
    row_numbers,
)
from lms_prognosis.cohort._numbers import number_convention
from lms_prognosis.cohort._sheets import read_sheet, sheet_headers, sheet_kind
from lms_prognosis.cohort._structure import clean, drop_empty_columns, duplicate_names, looks_binary
from lms_prognosis.cohort._time import DateSpec
from lms_prognosis.exceptions import CohortColumnError, CohortError

__all__ = ["Options", "Raw", "load"]


@dataclass
class Options:
    """What the caller said about the input (besides the event codes and the endpoint)."""

    time_unit: str | None = None
    columns: Mapping[str, str] | None = None
    dates: DateSpec | None = None
    sheet: str | int | None = None


@dataclass
class Raw:
    """A file or frame read but not yet checked: cells as found, and where each row was."""

    frame: pd.DataFrame
    rows: np.ndarray  # row number of each record (file line, spreadsheet row or position)
    plan: ColumnPlan
    where: str
    bad: BadLines = field(default_factory=BadLines)
    convention: str = "point"  # decimal mark: "point", "comma", "mixed" or "none" (undecided)
    notes: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)  # a workbook's sheets, the one read first
    found: list[str] = field(default_factory=list)  # other sheets with the time/event columns
    # columns parsed as categories of text that pandas would have read as text (object)
    as_text: list[str] = field(default_factory=list)


def _header_test(opts: Options) -> Any:
    """Whether a row's cells name the time/event columns (to find a workbook's header)."""
    user = set(opts.columns or {}) | set((opts.columns or {}).values())
    dates = {opts.dates.start, opts.dates.end} if opts.dates else set()

    def is_header(cells: list[str]) -> bool:
        found = set()
        for c in cells:
            key = header_key(c)
            target = key if key in ("time", "event") else ALIASES.get(key, ("",))[0]
            if c in user or c in dates:
                target = "user"
            found.add(target)
        return "user" in found or {"time", "event"} <= found or ("event" in found and bool(dates))

    return is_header


def load(path_or_frame: Any, opts: Options) -> Raw:
    if isinstance(path_or_frame, pd.DataFrame):
        return _load_frame(path_or_frame, opts)
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
    kind = sheet_kind(path, raw)
    if kind is not None:
        is_header = _header_test(opts)
        got = read_sheet(raw, kind, where, opts.sheet, is_header, CohortError)
        _refuse_duplicates([str(c) for c in got.frame.columns], where)
        frame, notes = drop_empty_columns(got.frame)
        plan = _plan(list(frame.columns), opts, where)
        convention = _convention(frame, "none")
        found = sheet_headers(raw, kind, is_header) if len(got.names) > 1 else []
        sheets = [got.name, *(n for n in got.names if n != got.name)]
        notes = got.notes + notes + _convention_note(convention)
        return Raw(frame, got.rows, plan, where, BadLines(), convention, notes, sheets, found)
    if looks_binary(raw):
        raise CohortError(
            f"{where}: is not a text file (it contains binary data) nor an .xlsx/.ods "
            "workbook; export the cohort as CSV, .xlsx or .ods"
        )
    if opts.sheet is not None:
        raise CohortError(f"{where}: sheet= applies to .xlsx/.ods workbooks, not to a CSV file")
    csv = open_csv(raw, where, CohortError)
    _refuse_duplicates(csv.names, where)
    plan = _plan(csv.header, opts, where)
    # the schema's columns are parsed as categories (one hash per distinct cell, in C): the
    # ids, numbers and dates as text, the others typed as pandas would type them; so are the
    # other columns with few distinct cells (given back as pandas reads them)
    text = [plan.source[c] for c in ("patient_id", *_NUMERIC_TEXT) if c in plan.source]
    text += [opts.dates.start, opts.dates.end] if opts.dates else []
    schema = set(plan.source.values()) | set(text)
    typed = [c for c in csv.header if c not in text]
    typed = [c for c in typed if c in schema or c in _few_cells(csv, typed)]
    frame, bad = read_csv_rows(
        csv, dict.fromkeys(text + typed, "category"), plan.source.get("patient_id"), typed
    )
    frame, notes = drop_empty_columns(frame)
    convention = _convention(frame, "point" if csv.sep == "," else "none", csv)
    rows = row_numbers(len(frame), bad, first=csv.skip + 2)
    notes = csv.notes + notes + _convention_note(convention)
    as_text = [str(c) for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    return Raw(frame, rows, plan, where, bad, convention, notes, as_text=as_text)


def _few_cells(csv: CsvFile, columns: list[str], lines: int = 2000) -> set[str]:
    """The columns with few distinct cells in the file's first lines (at most a fifth, or 50):
    parsed as categories, they cost a hash per distinct cell; a column of many distinct
    numbers is cheaper parsed by pandas as numbers. Speed only: the cells read are the same."""
    try:
        head = pd.read_csv(
            io.BytesIO(csv.raw), sep=csv.sep, encoding=csv.encoding, header=None,
            skiprows=csv.skip + 1, names=csv.header, nrows=lines, dtype=str,
            keep_default_na=False, na_values=NA_TOKENS, index_col=False, on_bad_lines="skip",
        )  # fmt: skip
    except (pd.errors.ParserError, ValueError):  # left to the full parse to report
        return set()
    most = max(50, len(head) // 5)
    return {c for c in columns if c in head.columns and head[c].nunique() <= most}


_NUMERIC_TEXT = ("time", "age", "size_cm", "mitoses_per_10hpf")  # read as text, parsed here


def _convention(frame: pd.DataFrame, default: str, csv: CsvFile | None = None) -> str:
    """The file's decimal mark, from every text cell that is a number (any column: a decimal
    comma in a column outside the schema tells how ``3.530`` in the time column is meant).

    A ``;`` or tab separated file is scanned in its text, before pandas reads the columns
    outside the schema as numbers. A CSV's schema columns are categories of text (see
    :mod:`lms_prognosis.cohort._cells`), looked at as the text columns they are."""
    columns = [
        frame[c]
        for c in frame.columns
        if frame[c].dtype == object
        or (csv is not None and isinstance(frame[c].dtype, pd.CategoricalDtype))
    ]
    fields = None
    if csv is not None and csv.sep != ",":
        text = csv.raw.decode(csv.encoding, errors="replace")
        if "\x00" in text:  # a NUL in a cell: split the fields the long way
            split = pd.Series(re.split(rf"[{re.escape(csv.sep)}\r\n]", text), dtype=object)
            columns.append(split.drop_duplicates())
        else:  # the fields, NUL-separated, searched in place
            fields = text.replace(csv.sep, "\x00").replace("\r", "\x00").replace("\n", "\x00")
    return number_convention(columns, default, fields)


def _convention_note(convention: str) -> list[str]:
    if convention == "comma":
        return [
            "numbers have decimal commas: a '.' between groups of three digits (3.530) is "
            "read as a thousands separator, each such cell in the audit"
        ]
    if convention == "mixed":
        return [
            "numbers have both decimal commas and decimal points: a number such as 3.530 "
            "or 3,530 cannot be told and is not read (ambiguous number)"
        ]
    return []


def _refuse_duplicates(names: list[str], where: str) -> None:
    message = duplicate_names(names)
    if message:
        raise CohortError(f"{where}: {message}")


def _plan(names: list[str], opts: Options, where: str) -> ColumnPlan:
    plan = plan_columns(names, opts.columns, opts.time_unit, where)
    if opts.dates is None:
        return plan
    for column in (opts.dates.start, opts.dates.end):
        if column not in names:
            raise CohortColumnError(
                f"{where}: date column {column!r} (start_date=/end_date=) is not in the "
                f"file{did_you_mean(column, names)}; columns: "
                f"{', '.join(clean(n, 40) for n in names[:30])}"
            )
    if "time" in plan.source:
        plan.notes.append(
            f"column {plan.source.pop('time')!r} not used as the time: the time is derived "
            f"from {opts.dates.start!r} and {opts.dates.end!r}; it is kept as an extra column"
        )
    plan.source.pop(UNIT_COLUMN, None)  # a unit column, if any, stays an extra column
    if opts.time_unit is not None:
        plan.notes.append("time_unit= ignored: the time is derived from dates")
    return plan


def _load_frame(frame: pd.DataFrame, opts: Options) -> Raw:
    where = "<DataFrame>"
    if frame.shape[1] == 0:
        raise CohortError(f"{where}: the frame has no columns")
    _refuse_duplicates([str(c) for c in frame.columns], where)
    frame = frame.rename(columns=lambda c: str(c).strip())
    plan = _plan(list(frame.columns), opts, where)
    rows = np.arange(1, len(frame) + 1, dtype=np.int64)
    return Raw(frame, rows, plan, where, convention=_convention(frame, "point"))
