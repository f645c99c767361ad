"""Odd file structure: binary files, duplicated or empty columns, repeated header lines.

Private helper of :mod:`lms_prognosis.cohort.reader`. Behaviour chosen here:

- a file with NUL bytes or more than 1% control characters in its first 8 KiB that is not a
  workbook is refused as binary, and the message never shows its bytes;
- two columns with the same name (after stripping spaces) are refused, naming both by position;
- a column with no name and no value (``a,b,,`` exports) is dropped, with a note;
- a data line whose cells repeat the header (two exports pasted together) is excluded as one
  "repeated header line", not as a problem per cell.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from lms_prognosis.cohort._cells import names_match, slots

__all__ = ["looks_binary", "duplicate_names", "drop_empty_columns", "repeated_headers", "clean"]

REPEATED_HEADER = "repeated header line"
_UNNAMED = re.compile(r"^(Unnamed: \d+(_level_\d+)?|nan|None|)$")


def looks_binary(raw: bytes) -> bool:
    """True for bytes that are not text (and not UTF-16 with a byte-order mark).

    Examples
    --------
    >>> looks_binary(b"%PDF-1.7\\n\\x00\\x01\\x02"), looks_binary(b"time,event\\n1,0\\n")
    (True, False)
    """
    head = raw[:8192]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return control > 0.01 * max(len(head), 1)


def clean(text: object, limit: int = 60) -> str:
    """A name or value safe to print: control characters escaped, at most ``limit`` chars.

    Examples
    --------
    >>> clean("a\\x00b" + "x" * 80, 10)
    "'a\\\\x00bxxxx...'"
    """
    s = str(text)
    s = s if len(s) <= limit else s[: limit - 3] + "..."
    return repr(s)


def duplicate_names(names: list[str]) -> str | None:
    """A message naming two columns with the same name, or None.

    Examples
    --------
    >>> duplicate_names(["id", "age", "time", "age"])
    "columns 2 and 4 are both named 'age'; rename or drop one of them"
    """
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        key = str(name).strip()
        if _UNNAMED.match(key):
            continue
        if key in seen:
            return f"columns {seen[key]} and {i} are both named {clean(key)}; rename or drop one of them"
        seen[key] = i
    return None


def drop_empty_columns(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop columns with no name and no value; the notes say which positions.

    Examples
    --------
    >>> frame, notes = drop_empty_columns(pd.DataFrame({"a": [1], "Unnamed: 1": [None]}))
    >>> list(frame.columns), notes
    (['a'], ['1 empty column(s) without a name dropped (column 2)'])
    """
    drop = [
        i
        for i, c in enumerate(frame.columns)
        if _UNNAMED.match(str(c).strip()) and frame.iloc[:, i].isna().all()
    ]
    if not drop:
        return frame, []
    keep = [i for i in range(frame.shape[1]) if i not in drop]
    where = ", ".join(str(i + 1) for i in drop)
    return frame.iloc[:, keep], [
        f"{len(drop)} empty column(s) without a name dropped (column {where})"
    ]


def repeated_headers(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose cells repeat the column names (at least half of the named columns, and 2).

    Examples
    --------
    >>> frame = pd.DataFrame({"time": ["3", "time", "5"], "event": ["1", "event", "0"]})
    >>> repeated_headers(frame).tolist()
    [False, True, False]
    """
    named = [c for c in frame.columns if not _UNNAMED.match(str(c).strip())]
    if len(frame) == 0 or not named:
        return np.zeros(len(frame), dtype=bool)
    hits = np.zeros(len(frame), dtype=np.int64)
    for c in named:
        col = frame[c]
        if pd.api.types.is_numeric_dtype(col.dtype):
            continue
        codes, uniques, text = slots(col)  # a categorical's own codes and categories
        same = names_match(uniques, str(c).strip().lower(), text)
        if same.any():
            hits += np.append(same, False)[codes]
    return hits >= max(2, (len(named) + 1) // 2)
