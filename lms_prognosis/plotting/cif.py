"""Cumulative incidence curves with an at-risk table drawn as data in its own Axes.

One cause by group (curves with CI bands, Gray's test p), or the causes stacked (areas that
add up to 1 - event-free survival, one panel per group). As :func:`~lms_prognosis.plot_km`,
the table is a separate Axes sharing x with the curves, and the numbers drawn are exactly
``cif.at_risk(ticks)``, returned with the figure; nothing is estimated here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from lms_prognosis._format import format_p
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting._layout import colour_map, panel_spec
from lms_prognosis.plotting._result import PlotResult, root_figure
from lms_prognosis.plotting.km import (
    AT_RISK_COLUMNS,
    ROW_TITLES,
    KMPanel,
    _annotate,
    _draw_table,
    _labels,
    _layout,
    _ticks,
)

__all__ = ["plot_cif"]


def _cause_names(causes: list[int], cause_labels: Mapping[int, str] | None) -> dict[int, str]:
    given = dict(cause_labels or {})
    return {c: str(given.get(c, f"Cause {c}")) for c in causes}


def _gray(cif: Any, cause: int, gray: Any) -> Any:
    """The Gray's test result to print: the caller's, or the CIFResult's own test."""
    if gray is None or gray is False or len(cif.groups) < 2:
        return None
    if isinstance(gray, str):
        if gray != "auto":
            raise PlotError(f"gray must be None, 'auto' or a Gray's test result, got {gray!r}")
        return cif.gray_test(cause=cause)
    return gray


