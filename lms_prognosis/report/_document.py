"""A tiny document model shared by the HTML and the PDF renderers.

The report is assembled once as a :class:`Document` (sections holding paragraphs, tables and
figures); :mod:`lms_prognosis.report.html` and :mod:`lms_prognosis.report.pdf` render the same
object, so the PDF says exactly what the HTML says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pandas as pd

_NUMERIC_CELL = re.compile(r"^\s*(p\s*)?[<>=\u2264\u2265\u2212+-]?\s*\d")


@dataclass
class Paragraph:
    """A paragraph of plain text (no markup; renderers escape it)."""

    text: str
    kind: str = "text"  # "text" or "note" (smaller, muted)


@dataclass
class Table:
    """A table: a DataFrame of already formatted cells, with caption and a footnote.

    ``group_column`` names a column whose repeated values are shown only once (e.g. the
    variable name over its levels). ``max_rows`` truncates the rendered table (the full table
    lives in its CSV file, named in the note).
    """

    id: str
    caption: str
    frame: pd.DataFrame
    note: str | None = None
    group_column: str | None = None
    max_rows: int | None = None


@dataclass
class Figure:
    """A figure with a caption: its PNG (the HTML report shows it) and, when written, its PDF
    (the PDF report embeds it, so figures stay vector there); the files are written apart."""

    id: str
    caption: str
    png: bytes
    alt: str = ""
    width: float = 0.75  # fraction of the text width in the PDF (and of max width in HTML)
    pdf: bytes = b""


@dataclass
class Grid:
    """Figures side by side (``columns`` per row), e.g. the Kaplan-Meier curves by factor."""

    id: str
    figures: list[Figure] = field(default_factory=list)
    columns: int = 2


@dataclass
class Section:
    """A titled section with an HTML id; ``level`` 1 = section, 2 = subsection."""

    id: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 1

    def add(self, block: Block) -> Block:
        """Append a block and return it."""
        self.blocks.append(block)
        return block


#: anything a section holds
Block = Paragraph | Table | Figure | Grid | Section


@dataclass
class Document:
    """The whole report: title, subtitle lines and sections."""

    title: str
    subtitle: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)

    def walk(self) -> Iterator[Block]:
        """Yield every block (sections included), depth first."""

        def _walk(blocks: Sequence[Block]) -> Iterator[Block]:
            for b in blocks:
                yield b
                if isinstance(b, Section):
                    yield from _walk(b.blocks)
                elif isinstance(b, Grid):
                    yield from b.figures

        yield from _walk(self.sections)


def display_frame(table: Table) -> tuple[pd.DataFrame, int]:
    """Return the frame as rendered (truncated, repeated group labels blanked) and rows hidden."""
    df = table.frame
    hidden = 0
    if table.max_rows is not None and len(df) > table.max_rows:
        hidden = len(df) - table.max_rows
        df = df.iloc[: table.max_rows]
    df = df.astype(object).where(df.notna(), "")
    df = df.astype(str)
    if table.group_column is not None and table.group_column in df.columns:
        col = df[table.group_column]
        df = df.copy()
        df[table.group_column] = col.where(col != col.shift(), "")
    return df.reset_index(drop=True), hidden


def column_alignments(df: pd.DataFrame) -> list[str]:
    """ "right" for columns whose non-empty cells all look numeric, else "left"."""
    out = []
    for col in df.columns:
        cells = [str(v) for v in df[col] if str(v) != ""]
        numeric = bool(cells) and all(_NUMERIC_CELL.match(c) for c in cells)
        out.append("right" if numeric else "left")
    return out
