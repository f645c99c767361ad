"""The audit log: one line per cell or row that ``read_cohort`` changed.

Private helper of :mod:`lms_prognosis.cohort.reader`. Lines come from
:class:`~lms_prognosis.cohort._values.Problem` objects (rows excluded, cells set missing,
converted or recoded), plus whole rows that are not records (an empty row, a repeated header
line: one line each, whatever else is wrong with them) and lines with too many fields. The log
is sorted by row, then in the order the columns were read, so the same input gives the same
log, byte for byte.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lms_prognosis.cohort import _values as _v
from lms_prognosis.cohort._cells import category_text
from lms_prognosis.cohort._io import BadLines
from lms_prognosis.cohort._structure import REPEATED_HEADER
from lms_prognosis.cohort.cohort import AUDIT_COLUMNS

__all__ = ["AUDIT_COLUMNS", "empty_audit", "build_audit"]


def empty_audit() -> pd.DataFrame:
    """An audit log with no lines.

    Examples
    --------
    >>> empty_audit().columns.tolist()
    ['row', 'patient_id', 'column', 'value', 'action', 'reason']
    """
    return pd.DataFrame(
        {"row": pd.Series(dtype="int64"), **{c: pd.Series(dtype=object) for c in AUDIT_COLUMNS[1:]}}
    )


_Part = tuple[np.ndarray, object, object, object, object, object]  # row, then AUDIT_COLUMNS[1:]


def _whole_rows(rows: np.ndarray, mask: np.ndarray, reason: str) -> _Part:
    return rows[np.flatnonzero(mask)], "", "", "", _v.EXCLUDED, reason


def _shown(column: pd.Series, pos: np.ndarray) -> object:
    """The cells at ``pos`` as the user would read them (see ``raw_text``); a categorical
    column is shown once per category and spread by its codes."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        cats = column.cat.categories
        if len(pos) > len(cats):
            if category_text(cats) is not None:  # all text: shown as written
                table = np.append(np.asarray(cats, dtype=object), "")
            else:
                table = np.array(_v.raw_text(pd.Series(np.asarray(cats), dtype=object)) + [""],
                                 dtype=object)  # fmt: skip
            return table[np.asarray(column.cat.codes)[pos]]
    return np.array(_v.raw_text(column.iloc[pos]), dtype=object)


def build_audit(
    frame: pd.DataFrame,
    rows: np.ndarray,
    ids: np.ndarray,
    problems: list[_v.Problem],
    empty: np.ndarray,
    repeated: np.ndarray,
    bad: BadLines,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The audit log (sorted by row), the mask of excluded positions and the mask of the
    log's ``excluded`` lines; ``ids`` are the patient ids as shown (``""`` if missing)."""
    skip = empty | repeated
    excluded = skip.copy()
    any_skip = bool(skip.any())
    parts = [_whole_rows(rows, empty, _v.EMPTY_ROW), _whole_rows(rows, repeated, REPEATED_HEADER)]
    for p in problems:
        pos, reason, shown = p.positions, p.reason, p.values
        if any_skip:  # a row that is not a record is reported once, as what it is
            keep = ~skip[pos]
            pos = pos[keep]
            reason = reason[keep] if isinstance(reason, np.ndarray) else reason
            shown = shown[keep] if shown is not None else None
        if not pos.size:
            continue
        cells = shown if shown is not None else _shown(frame[p.column], pos)
        if p.action == _v.EXCLUDED:
            excluded[pos] = True
        every = len(pos) == len(rows)  # positions are sorted and distinct: every row
        parts.append(
            (rows if every else rows[pos], ids if every else ids[pos], p.column, cells,
             p.action, reason)
        )  # fmt: skip
    if bad.lines:
        parts.append(
            (
                np.asarray(bad.lines, dtype=np.int64),
                np.array(bad.ids or [""] * len(bad.lines), dtype=object),
                "",
                "",
                _v.EXCLUDED,
                np.array([f"{_v.WRONG_FIELDS}: {m}" for m in bad.messages], dtype=object),
            )
        )
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return empty_audit(), excluded, np.zeros(0, dtype=bool)
    log, lines = _assemble(parts)
    return log, excluded, lines


def _assemble(parts: list[_Part]) -> tuple[pd.DataFrame, np.ndarray]:
    """One frame from the parts, sorted by row (stable: in the order the parts were made),
    each column written once, in its final place; and the mask of its ``excluded`` lines."""
    row = np.concatenate([np.asarray(p[0], dtype=np.int64) for p in parts])
    order = np.argsort(row, kind="stable")
    dest = np.empty(len(order), dtype=np.int64)
    dest[order] = np.arange(len(order))
    block = np.empty((len(AUDIT_COLUMNS) - 1, len(row)), dtype=object)
    lines = np.zeros(len(row), dtype=bool)
    start = 0
    for p in parts:
        to = dest[start : start + len(p[0])]
        for j, values in enumerate(p[1:]):
            block[j, to] = values
        lines[to] = p[4] == _v.EXCLUDED
        start += len(p[0])
    log = pd.DataFrame(block.T, columns=list(AUDIT_COLUMNS[1:]), dtype=object, copy=False)
    log.insert(0, "row", row[order])
    return log, lines
