"""Export formatted tables to CSV, LaTeX, HTML and Word (.docx).

All exporters take a DataFrame of *already formatted* cells (strings made by
:mod:`lms_prognosis._format`), so a table reads the same in every format. Table result
objects (:class:`~lms_prognosis.report.tables.TableOneResult`,
:class:`~lms_prognosis.report.tables.HRTableResult`) get ``to_csv``, ``to_latex``,
``to_html`` and ``to_docx`` from :class:`TableExportMixin`.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"variable": ["Age", "Age"], "level": ["<60", "≥60"], "n": ["3", "5"]})
>>> print(table_to_latex(df, caption="Ages"))  # doctest: +ELLIPSIS
\\begin{table}[ht]
...
Age & $<$60 & 3 \\\\
...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import docx
import pandas as pd
from docx.shared import Pt

from lms_prognosis.report._document import Table, column_alignments, display_frame
from lms_prognosis.report._templates import render_table

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"$<$",
    ">": r"$>$",
    "\u2265": r"$\geq$",
    "\u2264": r"$\leq$",
    "\u2013": "--",
    "\u2014": "---",
    "\u00b1": r"$\pm$",
    "\u03b2": r"$\beta$",
    "\u03c7": r"$\chi$",
    "\u00b2": r"\textsuperscript{2}",
}


def latex_escape(text: str) -> str:
    """Escape text for LaTeX (special characters, ≥/≤, en dash).

    Examples
    --------
    >>> latex_escape("HR 1.84 (1.21–2.79), p < 0.001, 50%")
    'HR 1.84 (1.21--2.79), p $<$ 0.001, 50\\\\%'
    """
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def _as_table(
    frame: pd.DataFrame,
    caption: str = "",
    note: str | None = None,
    group_column: str | None = None,
    id: str = "table",
) -> Table:
    return Table(id=id, caption=caption, frame=frame, note=note, group_column=group_column)


def table_to_csv(frame: pd.DataFrame, path: str | Path | None = None) -> str | None:
    """Write the full table (no blanking, no truncation) as UTF-8 CSV, or return the text."""
    if path is None:
        return frame.to_csv(index=False)
    frame.to_csv(path, index=False, encoding="utf-8")
    return None


def table_to_latex(
    frame: pd.DataFrame,
    caption: str = "",
    note: str | None = None,
    group_column: str | None = None,
    label: str | None = None,
    path: str | Path | None = None,
) -> str:
    """Render a booktabs LaTeX table (needs ``\\usepackage{booktabs}``); optionally write it."""
    df, _ = display_frame(_as_table(frame, caption, note, group_column))
    align = "".join(a[0] for a in column_alignments(df))
    lines = [r"\begin{table}[ht]", r"\centering"]
    if caption:
        lines.append(r"\caption{" + latex_escape(caption) + "}")
    if label:
        lines.append(r"\label{" + label + "}")
    lines += [
        r"\begin{tabular}{" + align + "}",
        r"\toprule",
        " & ".join(latex_escape(c) for c in df.columns) + r" \\",
        r"\midrule",
    ]
    for row in df.itertuples(index=False):
        lines.append(" & ".join(latex_escape(v) for v in row) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    if note:
        lines.append(r"\par\smallskip{\footnotesize " + latex_escape(note) + "}")
    lines.append(r"\end{table}")
    text = "\n".join(lines) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def table_to_html(
    frame: pd.DataFrame,
    caption: str = "",
    note: str | None = None,
    group_column: str | None = None,
    id: str | None = None,
    max_rows: int | None = None,
    path: str | Path | None = None,
) -> str:
    """Render an HTML ``<table>`` (escaped; caption and footnote included); optionally write it.

    The markup is the ``table`` macro of the report's ``table.html.j2`` template, so a table
    reads the same in a notebook and in the report.
    """
    tab = _as_table(frame, caption, note, group_column, id=id or "")
    tab.max_rows = max_rows
    text = render_table(tab)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def table_to_docx(
    frame: pd.DataFrame,
    path: str | Path,
    caption: str = "",
    note: str | None = None,
    group_column: str | None = None,
    document: Any = None,
) -> None:
    """Write the table to a Word document with python-docx (or append it to ``document``).

    A journal-style table: bold header row, caption above, footnote below in 8 pt.
    """
    df, _ = display_frame(_as_table(frame, caption, note, group_column))
    doc = document if document is not None else docx.Document()
    if caption:
        p = doc.add_paragraph()
        run = p.add_run(caption)
        run.bold = True
    table = doc.add_table(rows=1, cols=df.shape[1])
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, df.columns, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(name))
        run.bold = True
    for row in df.itertuples(index=False):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    for row in table.rows:
        for cell in row.cells:
            for par in cell.paragraphs:
                for run in par.runs:
                    run.font.size = Pt(9)
    if note:
        p = doc.add_paragraph()
        run = p.add_run(note)
        run.font.size = Pt(8)
    if document is None:
        doc.save(str(path))


class TableExportMixin:
    """Adds ``to_csv``/``to_latex``/``to_html``/``to_docx``/``_repr_html_`` to a table result.

    The class must provide ``table`` (the formatted DataFrame), ``caption``, ``note`` and
    ``group_column`` attributes.
    """

    table: pd.DataFrame
    caption: str
    note: str | None
    group_column: str | None

    def to_csv(self, path: str | Path | None = None) -> str | None:
        """Write the table as CSV (UTF-8), or return the CSV text when ``path`` is None."""
        return table_to_csv(self.table, path)

    def to_latex(self, path: str | Path | None = None, label: str | None = None) -> str:
        """Return (and optionally write) the table as a booktabs LaTeX table."""
        return table_to_latex(
            self.table, self.caption, self.note, self.group_column, label=label, path=path
        )

    def to_html(self, path: str | Path | None = None) -> str:
        """Return (and optionally write) the table as an HTML ``<table>``."""
        return table_to_html(self.table, self.caption, self.note, self.group_column, path=path)

    def to_docx(self, path: str | Path) -> None:
        """Write the table to a Word (.docx) document."""
        table_to_docx(self.table, path, self.caption, self.note, self.group_column)

    def _repr_html_(self) -> str:
        return self.to_html()
