"""Render the report :class:`~lms_prognosis.report._document.Document` as one HTML file.

The HTML comes from the jinja2 templates in ``lms_prognosis/report/templates``
(``report.html.j2`` with the block macros of ``blocks.html.j2`` and the table macro of
``table.html.j2``), rendered with autoescaping on. The file is self-contained: CSS inline
(``report.css``), every figure embedded as a base64 ``data:`` PNG, no scripts and no external
resources, so it can be e-mailed or archived as is.

Examples
--------
>>> from lms_prognosis.report._document import Document, Paragraph, Section
>>> doc = Document("Demo", sections=[Section("intro", "Introduction", [Paragraph("Hello & bye")])])
>>> text = render_html(doc)
>>> '<section id="intro"' in text and "Hello &amp; bye" in text
True
"""

from __future__ import annotations

from pathlib import Path

from lms_prognosis.report._document import Document
from lms_prognosis.report._templates import render_template

__all__ = ["render_html", "write_html"]


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
        ``<table class="data" id=...>``. Text is escaped (the document holds plain text).
    """
    return render_template("report.html.j2", doc=doc)


def write_html(doc: Document, path: str | Path) -> Path:
    """Write :func:`render_html` output to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_html(doc), encoding="utf-8")
    return path
