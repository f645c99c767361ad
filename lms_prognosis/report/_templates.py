"""The jinja2 environment of the report's HTML (templates in ``lms_prognosis/report/templates``).

One :class:`jinja2.Environment` with autoescaping on, loaded from the package (so it works from
an installed wheel), with the tests and filters the templates use: ``block is section`` /
``paragraph`` / ``table_block`` / ``figure_block`` / ``grid`` for the document model, ``data_uri``
for an embedded PNG and ``table_view`` for a table's cells (:func:`table_view`).

Examples
--------
>>> import pandas as pd
>>> from lms_prognosis.report._document import Table
>>> view = table_view(Table("t", "Ages", pd.DataFrame({"group": ["a"], "n": ["3"]})))
>>> view.header, view.rows
([('group', ''), ('n', 'num')], [[('a', ''), ('3', 'num')]])
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import jinja2

from lms_prognosis.report._document import (
    Figure,
    Grid,
    Paragraph,
    Section,
    Table,
    column_alignments,
    display_frame,
)

__all__ = ["ENVIRONMENT", "TableView", "table_view", "render_template", "render_table"]


@dataclass(frozen=True)
class TableView:
    """A table as the template draws it: (text, CSS class) per header and body cell."""

    id: str | None
    caption: str
    header: list[tuple[str, str]]
    rows: list[list[tuple[str, str]]]
    foot: str
    ncol: int


def table_view(table: Table) -> TableView:
    """The cells of ``table`` as rendered: truncated, group labels blanked, numbers right."""
    df, hidden = display_frame(table)
    classes = ["" if a == "left" else "num" for a in column_alignments(df)]
    header = [(str(c), k) for c, k in zip(df.columns, classes, strict=True)]
    rows = [
        [(str(v), k) for v, k in zip(row, classes, strict=True)]
        for row in df.itertuples(index=False)
    ]
    foot = [f"{hidden} more rows not shown."] if hidden else []
    if table.note:
        foot.append(table.note)
    return TableView(
        id=table.id or None,
        caption=table.caption,
        header=header,
        rows=rows,
        foot=" ".join(foot),
        ncol=df.shape[1],
    )


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _refuse(block: object) -> str:
    raise TypeError(f"cannot render block of type {type(block).__name__}")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lms_prognosis", "report/templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.tests.update(
        {
            "section": lambda b: isinstance(b, Section),
            "paragraph": lambda b: isinstance(b, Paragraph),
            "table_block": lambda b: isinstance(b, Table),
            "grid": lambda b: isinstance(b, Grid),
            "figure_block": lambda b: isinstance(b, Figure),
        }
    )
    env.filters.update({"data_uri": _data_uri, "table_view": table_view, "refuse": _refuse})
    return env


#: the one environment of the report's templates
ENVIRONMENT = _environment()


def render_template(name: str, **context: object) -> str:
    """Render the package template ``name`` (e.g. ``"report.html.j2"``) with ``context``."""
    return ENVIRONMENT.get_template(name).render(**context)


def render_table(table: Table) -> str:
    """One ``<table class="data">`` (the ``table`` macro of ``table.html.j2``)."""
    macro = ENVIRONMENT.get_template("table.html.j2").module.table  # type: ignore[attr-defined]
    return str(macro(table_view(table)))
