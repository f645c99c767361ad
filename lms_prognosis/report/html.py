"""Render the report :class:`~lms_prognosis.report._document.Document` as one HTML file.

The file is self-contained: CSS inline, every figure embedded as a base64 ``data:`` PNG, no
scripts and no external resources, so it can be e-mailed or archived as is.

Examples
--------
>>> from lms_prognosis.report._document import Document, Paragraph, Section
>>> doc = Document("Demo", sections=[Section("intro", "Introduction", [Paragraph("Hello & bye")])])
>>> text = render_html(doc)
>>> '<section id="intro"' in text and "Hello &amp; bye" in text
True
"""

from __future__ import annotations

import base64
import html as _html
from pathlib import Path

from lms_prognosis.report._document import Document, Figure, Grid, Paragraph, Section, Table
from lms_prognosis.report.export import table_to_html

_CSS = """
body { font-family: "Libertinus Serif", Georgia, "Times New Roman", serif; font-size: 15px;
       line-height: 1.45; color: #1a1a1a; max-width: 60rem; margin: 2rem auto; padding: 0 1.5rem; }
h1 { font-size: 1.8rem; margin-bottom: .2rem; }
h2 { font-size: 1.35rem; border-bottom: 1px solid #bbb; padding-bottom: .15rem; margin-top: 2.2rem; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
p.subtitle { color: #555; margin: .1rem 0; }
p.note { font-size: .85rem; color: #555; }
nav.toc { background: #f6f6f6; border: 1px solid #ddd; padding: .6rem 1rem; margin: 1rem 0; }
nav.toc ol { margin: .2rem 0; padding-left: 1.4rem; }
table.data { border-collapse: collapse; margin: .8rem 0 1.2rem; font-size: .85rem; }
table.data caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: .3rem; }
table.data th { border-top: 2px solid #333; border-bottom: 1px solid #333; padding: .2rem .6rem;
                text-align: left; }
table.data td { padding: .12rem .6rem; vertical-align: top; }
table.data .num { text-align: right; white-space: nowrap; }
table.data tbody tr:last-child td { border-bottom: 2px solid #333; }
table.data tfoot td { font-size: .8rem; color: #555; padding-top: .3rem; }
figure { margin: 1rem 0 1.5rem; }
figure img { max-width: 100%; height: auto; }
div.grid { display: grid; grid-template-columns: repeat(var(--cols, 2), 1fr); gap: 1rem; }
div.grid figure { margin: 0; }
figcaption { font-size: .85rem; color: #333; }
main { counter-reset: figure; }
figure { counter-increment: figure; }
figcaption::before { content: "Figure " counter(figure) ": "; }
"""


def _esc(text: str) -> str:
    return _html.escape(str(text))


def _block_html(block, out: list[str]) -> None:
    if isinstance(block, Section):
        tag = "h2" if block.level <= 1 else "h3"
        out.append(f'<section id="{_esc(block.id)}">')
        out.append(f"<{tag}>{_esc(block.title)}</{tag}>")
        for b in block.blocks:
            _block_html(b, out)
        out.append("</section>")
    elif isinstance(block, Paragraph):
        cls = ' class="note"' if block.kind == "note" else ""
        out.append(f"<p{cls}>{_esc(block.text)}</p>")
    elif isinstance(block, Table):
        out.append(table_to_html(block.frame, block.caption, block.note, block.group_column,
                                 id=block.id, max_rows=block.max_rows))
    elif isinstance(block, Grid):
        out.append(f'<div class="grid" id="{_esc(block.id)}" style="--cols: {block.columns}">')
        for fig in block.figures:
            _figure_html(fig, out, width=1.0)
        out.append("</div>")
    elif isinstance(block, Figure):
        _figure_html(block, out, width=block.width)
    else:  # pragma: no cover - the document model has no other blocks
        raise TypeError(f"cannot render block of type {type(block).__name__}")


def _figure_html(block: Figure, out: list[str], width: float) -> None:
    data = base64.b64encode(block.png).decode("ascii")
    out.append(f'<figure id="{_esc(block.id)}">')
    out.append(f'<img src="data:image/png;base64,{data}" alt="{_esc(block.alt or block.caption)}"'
               f' style="width: {100 * width:.0f}%">')
    out.append(f"<figcaption>{_esc(block.caption)}</figcaption>")
    out.append("</figure>")


def render_html(doc: Document) -> str:
    """Return the report as a self-contained HTML string.

    Parameters
    ----------
    doc : Document
        The assembled report.

    Returns
    -------
    str
        HTML5 text; every section is a ``<section id=...>`` with an ``<h2>`` heading, every
        figure a ``<figure id=...>`` holding a base64 PNG ``<img>``, every table a
        ``<table class="data" id=...>``.
    """
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_esc(doc.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           "<header>", f"<h1>{_esc(doc.title)}</h1>"]
    out += [f'<p class="subtitle">{_esc(s)}</p>' for s in doc.subtitle]
    out.append("</header>")
    out.append('<nav class="toc"><strong>Contents</strong><ol>')
    out += [f'<li><a href="#{_esc(s.id)}">{_esc(s.title)}</a></li>' for s in doc.sections]
    out.append("</ol></nav>")
    out.append("<main>")
    for section in doc.sections:
        _block_html(section, out)
    out += ["</main>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def write_html(doc: Document, path: str | Path) -> Path:
    """Write :func:`render_html` output to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_html(doc), encoding="utf-8")
    return path
