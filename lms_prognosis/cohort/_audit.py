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


def _whole_rows(rows: np.ndarray, mask: np.ndarray, reason: str) -> pd.DataFrame:
    pos = np.flatnonzero(mask)
    return pd.DataFrame(
        {
            "row": rows[pos],
            "patient_id": "",
            "column": "",
            "value": "",
            "action": _v.EXCLUDED,
            "reason": reason,
        }
    )


def _ids(ids: np.ndarray) -> list[str]:
    return ["" if i is None or i is pd.NA else str(i) for i in ids]


def build_audit(
    frame: pd.DataFrame,
    rows: np.ndarray,
    ids: np.ndarray,
    problems: list[_v.Problem],
    empty: np.ndarray,
    repeated: np.ndarray,
    bad: BadLines,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The audit log (sorted by row) and the mask of excluded positions."""
    skip = empty | repeated
    excluded = skip.copy()
    parts = [_whole_rows(rows, empty, _v.EMPTY_ROW), _whole_rows(rows, repeated, REPEATED_HEADER)]
    id_text: np.ndarray | None = None  # the ids as shown, made once for every problem
    for p in problems:
        pos = p.positions
        keep = ~skip[pos]  # a row that is not a record is reported once, as what it is
        pos = pos[keep]
        if not pos.size:
            continue
        reason = p.reason[keep] if isinstance(p.reason, np.ndarray) else p.reason
        shown = (
            p.values[keep].tolist()
            if p.values is not None
            else _v.raw_text(frame[p.column].iloc[pos])
        )
        if p.action == _v.EXCLUDED:
            excluded[pos] = True
        if id_text is None:
            id_text = np.asarray(_ids(ids), dtype=object)
        parts.append(
            pd.DataFrame(
                {
                    "row": rows[pos],
                    "patient_id": id_text[pos],
                    "column": p.column,
                    "value": shown,
                    "action": p.action,
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
                    "action": _v.EXCLUDED,
                    "reason": [f"{_v.WRONG_FIELDS}: {m}" for m in bad.messages],
                }
            )
        )
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_audit(), excluded
    log = pd.concat(parts, ignore_index=True)
    log = log.iloc[np.argsort(log["row"].to_numpy(), kind="stable")].reset_index(drop=True)
    log["row"] = log["row"].astype("int64")
    for c in AUDIT_COLUMNS[1:]:
        log[c] = log[c].astype(object)
    return log[list(AUDIT_COLUMNS)], excluded
