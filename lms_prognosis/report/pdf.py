"""Render the report :class:`~lms_prognosis.report._document.Document` as a PDF with typst.

The `typst` PyPI package compiles a ``.typ`` source string in-process (no system libraries,
no LaTeX). The source is generated from the same document object as the HTML report, so the
PDF holds the same sections, tables and figures. Only typst's embedded fonts are used
(``ignore_system_fonts=True``), so the PDF looks the same on every machine.

Examples
--------
>>> from lms_prognosis.report._document import Document, Paragraph, Section
>>> doc = Document("Demo", sections=[Section("intro", "Intro", [Paragraph('say "hi" #1')])])
>>> pdf = render_pdf(doc)
>>> pdf[:5]
b'%PDF-'
>>> typst_string('say "hi" \\\\ #1')
'"say \\\\"hi\\\\" \\\\\\\\ #1"'
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import typst

from lms_prognosis.report._document import (
    Block,
    Document,
    Figure,
    Grid,
    Paragraph,
    Section,
    Table,
    column_alignments,
    display_frame,
)

FONT = "Libertinus Serif"

_PREAMBLE = """#set document(title: {title})
#set page(paper: "a4", margin: (x: 1.8cm, y: 2cm),
  numbering: "1 / 1", number-align: center)
#set text(font: "{font}", size: 10pt, lang: "en")
#set par(justify: true)
#set heading(numbering: "1.1")
#show heading.where(level: 1): it => block(above: 1.6em, below: 0.8em, text(size: 13pt, it))
#show heading.where(level: 2): it => block(above: 1.2em, below: 0.6em, text(size: 11pt, it))
#show figure: set block(breakable: false)
#show figure.caption: set text(size: 9pt)
"""


def typst_string(text: str) -> str:
    """Return ``text`` as a typst string literal (safe for any characters)."""
    body = (
        str(text)
        .replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "")
        .replace("\t", " ")
    )
    return f'"{body}"'


def _table_typst(block: Table) -> list[str]:
    df, hidden = display_frame(block)
    s = typst_string
    ncol = df.shape[1]
    if ncol == 0:  # nothing to draw: the caption and a word instead of an invalid #table
        return [
            f'#text(weight: "bold", size: 9.5pt, {s(block.caption)}) <{block.id}>',
            f"#par({s('(no rows)')})",
            "",
        ]
    size = "7.5pt" if ncol > 6 else "8.5pt"
    # short tables stay on one page with their caption; long ones may break (header repeats)
    breakable = "true" if len(df) > 12 else "false"
    out = [f"#block(breakable: {breakable}, width: 100%)["]
    out.append(f'#text(weight: "bold", size: 9.5pt, {s(block.caption)}) <{block.id}>')
    aligns = ", ".join(column_alignments(df))
    cells = ", ".join(f'text(weight: "bold", {s(c)})' for c in df.columns)
    out.append(f"#text(size: {size})[#table(columns: {ncol}, align: ({aligns},), stroke: none,")
    out.append("  inset: (x: 4pt, y: 2.5pt),")
    out.append("  table.hline(stroke: 1pt),")
    out.append(f"  table.header({cells}),")
    out.append("  table.hline(stroke: 0.5pt),")
    for row in df.itertuples(index=False):
        out.append("  " + ", ".join(s(v) for v in row) + ",")
    out.append("  table.hline(stroke: 1pt),")
    out.append(")]")
    foot = []
    if hidden:
        foot.append(f"{hidden} more rows not shown.")
    if block.note:
        foot.append(block.note)
    if foot:
        out.append(f"#text(size: 8pt, fill: luma(80), {s(' '.join(foot))})")
    out.append("]")
    out.append("")
    return out


def _block_typst(block: Block, images: dict[str, str], out: list[str]) -> None:
    s = typst_string
    if isinstance(block, Section):
        out.append(f"#heading(level: {min(block.level, 3)}, {s(block.title)}) <{block.id}>")
        for b in block.blocks:
            _block_typst(b, images, out)
    elif isinstance(block, Paragraph):
        if block.kind == "note":
            out.append(f"#text(size: 8.5pt, fill: luma(80), {s(block.text)})")
        else:
            out.append(f"#par({s(block.text)})")
        out.append("")
    elif isinstance(block, Table):
        out += _table_typst(block)
    elif isinstance(block, Grid):
        cells = ", ".join(
            f"[#figure(image({s(images[f.id])}, width: 100%), caption: {s(f.caption)}) <{f.id}>]"
            for f in block.figures
        )
        out.append(
            f"#grid(columns: {block.columns}, column-gutter: 14pt, row-gutter: 12pt, "
            f"{cells}) <{block.id}>"
        )
        out.append("")
    elif isinstance(block, Figure):
        out.append(
            f"#figure(image({s(images[block.id])}, width: {100 * block.width:.0f}%), "
            f"caption: {s(block.caption)})"
            f" <{block.id}>"
        )
        out.append("")
    else:  # pragma: no cover
        raise TypeError(f"cannot render block of type {type(block).__name__}")


def render_typst(doc: Document, images: dict[str, str]) -> str:
    """Return the typst source of the report.

    Parameters
    ----------
    doc : Document
        The assembled report.
    images : dict
        Figure id -> image path relative to the typst root.
    """
    out = [_PREAMBLE.replace("{title}", typst_string(doc.title)).replace("{font}", FONT)]
    out.append(f'#align(center, text(size: 17pt, weight: "bold", {typst_string(doc.title)}))')
    for line in doc.subtitle:
        out.append(f"#align(center, text(size: 9.5pt, fill: luma(60), {typst_string(line)}))")
    out.append("#v(0.6em)")
    out.append('#outline(title: "Contents", depth: 1, indent: auto)')
    out.append("")
    for section in doc.sections:
        _block_typst(section, images, out)
    return "\n".join(out) + "\n"


def render_pdf(doc: Document) -> bytes:
    """Compile the report to PDF bytes (figures are written to a temporary folder first).

    A figure with its PDF is embedded as that PDF, so it stays vector (text, lines and
    axes as drawn; dense layers are images inside it, see ``save_figure``), and typst
    compiles it faster than the PNGs it decodes and re-encodes: the shipped cohort's report
    in 0.26-0.34 s against 0.44-0.46 s in a new process (a second compile of the same
    document is memoised by typst: 50-65 ms either way); the file is a third smaller (0.94
    against 1.40 MB). Without a PDF, the PNG is used.
    """
    with tempfile.TemporaryDirectory(prefix="lms_report_") as tmp:
        images: dict[str, str] = {}
        for i, block in enumerate(b for b in doc.walk() if isinstance(b, Figure)):
            name = f"figure-{i:03d}.pdf" if block.pdf else f"figure-{i:03d}.png"
            (Path(tmp) / name).write_bytes(block.pdf or block.png)
            images[block.id] = name
        main = Path(tmp) / "report.typ"
        main.write_text(render_typst(doc, images), encoding="utf-8")
        return typst.compile(main, root=Path(tmp), ignore_system_fonts=True)


def write_pdf(doc: Document, path: str | Path) -> Path:
    """Write the report PDF to ``path`` and return the path."""
    path = Path(path)
    path.write_bytes(render_pdf(doc))
    return path
