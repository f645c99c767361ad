"""Reading a cohort file (CSV or .xlsx) into a raw frame, read-only.

Private helper of :mod:`lms_prognosis.cohort.reader`. The file is opened once, in binary read
mode, and its bytes are parsed from memory, so the input is never written to.

CSV rules
---------
- encoding: UTF-8 with or without a byte-order mark; UTF-16 with a BOM; anything that is not
  valid UTF-8 is read as Windows-1252 (cp1252) and that is reported in the notes;
- separator: the one of ``,``, ``;``, tab that occurs most in the header line (``,`` on a tie);
- decimal comma (``12,5``) is accepted in numeric columns when the separator is not a comma
  (in a comma-separated file ``1,234`` could be a thousands separator, so it stays text);
- blank lines are kept, so that a record's row number is its line number with the header as
  line 1 (unless a quoted field spans lines); ``read_cohort`` excludes a blank line between
  records as "empty row" and ignores (with a note) blank lines after the last record;
- a record with more fields than the header is excluded ("wrong number of fields"); one with
  fewer has its missing trailing cells read as missing.

A file whose records all have the header's width is parsed by pyarrow on every core
(:mod:`lms_prognosis.cohort._arrow`) into the same frame pandas' C parser makes; any other
file by pandas, which reports its irregular records.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lms_prognosis.cohort._arrow import arrow_frame
from lms_prognosis.cohort._cells import typed_like_pandas

#: cells read as missing in a CSV (pandas' defaults minus "None", a necrosis level)
NA_TOKENS = [
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "n/a",
    "nan",
    "null",
]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # the line ends of pandas' C parser
_SAW = re.compile(r"expected \d+ fields, saw (\d+)")
_MAX_WIDENINGS = 8


@dataclass
class CsvFile:
    """A CSV file's bytes and how to parse them."""

    raw: bytes
    encoding: str
    sep: str
    header: list[str]
    notes: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # the header as written (duplicates kept)
    skip: int = 0  # physical lines above the header (blank lines, a title)

    @property
    def decimal_comma(self) -> bool:
        return self.sep != ","


@dataclass
class BadLines:
    """Records pandas skipped because they had more fields than the header."""

    lines: list[int] = field(default_factory=list)  # line numbers, header = line 1
    messages: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # patient id cell of each, "" if none


