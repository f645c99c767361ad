"""Spreadsheets (.xlsx with openpyxl, .ods with odfpy): the sheet, and the header row.

Private helper of :mod:`lms_prognosis.cohort.reader`. The workbook is parsed from bytes in
memory, so the file is never written.

- ``sheet=None`` reads the first sheet; ``sheet="Data"`` (or a 0-based position) another one.
  A sheet that does not exist is refused, naming the sheets that do.
- The header is the first row (among the first 20) that names a time or event column (as
  ``read_cohort`` would map it); rows above it are a title, skipped with a note. Without such
  a row the first non-empty row is the header.
- Row numbers are spreadsheet rows (the header's row + 1 for the first record).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from lms_prognosis.cohort._io import NA_TOKENS
from lms_prognosis.cohort._structure import clean

__all__ = ["Sheet", "sheet_kind", "read_sheet", "sheet_headers"]

_ENGINES: dict[str, Literal["openpyxl", "odf"]] = {"xlsx": "openpyxl", "ods": "odf"}
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_HEADER_SEARCH = 20
# what openpyxl/odfpy raise for a file that is not a workbook (BadZipFile), a zip that is not
# one (KeyError: a missing part), broken XML (a SyntaxError) or bad cells (ValueError)
_BROKEN = (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError, IndexError)


@dataclass
class Sheet:
    """One sheet read: records under the header, their spreadsheet rows, the sheet names."""

    frame: pd.DataFrame
    rows: np.ndarray
    name: str
    names: list[str]
    notes: list[str] = field(default_factory=list)


def sheet_kind(path: Path, raw: bytes) -> str | None:
    """``"xlsx"``, ``"ods"`` or None (not a workbook), from the suffix and the bytes."""
    suffix = path.suffix.lower()
    if suffix == ".ods" or (raw[:4] == b"PK\x03\x04" and _ODS_MIME in raw[:200]):
        return "ods"
    if suffix in (".xlsx", ".xlsm") or raw[:4] == b"PK\x03\x04":
        return "xlsx"
    return None


def _open(raw: bytes, kind: str, where: str, error: type[Exception]) -> pd.ExcelFile:
    try:
        return pd.ExcelFile(io.BytesIO(raw), engine=_ENGINES[kind])
    except ImportError:
        raise error(f"{where}: reading .ods needs the odfpy package (pip install odfpy)") from None
    except _BROKEN as exc:
        raise error(f"{where}: cannot be read as an .{kind} workbook ({clean(exc, 120)})") from None


def _parse(book: pd.ExcelFile, name: str, where: str, kind: str, error: type[Exception]) -> Any:
    try:
        return book.parse(
            name, header=None, dtype=object, keep_default_na=False, na_values=NA_TOKENS
        )
    except _BROKEN as exc:
        raise error(f"{where}: cannot be read as an .{kind} workbook ({clean(exc, 120)})") from None


def _choose(names: list[str], sheet: str | int | None, where: str, error: type[Exception]) -> str:
    listed = ", ".join(map(repr, names))
    if sheet is None:
        if not names:
            raise error(f"{where}: the workbook has no sheets")
        return names[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool) and 0 <= sheet < len(names):
        return names[sheet]
    if str(sheet) in names:
        return str(sheet)
    raise error(f"{where}: no sheet {str(sheet)!r}; the workbook has sheets {listed}")


def _cells(row: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v).strip() for v in row.tolist()]


def read_sheet(
    raw: bytes,
    kind: str,
    where: str,
    sheet: str | int | None,
    is_header: Callable[[list[str]], bool],
    error: type[Exception],
) -> Sheet:
    """Read one sheet; ``is_header`` says whether a row's cells name the time/event columns."""
    book = _open(raw, kind, where, error)
    names = [str(n) for n in book.sheet_names]
    name = _choose(names, sheet, where, error)
    grid = _parse(book, name, where, kind, error)
    filled = [i for i in range(len(grid)) if grid.iloc[i].notna().any()]
    if not filled:
        others = f" (sheets: {', '.join(map(repr, names))})" if len(names) > 1 else ""
        raise error(f"{where}: sheet {name!r} is empty{others}")
    header = next(
        (i for i in filled[:_HEADER_SEARCH] if is_header(_cells(grid.iloc[i]))), filled[0]
    )
    notes = []
    above = [i for i in filled if i < header]
    if above:
        title = " ".join(c for c in _cells(grid.iloc[above[0]]) if c)
        notes.append(
            f"sheet {name!r}: {len(above)} row(s) above the header (row {header + 1}) skipped "
            f"as a title: {clean(title)}"
        )
    frame = grid.iloc[header + 1 :].reset_index(drop=True)
    frame.columns = _cells(grid.iloc[header])
    frame.columns = [c if c else f"Unnamed: {i}" for i, c in enumerate(frame.columns)]
    rows = np.arange(header + 2, header + 2 + len(frame), dtype=np.int64)
    if len(names) > 1:
        notes.append(f"read sheet {name!r} of {', '.join(map(repr, names))}")
    return Sheet(frame, rows, name, names, notes)


def sheet_headers(raw: bytes, kind: str, is_header: Callable[[list[str]], bool]) -> list[str]:
    """The sheets whose first rows contain a header naming the time/event columns."""
    try:
        book = pd.ExcelFile(io.BytesIO(raw), engine=_ENGINES[kind])
        found = []
        for name in book.sheet_names:
            grid = book.parse(name, header=None, dtype=object, nrows=_HEADER_SEARCH)
            if any(is_header(_cells(grid.iloc[i])) for i in range(len(grid))):
                found.append(str(name))
        return found
    except (*_BROKEN, ImportError):
        return []