def _steps(sub: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A right-continuous step curve from (0, 0) of one column of one curve's rows."""
    values = sub[column].to_numpy(float)
    if column in ("lower", "upper"):  # NaN where the estimate is 0 (R's NA): draw at 0
        values = np.where(sub["cif"].to_numpy(float) == 0, 0.0, values)
    return np.r_[0.0, sub["time"].to_numpy(float)], np.r_[0.0, values]


def _draw_by_group(
    ax: Axes,
    cif: Any,
    cause: int,
    colours: dict[Any, str],
    names: dict[Any, str],
    ci: bool,
    alpha: float,
) -> None:
    tab = cif.table[cif.table["cause"] == cause]
    for g in cif.groups:
        sub = tab[tab["group"] == g]
        t, y = _steps(sub, "cif")
        ax.step(t, y, where="post", color=colours[g], label=names[g], zorder=3)
        if ci:
            _, lo = _steps(sub, "lower")
            _, hi = _steps(sub, "upper")
            ax.fill_between(t, lo, hi, step="post", color=colours[g], alpha=alpha, lw=0, zorder=2)


def _draw_stacked(
    ax: Axes, cif: Any, group: Any, colours: dict[Any, str], names: dict[int, str]
) -> None:
    tab = cif.table[cif.table["group"] == group]
    base: np.ndarray | None = None
    for c in cif.causes:
        t, y = _steps(tab[tab["cause"] == c], "cif")
        lower = np.zeros_like(y) if base is None else base
        top = lower + y
        ax.fill_between(
            t, lower, top, step="post", color=colours[c], alpha=0.75, lw=0, label=names[c]
        )
        ax.step(t, top, where="post", color=colours[c], lw=0.8)
        base = top


def _style_axes(
    cax: Axes,
    ticks: np.ndarray,
    right: float,
    ylim: tuple[float, float],
    xlabel: str,
    ylabel: str,
    title: str | None,
) -> None:
    cax.set_xlim(0, right)
    cax.set_ylim(*ylim)
    cax.set_xticks(ticks)
    cax.set_xlabel(xlabel)
    cax.set_ylabel(ylabel)
    if title:
        cax.set_title(title, loc="left")


def _check(cif: Any, cause: int, rows: list[str]) -> None:
    bad = [r for r in rows if r not in ROW_TITLES]
    if bad:
        raise PlotError(f"unknown at_risk_rows {bad}; choose from {list(ROW_TITLES)}")
    causes = list(getattr(cif, "causes", []))
    if cause not in causes:
        raise PlotError(
            f"cause {cause!r} has no events in this cumulative incidence (causes present: "
            f"{causes}); choose one of them with cause="
        )


def plot_cif(
    cif: Any,
    cause: int = 1,
    at_risk: bool = True,
    stacked: bool = False,
    *,
    ax: Axes | None = None,
    at_risk_rows: Sequence[str] = ("n_risk",),
    ci: bool = True,
    gray: Any = "auto",
    palette: Any = "okabe_ito",
    labels: Any = None,
    cause_labels: Mapping[int, str] | None = None,
    xlabel: str = "Time (months)",
    ylabel: str | None = None,
    xticks: Sequence[float] | None = None,
    xmax: float | None = None,
    ylim: tuple[float, float] = (0.0, 1.0),
    title: str | None = None,
    legend: bool = True,
    ci_alpha: float = 0.15,
    table_height: float | None = None,
    figsize: tuple[float, float] | None = None,
) -> PlotResult:
    """Cumulative incidence of one cause by group, or the causes stacked, with an at-risk table.

    Parameters
    ----------
    cif : CIFResult
        From :func:`lms_prognosis.cumulative_incidence`; uses ``.table``, ``.groups``,
        ``.causes``, ``.at_risk(times)`` and ``.gray_test()``.
    cause : int, default 1
        The cause drawn (ignored with ``stacked=True``, where every cause is drawn).
    at_risk : bool
        Draw the table(s) of ``cif.at_risk(ticks)`` (number event-free and under
        observation, time >= t).
    stacked : bool
        Stack the cumulative incidence of every cause (cause 1 at the bottom): the top edge
        is 1 - event-free survival. One panel per group, side by side, each with its own
        table row.
    ax : Axes, optional
        Grid cell to draw in; it is split into the curve(s) and the table(s) below, sharing
        x. Without ``ax`` a new constrained-layout figure is made.
    at_risk_rows : sequence of {"n_risk", "n_event", "n_censor"}
        One table per entry; ``n_event`` counts events of any cause since the previous tick.
    ci : bool
        Shade the pointwise interval of ``cif.table`` (not with ``stacked``).
    gray : "auto", None or a GrayTestResult
        ``"auto"`` prints the p of ``cif.gray_test(cause)`` when there are groups.
    palette, labels : see :func:`~lms_prognosis.plot_km`
        Colours (by group; by cause when stacked) and group labels.
    cause_labels : mapping, optional
        Names of the causes, e.g. ``{1: "Death from LMS", 2: "Other causes"}``.
    xlabel, ylabel, title : str
        Axis labels; the default y label names the cause.
    xticks, xmax : optional
        Tick times (months; default multiples of 12 or 24) and right end of the axis.
    ylim : (float, float), default (0, 1)
        Probability axis; zoom in with e.g. ``(0, 0.5)``.
    legend : bool
        Legend of groups (or of causes when stacked).
    ci_alpha, table_height, figsize
        Opacity of the bands, height of each table relative to the curve, size of a new
        figure (default 6 x 4.8 in, wider when stacked by group).

    Returns
    -------
    PlotResult
        ``kind="cif"``; ``.at_risk`` (``cif.at_risk(ticks)`` exactly as drawn, also
        ``.table``), ``.axes`` (``"curve"`` and one per table row, or ``"curve:<group>"``
        and ``"<row>:<group>"`` when stacked), ``.panels`` (one :class:`KMPanel` per panel,
        whose ``logrank`` field holds the Gray's test printed) and ``.annotation``.

    Notes
    -----
    Curves are right-continuous steps from (0, 0). The cumulative incidence is not
    1 - Kaplan-Meier of the cause: with competing events that would overstate the risk.

    Examples
    --------
    >>> import pandas as pd
    >>> from lms_prognosis import cumulative_incidence
    >>> df = pd.DataFrame({"time": [3, 5, 8, 12, 20, 25, 30, 34, 41, 50],
    ...                    "event": [1, 2, 1, 0, 1, 2, 1, 1, 0, 0],
    ...                    "grade": list("2323232323")})
    >>> res = plot_cif(cumulative_incidence(df, group="grade"), xticks=[0, 12, 24, 36, 48])
    >>> res.at_risk.query("group == '2'")["n_risk"].tolist()
    [5, 3, 2, 1, 0]
    >>> res.kind, sorted(res.axes)
    ('cif', ['curve', 'n_risk'])
    """
    rows = list(at_risk_rows) if at_risk else []
    _check(cif, cause if not stacked else cif.causes[0], rows)
    ticks, right = _ticks(cif, xticks, xmax)
    names = _labels(cif, labels)
    if stacked:
        return _plot_stacked(
            cif,
            ax,
            rows,
            ticks,
            right,
            names,
            palette,
            cause_labels,
            xlabel,
            ylabel,
            ylim,
            title,
            legend,
            table_height,
            figsize,
        )
    colours = colour_map(list(cif.groups), palette)
    fig, cax, tables = _layout(ax, figsize or (6.0, 4.8), rows, len(cif.groups), table_height)
    _draw_by_group(cax, cif, cause, colours, names, ci, ci_alpha)
    cname = _cause_names(cif.causes, cause_labels)[cause]
    _style_axes(cax, ticks, right, ylim, xlabel, ylabel or f"Cumulative incidence: {cname}", title)
    res = _gray(cif, cause, gray)
    text = f"Gray's test {format_p(float(res.p))}" if res is not None else None
    _annotate(cax, text, legend, len(cif.groups))
    ar = cif.at_risk(ticks) if rows else None
    groups = list(cif.groups)
    texts = {r: _draw_table(tax, ar, r, groups, colours, names) for r, tax in tables.items()}
    panel = KMPanel(curve=cax, tables=tables, at_risk=ar, ticks=ticks, logrank=res, texts=texts)
    return PlotResult(
        figure=root_figure(fig),
        kind="cif",
        axes={"curve": cax, **tables},
        table=ar if ar is not None else pd.DataFrame(columns=AT_RISK_COLUMNS),
        at_risk=ar,
        panels=[panel],
        annotation=text,
    )


def _plot_stacked(
    cif: Any,
    ax: Axes | None,
    rows: list[str],
    ticks: np.ndarray,
    right: float,
    names: dict[Any, str],
    palette: Any,
    cause_labels: Mapping[int, str] | None,
    xlabel: str,
    ylabel: str | None,
    ylim: tuple[float, float],
    title: str | None,
    legend: bool,
    table_height: float | None,
    figsize: tuple[float, float] | None,
) -> PlotResult:
    groups = list(cif.groups)
    size = figsize or (4.2 * len(groups) + 0.8 if len(groups) > 1 else 6.0, 4.8)
    parent, spec, given = panel_spec(ax, size)
    cells = spec.subgridspec(1, len(groups), wspace=0.08)
    colours = colour_map(list(cif.causes), palette)
    cnames = _cause_names(cif.causes, cause_labels)
    ar = cif.at_risk(ticks) if rows else None
    axes: dict[str, Axes] = {}
    panels = []
    fig: Figure | SubFigure = parent
    for i, g in enumerate(groups):
        cell_ax = given if (i == 0 and given is not None) else parent.add_subplot(cells[i])
        if i == 0 and given is not None:
            cell_ax.set_subplotspec(cells[0])
        fig, cax, tables = _layout(cell_ax, size, rows, 1, table_height)
        _draw_stacked(cax, cif, g, colours, cnames)
        label = ylabel or "Cumulative incidence (stacked)"
        panel_title = names[g] if len(groups) > 1 else title
        _style_axes(cax, ticks, right, ylim, xlabel, label if i == 0 else "", panel_title)
        if i > 0:
            cax.tick_params(axis="y", labelleft=False)
        if legend and i == len(groups) - 1:
            cax.legend(loc="upper left", framealpha=0.85, edgecolor="none")
        sub = None if ar is None else ar[ar["group"] == g].reset_index(drop=True)
        # the panel's title names the group, so the table row needs no label of its own
        row_name = {g: names[g] if len(groups) == 1 else ""}
        texts = {
            r: _draw_table(tax, sub, r, [g], {g: "black"}, row_name) for r, tax in tables.items()
        }
        suffix = "" if len(groups) == 1 else f":{g}"
        axes[f"curve{suffix}"] = cax
        axes.update({f"{r}{suffix}": tax for r, tax in tables.items()})
        panels.append(KMPanel(curve=cax, tables=tables, at_risk=sub, ticks=ticks, texts=texts))
    if title and len(groups) > 1:
        root_figure(fig).suptitle(title, x=0.02, ha="left")
    return PlotResult(
        figure=root_figure(fig),
        kind="cif",
        axes=axes,
        table=ar if ar is not None else pd.DataFrame(columns=AT_RISK_COLUMNS),
        at_risk=ar,
        panels=panels,
    )
