"""The :class:`Cohort`: a validated frame in the canonical schema plus the log of rows left out.

:func:`~lms_prognosis.cohort.reader.read_cohort` builds one from a file or frame;
:func:`~lms_prognosis.simulate_cohort` builds one with its generating truth.

Examples
--------
>>> import pandas as pd
>>> data = pd.DataFrame({"patient_id": ["a", "b"], "time": [3.0, 8.5], "event": [1, 0]})
>>> Cohort(data=data, exclusions=empty_exclusions(), n_read=2)
Cohort (DSS) from '<frame>'
  rows read 2, kept 2, excluded 0
  events 1, competing 0, censored 1; time (months) median 5.8, range 3.0-8.5
  columns: patient_id, time, event
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort.schema import EXCLUSION_COLUMNS, SCHEMA

#: columns of ``Cohort.audit``
AUDIT_COLUMNS: tuple[str, ...] = ("row", "patient_id", "column", "value", "action", "reason")

__all__ = ["Cohort", "empty_exclusions", "reason_kind"]


def empty_exclusions() -> pd.DataFrame:
    """An exclusions log with no rows (for cohorts that lost none).

    Examples
    --------
    >>> empty_exclusions().columns.tolist()
    ['row', 'patient_id', 'column', 'value', 'reason']
    """
    return pd.DataFrame(
        {
            "row": pd.Series(dtype="int64"),
            **{c: pd.Series(dtype=object) for c in EXCLUSION_COLUMNS[1:]},
        }
    )


def reason_kind(reason: object) -> str:
    """The stable kind of an exclusion reason: the text before ``": "``.

    Examples
    --------
    >>> reason_kind("impossible age: outside 0-120 years")
    'impossible age'
    """
    return str(reason).split(": ", 1)[0]


@dataclass(repr=False)
class Cohort:
    """A validated cohort: canonical frame, exclusions log, endpoint, optional truth.

    Attributes
    ----------
    data : DataFrame
        Kept rows in the canonical schema (design section 3): ``patient_id``, ``time``
        (months), ``event`` (int: 0 censored, 1 event, 2 competing event), covariates as found,
        then the input's other columns untouched. Only schema columns present in the input
        appear. Categoricals carry all canonical levels; yes/no columns are ``boolean``.
    exclusions : DataFrame
        The ``excluded`` part of ``audit`` (without its ``action`` column). One line per problem: ``row``, ``patient_id``, ``column`` (as named in the input),
        ``value`` (as written), ``reason``. A row with several problems has several lines.
        ``row`` is the line number in the file (the header is line 1 unless a title is above it; so the first data
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
    event_codes : dict or None
        The ``event_codes=`` the event column was read with (None: the schema's 0/1/2).
    audit : DataFrame
        Every change made to the user's data, one line per cell or row: ``row`` (as in
        ``exclusions``), ``patient_id``, ``column``, ``value`` (as written), ``action``
        (``excluded``, ``set missing``, ``converted`` or ``recoded``) and ``reason``. Built
        from ``exclusions`` when not given.
    dates : DataFrame or None
        With ``read_cohort(start_date=, end_date=)``: the two date columns as read
        (datetime64, named as in the input), one row per kept patient (``data``'s index).
    """

    data: pd.DataFrame
    exclusions: pd.DataFrame
    endpoint: str = "DSS"
    source: str = "<frame>"
    n_read: int = 0
    truth: Any | None = None
    notes: list[str] = field(default_factory=list)
    event_codes: dict[Any, int | None] | None = None
    audit: pd.DataFrame | None = None
    dates: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if self.audit is None:  # a cohort built without a reader: its exclusions only
            ex = self.exclusions if self.exclusions is not None else empty_exclusions()
            audit = ex.assign(action="excluded")
            self.audit = audit[[c for c in AUDIT_COLUMNS if c in audit.columns]]

    def changes(self) -> pd.DataFrame:
        """Cells changed but kept: the audit lines that are not exclusions, counted by
        column, action and kind of reason.

        Examples
        --------
        >>> from lms_prognosis.cohort import EXAMPLE_MESSY_COHORT, read_cohort
        >>> [str(v) for v in read_cohort(EXAMPLE_MESSY_COHORT).changes().iloc[1]]
        ['age_at_diagnosis', 'set missing', 'impossible age', '2']
        """
        audit = self.audit if self.audit is not None else pd.DataFrame(columns=AUDIT_COLUMNS)
        kept = audit[audit["action"] != "excluded"]
        kinds = kept.assign(kind=kept["reason"].map(reason_kind))
        out = kinds.groupby(["column", "action", "kind"], sort=False).size()
        return out.rename("n").reset_index()

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
        >>> from lms_prognosis.cohort import EXAMPLE_MESSY_COHORT, read_cohort
        >>> cohort = read_cohort(EXAMPLE_MESSY_COHORT)
        >>> cohort.summary().iloc[:3]
                    item   n  percent
        0      rows read  30    100.0
        1      rows kept  24     80.0
        2  rows excluded   6     20.0
        """
        kept = len(self.data)
        excluded = self.n_excluded
        n_read = self.n_read or kept + excluded
        items = [("rows read", n_read), ("rows kept", kept), ("rows excluded", excluded)]
        if excluded:
            ex = self.exclusions.assign(kind=self.exclusions["reason"].map(reason_kind))
            by_kind = ex.drop_duplicates(["row", "kind"]).groupby("kind", sort=False).size()
            items += [(f"excluded: {kind}", int(n)) for kind, n in by_kind.items()]
        out = pd.DataFrame(items, columns=["item", "n"])
        out["percent"] = (100.0 * out["n"] / n_read).round(1) if n_read else np.nan
        return out

    def __repr__(self) -> str:
        data = self.data
        lines = [
            f"Cohort ({self.endpoint}) from {self.source!r}",
            f"  rows read {self.n_read or len(data) + self.n_excluded}, kept {len(data)}, "
            f"excluded {self.n_excluded}",
        ]
        if "event" in data and "time" in data and len(data):
            ev = data["event"]
            time = data["time"]
            lines.append(
                f"  events {int((ev == 1).sum())}, competing {int((ev == 2).sum())}, "
                f"censored {int((ev == 0).sum())}; time (months) median "
                f"{time.median():.1f}, range {time.min():.1f}-{time.max():.1f}"
            )
        schema = [c for c in data.columns if c in SCHEMA]
        extra = [str(c) for c in data.columns if c not in SCHEMA]
        lines.append(
            f"  columns: {', '.join(schema)}"
            + (
                f" (+ {len(extra)} other: {', '.join(extra[:5])}"
                f"{', ...' if len(extra) > 5 else ''})"
                if extra
                else ""
            )
        )
        if self.n_excluded:
            s = self.summary()
            by = s[s["item"].str.startswith("excluded: ")]
            lines.append(
                "  excluded by reason: "
                + "; ".join(f"{item[10:]} {n}" for item, n in zip(by["item"], by["n"], strict=True))
            )
        audit = self.audit if self.audit is not None else pd.DataFrame(columns=["action"])
        changed = audit["action"][audit["action"] != "excluded"].value_counts()
        if len(changed):
            lines.append(
                "  cells changed and kept: "
                + ", ".join(
                    f"{a} {int(changed[a])}"
                    for a in ("set missing", "converted", "recoded")
                    if a in changed
                )
                + " (see .audit)"
            )
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
            parts.append(
                f"<p>Exclusions ({len(ex)} lines"
                + (", first 20 shown" if len(ex) > 20 else "")
                + ")</p>"
            )
            parts.append(ex.head(20).to_html(index=False))
        changes = self.changes()
        if len(changes):
            parts.append("<p>Cells changed, patients kept (by column and reason; see .audit)</p>")
            parts.append(changes.to_html(index=False))
        if self.notes:
            parts.append(
                "<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul>"
            )
        return "".join(parts) + "</div>"