def read_bytes(path: Path, where: str, error: type[Exception]) -> bytes:
    """Read the whole file read-only; missing or unreadable files raise ``error``."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise error(f"{where}: no such file") from None
    except IsADirectoryError:
        raise error(f"{where}: is a directory, not a cohort file") from None
    except OSError as exc:
        raise error(f"{where}: cannot be read ({exc.strerror or exc})") from None


def is_xlsx(path: Path, raw: bytes) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm") or raw[:4] == b"PK\x03\x04"


def open_csv(raw: bytes, where: str, error: type[Exception]) -> CsvFile:
    """Decode, sniff the separator and read the header of a CSV file.

    Examples
    --------
    >>> csv = open_csv("time;event\\n12,5;1\\n".encode(), "<bytes>", ValueError)
    >>> csv.sep, csv.header, csv.decimal_comma
    (';', ['time', 'event'], True)
    """
    notes: list[str] = []
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:  # ASCII is UTF-8: then only the start is decoded (for the header)
        text = raw[:131072].decode("ascii") if raw.isascii() else raw.decode(encoding)
    except UnicodeDecodeError:
        encoding = "cp1252"
        text = raw.decode(encoding, errors="replace")
        notes.append(f"{where} is not valid UTF-8; read as Windows-1252 (cp1252)")
    if encoding != "utf-8-sig":
        raw = text.encode("utf-8")  # parse one encoding from here on
        encoding = "utf-8"
    if raw.startswith(b"\xef\xbb\xbf"):
        notes.append("UTF-8 byte-order mark skipped")
    skip, first, title = _header_line(text)
    if not first:
        raise error(f"{where}: the file is empty")
    if title:
        notes.append(
            f"{len(title)} line(s) above the header (line {skip + 1}) skipped as a title: "
            f"{title[0][:60]!r}"
        )
    unquoted = re.sub(r'"[^"]*"', "", first)
    counts = {sep: unquoted.count(sep) for sep in (",", ";", "\t")}
    sep = max(counts, key=lambda k: (counts[k], k == ","))
    if sep != ",":
        notes.append(f"separator {sep!r} detected; decimal commas accepted in numeric columns")
    header = [
        str(c)
        for c in pd.read_csv(
            io.BytesIO(raw), sep=sep, encoding=encoding, nrows=0, index_col=False, skiprows=skip
        ).columns
    ]
    stripped = [c.strip() for c in header]
    if len(set(stripped)) == len(stripped):  # pandas has already renamed duplicates
        header = stripped
    first_row = pd.read_csv(
        io.BytesIO(raw), sep=sep, encoding=encoding, header=None, nrows=1, dtype=str,
        keep_default_na=False, index_col=False, skiprows=skip,
    )  # fmt: skip
    names = [str(c) for c in first_row.iloc[0].tolist()] if len(first_row) else header
    return CsvFile(raw, encoding, sep, header, notes, names, skip)


def _header_line(text: str) -> tuple[int, str, list[str]]:
    """(lines above the header, the header line, title lines): the header is the first
    non-blank line, unless that line has no separator and a later one (among the next ten
    non-blank lines) has: then the lines above are a title (an export's caption).

    Examples
    --------
    >>> _header_line("Registry export\\n\\nid,time\\na,1\\n")
    (2, 'id,time', ['Registry export'])
    """
    lines = _LINE_BREAK.split(text[:65536])
    filled = [(i, line) for i, line in enumerate(lines) if line.strip()][:11]
    if not filled:
        return 0, "", []
    has_sep = [any(s in line for s in (",", ";", "\t")) for _, line in filled]
    if has_sep[0] or not any(has_sep):
        return filled[0][0], filled[0][1], []
    k = has_sep.index(True)
    return filled[k][0], filled[k][1], [line.strip() for _, line in filled[:k]]


def _parse(
    csv: CsvFile, dtype: Mapping[str, type | str], names: list[str], typed: Sequence[str] = ()
) -> tuple[pd.DataFrame, list[str]]:
    """Parse every record under ``names``; returns the frame and pandas' parser warnings.

    The columns in ``typed`` (read as categories) get the type pandas would infer for them."""
    # the header line is skipped and our (stripped, de-duplicated) names are used instead
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        df = pd.read_csv(
            io.BytesIO(csv.raw),
            sep=csv.sep,
            encoding=csv.encoding,
            header=None,
            skiprows=csv.skip + 1,
            names=names,
            decimal="," if csv.decimal_comma else ".",
            dtype=dict(dtype),
            keep_default_na=False,
            na_values=NA_TOKENS,
            skip_blank_lines=False,
            index_col=False,
            on_bad_lines="warn",
            low_memory=False,
        )
    found = [str(w.message) for w in caught if issubclass(w.category, pd.errors.ParserWarning)]
    decimal = "," if csv.decimal_comma else "."
    cats = [c for c in typed if c in df.columns and isinstance(df[c].dtype, pd.CategoricalDtype)]
    if cats:
        found_types = typed_like_pandas([df[c].array for c in cats], csv.sep, decimal, NA_TOKENS)
        for column, values in zip(cats, found_types, strict=True):
            df[column] = values
    return df, found


def _widest_record(csv: CsvFile) -> int:
    """Fields in the widest physical line, splitting lines as pandas does (at \\r and \\n
    only, not at the other line breaks of ``str.splitlines`` such as U+2028)."""
    text = csv.raw.decode(csv.encoding, errors="replace")
    return max((line.count(csv.sep) for line in _LINE_BREAK.split(text)), default=0) + 1


def read_csv_rows(
    csv: CsvFile,
    dtype: Mapping[str, type | str],
    id_column: str | None = None,
    typed: Sequence[str] = (),
) -> tuple[pd.DataFrame, BadLines]:
    """Parse all records; records with more fields than the header are set apart.

    ``dtype`` as for ``pandas.read_csv``; the columns in ``typed``, read as ``"category"``,
    then get the type pandas would have inferred (see :mod:`lms_prognosis.cohort._cells`).

    pandas either skips such a line (with a warning) or, when it is the first data line,
    silently drops the surplus fields of every line. Both are detected and the file is then
    parsed again with spare columns, widened until pandas skips nothing (a quoted cell that
    spans lines can hide a record's width from a line count), so that every record with
    surplus fields is reported ("wrong number of fields") rather than skipped or truncated.

    Examples
    --------
    >>> csv = open_csv(b"id,time\\na,1\\nb,2,x\\nc,3\\n", "<bytes>", ValueError)
    >>> frame, bad = read_csv_rows(csv, {"id": str}, "id")
    >>> frame["id"].tolist(), bad.lines, bad.messages
    (['a', 'c'], [3], ['expected 2 fields, saw 3'])
    """
    fast = arrow_frame(csv, dtype, csv.header, typed, NA_TOKENS)
    if fast is not None:  # a well-formed file: the same frame, read on every core
        return fast, BadLines()
    df, found = _parse(csv, dtype, csv.header, typed)
    if not found:
        return df, BadLines()
    n_head = len(csv.header)
    width = _widest_record(csv)
    for _ in range(_MAX_WIDENINGS):
        spare = [f"\x00spare{i}" for i in range(max(width - n_head, 1))]
        df, found = _parse(csv, dtype, csv.header + spare, typed)
        if not found:
            break
        seen = [int(k) for message in found for k in _SAW.findall(message)]
        width = max(max(seen, default=0), 2 * width)
    else:
        raise RuntimeError(f"records still skipped after {_MAX_WIDENINGS} re-reads: {found}")
    filled = df[spare].notna().to_numpy()
    surplus = filled.any(axis=1)
    saw = n_head + filled.shape[1] - np.argmax(filled[:, ::-1], axis=1)
    pos = np.flatnonzero(surplus)
    ids = (
        ["" if pd.isna(v) else str(v).strip() for v in df[id_column].iloc[pos]]
        if id_column in df.columns
        else [""] * len(pos)
    )
    bad = BadLines(
        lines=(pos + csv.skip + 2).tolist(),
        messages=[f"expected {n_head} fields, saw {k}" for k in saw[pos]],
        ids=ids,
    )
    kept = df.iloc[np.flatnonzero(~surplus)]
    return kept[csv.header].reset_index(drop=True), bad


def row_numbers(n_records: int, bad: BadLines, first: int = 2) -> np.ndarray:
    """Line numbers of the parsed records (header = line 1), skipping the bad lines.

    Examples
    --------
    >>> row_numbers(3, BadLines(lines=[3])).tolist()
    [2, 4, 5]
    """
    if not bad.lines:
        return np.arange(first, first + n_records, dtype=np.int64)
    total = n_records + len(bad.lines)
    lines = np.arange(first, first + total, dtype=np.int64)
    return lines[~np.isin(lines, bad.lines)][:n_records]


def read_xlsx(raw: bytes, where: str, error: type[Exception]) -> pd.DataFrame:
    """Read the first sheet of an .xlsx workbook (header in row 1)."""
    try:
        df = pd.read_excel(
            io.BytesIO(raw),
            sheet_name=0,
            dtype=object,
            engine="openpyxl",
            keep_default_na=False,
            na_values=NA_TOKENS,
        )
    # what openpyxl raises for a file that is not a workbook (BadZipFile), a zip that is not an
    # .xlsx (KeyError: a missing part), broken XML (ParseError, a SyntaxError) or bad cell
    # content (ValueError); anything else is a bug and propagates
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as exc:
        raise error(f"{where}: cannot be read as an .xlsx workbook ({exc})") from None
    df.columns = [str(c).strip() for c in df.columns]
    return df
