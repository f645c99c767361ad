"""The one result contract: ``.table``, ``.to_frame()``, ``repr``, ``_repr_html_``, ``.dropped``.

Every result class of the package mixes in :class:`Result`. A subclass provides ``table`` (a
tidy DataFrame, as a dataclass field or a property), a ``_title`` and, where it has survival
input, ``n`` and ``dropped`` (the rows the one survival-input check left out, see
``lms_prognosis._survdata``). ``repr`` and ``_repr_html_`` show the title, the summary lines,
the rows left out and a summary table; ``to_frame()`` returns a copy of the table, so a caller
can never change a result by editing what it returned.

Results keep copies of the caller's data, never references: editing the frame after a call
does not change a result.
"""

from __future__ import annotations

import html
from typing import Any, ClassVar

import pandas as pd

__all__ = ["Result", "DROPPED_COLUMNS", "empty_dropped", "dropped_note"]

#: columns of every ``.dropped`` table
DROPPED_COLUMNS = ("row", "column", "value", "reason")


_EMPTY_DROPPED = pd.DataFrame({c: pd.Series(dtype=object) for c in DROPPED_COLUMNS})


def empty_dropped() -> pd.DataFrame:
    """A ``.dropped`` table with no rows (the columns every result shares).

    A copy of one template: building a frame from empty Series on every call cost more than
    the rest of the survival-input check on a small data set.
    """
    return _EMPTY_DROPPED.copy()


def dropped_note(dropped: pd.DataFrame | None) -> str:
    """One sentence naming how many rows were left out and why ('' when none were).

    Examples
    --------
    >>> d = pd.DataFrame({"row": [3, 7, 7], "column": ["time", "grade", "age"],
    ...                   "value": [None, None, None], "reason": ["missing"] * 3})
    >>> dropped_note(d)
    '2 rows left out (missing time: 1, missing grade: 1, missing age: 1); see .dropped'
    """
    if dropped is None or dropped.empty:
        return ""
    n_rows = dropped["row"].nunique()
    why = (dropped["reason"].astype(str) + " " + dropped["column"].astype(str)).value_counts(
        sort=False
    )
    detail = ", ".join(f"{k}: {v}" for k, v in why.items())
    word = "row" if n_rows == 1 else "rows"
    return f"{n_rows} {word} left out ({detail}); see .dropped"


class Result:
    """Mixin giving a result dataclass the package's common contract.

    Subclasses define ``table`` and ``_title``; they may override :meth:`_summary_lines`
    (short lines shown above the table) and :meth:`_display_frame` (the table the repr shows,
    by default ``table`` itself).
    """

    _title: ClassVar[str] = ""
    table: Any  # a DataFrame field or property of the subclass

    # ------------------------------------------------------------------ data
    def to_frame(self) -> pd.DataFrame:
        """The result as a tidy DataFrame (a copy of ``.table``)."""
        return self.table.copy()

    @property
    def n_dropped(self) -> int:
        """Rows left out (see ``.dropped``); 0 for a result without survival input."""
        d = getattr(self, "dropped", None)
        return 0 if d is None or d.empty else int(d["row"].nunique())

    # ------------------------------------------------------------------ display
    def _heading(self) -> str:
        return self._title

    def _summary_lines(self) -> list[str]:
        return []

    def _display_frame(self) -> pd.DataFrame:
        return self.table

    def _notes(self) -> list[str]:
        lines = list(self._summary_lines())
        note = dropped_note(getattr(self, "dropped", None))
        if note:
            lines.append(note)
        return lines

    def __repr__(self) -> str:
        parts = [self._heading(), *self._notes(), self._display_frame().to_string(index=False)]
        return "\n".join(p for p in parts if p)

    def _repr_html_(self) -> str:
        notes = "".join(f"<p style='margin:0'>{html.escape(n)}</p>" for n in self._notes())
        table = self._display_frame().to_html(index=False, na_rep="NA")
        return f"<div><strong>{html.escape(self._heading())}</strong>{notes}{table}</div>"
