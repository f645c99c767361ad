"""Kaplan-Meier curves with an at-risk table drawn as data in its own Axes.

The table is a separate Axes sharing x with the curves (a sub-grid of the caller's grid
cell), so numbers sit under the curve's ticks in single figures and in multi-panel grids
alike; the numbers drawn are exactly ``km.at_risk(ticks)``, returned with the figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.text import Text

from lms_prognosis._format import format_p
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting._layout import colour_map, month_ticks, panel_spec, stack_hspace
from lms_prognosis.plotting._result import PlotResult, root_figure

ROW_TITLES = {
    "n_risk": "Number at risk",
    "n_event": "Events (since previous time)",
    "n_censor": "Censored (since previous time)",
}
AT_RISK_COLUMNS = ["group", "time", "n_risk", "n_event", "n_censor"]


@dataclass(repr=False)
class KMPanel:
    """What :func:`plot_km` drew: the Axes and the data behind the table and annotations.

    Attributes
    ----------
    curve : Axes
        The survival-curve Axes.
    tables : dict
        Table Axes by row kind (``"n_risk"``, ``"n_event"``, ``"n_censor"``).
    at_risk : DataFrame or None
        ``km.at_risk(ticks)`` exactly as drawn (group, time, n_risk, n_event, n_censor).
    ticks : ndarray
        The x positions (months) of the curve ticks and table columns.
    logrank : object or None
        The log-rank result whose p is printed.
    medians : DataFrame or None
        ``km.median()`` when median lines were drawn.
    texts : dict
        The table's Text artists by row kind, in the row order of ``at_risk``.

    Examples
    --------
    >>> import pandas as pd
    >>> from lms_prognosis import kaplan_meier
    >>> df = pd.DataFrame({"time": [2, 4, 6, 9, 13, 15], "event": [1, 0, 1, 1, 0, 1]})
    >>> (panel,) = plot_km(kaplan_meier(df), xticks=[0, 6, 12]).panels
    >>> [t.get_text() for t in panel.texts["n_risk"]] == [
    ...     str(v) for v in panel.at_risk["n_risk"]]
    True
    """

    curve: Axes
    tables: dict[str, Axes]
    at_risk: pd.DataFrame | None
    ticks: np.ndarray
    logrank: Any = None
    medians: pd.DataFrame | None = None
    texts: dict[str, list[Text]] = field(default_factory=dict)

    def __repr__(self) -> str:
        groups = [] if self.at_risk is None else list(self.at_risk["group"].unique())
        return f"KMPanel(groups={groups}, ticks={self.ticks.tolist()}, tables={list(self.tables)})"


def _labels(km: Any, labels: Any) -> dict[Any, str]:
    groups = list(km.groups)
    if labels is None:
        name = getattr(km, "group", None)
        if name is None or groups == ["all"]:
            return {g: ("All patients" if g == "all" else str(g)) for g in groups}
        return {g: f"{name}={g}" for g in groups}
    if isinstance(labels, Mapping):
        return {g: str(labels.get(g, g)) for g in groups}
    if callable(labels):
        return {g: str(labels(g)) for g in groups}
    labels = list(labels)
    if len(labels) != len(groups):
        raise PlotError(f"{len(labels)} labels for {len(groups)} groups {groups}")
    return dict(zip(groups, labels, strict=True))


def _logrank(km: Any, logrank: Any) -> Any:
    """The log-rank result to print: the caller's, or the KMResult's own test."""
    if logrank is None or logrank is False or len(km.groups) < 2:
        return None
    if isinstance(logrank, str):
        if logrank != "auto":
            raise PlotError(f"logrank must be None, 'auto' or a log-rank result, got {logrank!r}")
        # an ordered grouping (grade 1 < 2 < 3) gets the 1-df test for trend
        trend = len(km.groups) > 2 and bool(getattr(km, "ordered", False))
        return km.logrank(trend=True) if trend else km.logrank()
    return logrank


def _logrank_text(lr: Any) -> str:
    method = str(getattr(lr, "method", "")).lower()
    trend = bool(getattr(lr, "trend", False)) or "trend" in method
    name = "Log-rank test for trend" if trend else "Log-rank"
    return f"{name} {format_p(float(lr.p))}"


def _ticks(
    km: Any,
    xticks: Sequence[float] | None,
    xmax: float | None,
) -> tuple[np.ndarray, float]:
    tab = km.table
    tmax = float(np.nanmax(tab["time"])) if len(tab) else 0.0
    ticks = np.asarray(xticks if xticks is not None else month_ticks(tmax), float)
    right = float(xmax if xmax is not None else max(tmax, ticks.max()))
    return ticks[(ticks >= 0) & (ticks <= right + 1e-9)], right


def _layout(
    ax: Axes | None,
    figsize: tuple[float, float],
    rows: list[str],
    n_groups: int,
    table_height: float | None,
) -> tuple[Figure | SubFigure, Axes, dict[str, Axes]]:
    """The curve Axes and one table Axes per row, stacked in the caller's grid cell."""
    fig, spec, cax = panel_spec(ax, figsize)
    if not rows:
        return fig, cax if cax is not None else fig.add_subplot(spec), {}
    h = table_height if table_height is not None else 0.07 * (n_groups + 1.8)
    # room for the curve's tick labels + x label + the table title
    gap = (
        4.4
        * mpl.font_manager.FontProperties(size=mpl.rcParams["axes.labelsize"]).get_size_in_points()
    )
    sub = spec.subgridspec(
        1 + len(rows),
        1,
        height_ratios=[1.0] + [h] * len(rows),
        hspace=stack_hspace(fig, spec, 1 + len(rows), gap),
    )
    if cax is None:
        cax = fig.add_subplot(sub[0])
    else:
        cax.set_subplotspec(sub[0])
    return fig, cax, {r: fig.add_subplot(sub[i + 1], sharex=cax) for i, r in enumerate(rows)}


def _annotate(cax: Axes, lr_text: str | None, legend: bool, n_groups: int) -> None:
    if legend and n_groups > 1:
        # the p-value heads the legend, so the two never collide; "best" keeps both off
        # the curves (high-survival cohorts leave the top right crowded)
        leg = cax.legend(
            loc="best",
            handlelength=1.5,
            title=lr_text,
            alignment="left",
            framealpha=0.85,
            edgecolor="none",
        )
        if lr_text:
            leg.get_title().set_fontsize(mpl.rcParams["legend.fontsize"])
    elif lr_text:
        cax.text(
            0.03,
            0.04,
            lr_text,
            transform=cax.transAxes,
            ha="left",
            va="bottom",
            zorder=5,
            bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 1.5},
        )


def _draw_medians(cax: Axes, km: Any, colours: dict[Any, str]) -> pd.DataFrame:
    medians = km.median()
    for g, m in zip(medians["group"], medians["median"], strict=True):
        if np.isfinite(m) and g in colours:
            cax.plot([0, m, m], [0.5, 0.5, 0], ls=":", lw=0.8, color=colours[g], zorder=1)
    return medians


def plot_km(
    km: Any,
    ax: Axes | None = None,
    *,
    at_risk: bool = True,
    at_risk_rows: Sequence[str] = ("n_risk",),
    ci: bool = True,
    censor_marks: bool = True,
    median_lines: bool = False,
    logrank: Any = "auto",
    palette: Any = "okabe_ito",
    labels: Any = None,
    xlabel: str = "Time (months)",
    ylabel: str = "Survival probability",
    xticks: Sequence[float] | None = None,
    xmax: float | None = None,
    title: str | None = None,
    legend: bool = True,
    ci_alpha: float = 0.15,
    table_height: float | None = None,
    figsize: tuple[float, float] = (6.0, 4.8),
) -> PlotResult:
    """Kaplan-Meier curves by group with CI bands, censor marks and an aligned at-risk table.

    Parameters
    ----------
    km : KMResult
        From :func:`lms_prognosis.kaplan_meier`; uses ``.table``, ``.groups``, ``.group``,
        ``.at_risk(times)``, ``.median()`` and ``.logrank()``.
    ax : Axes, optional
        Grid cell to draw in (e.g. one of ``plt.subplots(2, 2)``). With a table, the cell is
        split: ``ax`` becomes the curve Axes and the table Axes are added below it, inside
        the same cell, sharing x. Without ``ax`` a new constrained-layout figure is made.
    at_risk : bool
        Draw the table(s) of ``km.at_risk(ticks)``.
    at_risk_rows : sequence of {"n_risk", "n_event", "n_censor"}
        One table per entry. Events and censorings are counts since the previous tick
        (as ``km.at_risk`` reports them).
    ci : bool
        Shade the pointwise confidence band (``km.table`` lower/upper, as estimated).
    censor_marks : bool
        Ticks at the times with censored observations, on the curve.
    median_lines : bool
        Dotted lines to the median survival of each group (``km.median()``).
    logrank : "auto", None or a LogRankResult
        ``"auto"`` prints the p-value of ``km.logrank()`` when there are groups, or of
        ``km.logrank(trend=True)`` (1-df test for trend) when there are more than two groups
        and ``km.ordered`` says the group column is an ordered categorical; a result object
        prints its ``.p``.
    palette : str, list or dict
        Palette name (``"okabe_ito"`` default, ``"tol_bright"``, ``"grey"``), colours, or a
        group-to-colour dict.
    labels : list, dict or callable, optional
        Group labels; default ``"<group column>=<level>"`` as R prints strata.
    xlabel, ylabel, title : str
        Axis labels; time is in months inside the package.
    xticks : sequence of float, optional
        Times (months) of the curve ticks and table columns; default multiples of 12 or 24
        months (shorter follow-up: 1, 2, 3 or 6) up to the last follow-up time.
    xmax : float, optional
        Right end of the time axis; default the last tick or follow-up time.
    legend : bool
        Legend of groups (only with more than one group).
    ci_alpha : float
        Opacity of the CI bands.
    table_height : float, optional
        Height of each table relative to the curve panel (default grows with the groups).
    figsize : tuple
        Size in inches of a new figure.

    Returns
    -------
    PlotResult
        The figure (use it as a Figure: ``savefig``, ``save_figure``, ``plt.close``) with
        ``.at_risk`` (``km.at_risk(ticks)`` exactly as drawn; also ``.table``),
        ``.axes`` (``"curve"`` and one per table row), ``.panels`` (one :class:`KMPanel`:
        Axes, ticks, log-rank result, medians, table texts) and ``.annotation`` (the
        log-rank text printed).

    Notes
    -----
    Curves are right-continuous steps from (0, 1), as R ``plot(survfit)``; the table follows
    R ``summary(survfit, times=)``: at risk at t = number with time >= t. Nothing is
    estimated here; every number comes from ``km``.

    Examples
    --------
    >>> import pandas as pd
    >>> from lms_prognosis import kaplan_meier
    >>> df = pd.DataFrame({"time": [3, 5, 8, 12, 20, 25, 30, 34, 41, 50],
    ...                    "event": [1, 1, 1, 0, 1, 0, 1, 1, 0, 0],
    ...                    "grade": list("2323232323")})
    >>> res = plot_km(kaplan_meier(df, group="grade"), xticks=[0, 12, 24, 36, 48],
    ...               at_risk_rows=("n_risk", "n_event"))
    >>> res.at_risk.query("group == '2'")["n_risk"].tolist()
    [5, 3, 2, 1, 0]
    >>> sorted(res.axes)
    ['curve', 'n_event', 'n_risk']
    """
    groups = list(km.groups)
    rows = list(at_risk_rows) if at_risk else []
    bad = [r for r in rows if r not in ROW_TITLES]
    if bad:
        raise PlotError(f"unknown at_risk_rows {bad}; choose from {list(ROW_TITLES)}")
    colours = colour_map(groups, palette)
    names = _labels(km, labels)
    ticks, right = _ticks(km, xticks, xmax)

    fig, cax, tables = _layout(ax, figsize, rows, len(groups), table_height)
    _draw_curves(cax, km, groups, colours, names, ci, censor_marks, ci_alpha)
    cax.set_xlim(0, right)
    cax.set_ylim(0, 1.03)
    cax.set_xticks(ticks)
    cax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    cax.set_xlabel(xlabel)
    cax.set_ylabel(ylabel)
    if title:
        cax.set_title(title, loc="left")
    medians = _draw_medians(cax, km, colours) if median_lines else None
    lr = _logrank(km, logrank)
    lr_text = _logrank_text(lr) if lr is not None else None
    _annotate(cax, lr_text, legend, len(groups))

    ar = km.at_risk(ticks) if rows else None
    texts = {r: _draw_table(tax, ar, r, groups, colours, names) for r, tax in tables.items()}
    panel = KMPanel(
        curve=cax, tables=tables, at_risk=ar, ticks=ticks, logrank=lr, medians=medians, texts=texts
    )
    return PlotResult(
        figure=root_figure(fig),
        kind="km",
        axes={"curve": cax, **tables},
        table=ar if ar is not None else pd.DataFrame(columns=AT_RISK_COLUMNS),
        at_risk=ar,
        panels=[panel],
        annotation=lr_text,
    )


#: dense layers are thinned to this resolution of the figure (design value: finer than any
#: journal asks, 600 dpi, so the thinning cannot be seen even when the PDF is zoomed)
THIN_DPI = 600


def _thin_index(t: np.ndarray, ys: Sequence[np.ndarray], width: float, cells: int) -> np.ndarray:
    """Indices of the step points to draw: in each of ``cells`` columns of ``[0, width]``, the
    first and last point and where each of ``ys`` is lowest and highest (``t`` ascending).

    Two points in one column are drawn within one column of each other, so a staircase of
    100,000 steps and its thinned copy look the same at the resolution; nothing changes
    when there are fewer than two points per column.
    """
    n = len(t)
    if n <= 2 * cells or width <= 0:
        return np.arange(n)
    col = np.floor(t * (cells / width)).astype(np.int64)
    first = np.flatnonzero(np.r_[True, col[1:] != col[:-1]])
    last = np.r_[first[1:], n] - 1
    keep = [first, last]
    for y in ys:
        order = np.lexsort((y, col))  # within each column, lowest y first
        cfirst = np.flatnonzero(np.r_[True, col[order][1:] != col[order][:-1]])
        keep += [order[cfirst], order[np.r_[cfirst[1:], n] - 1]]
    return np.unique(np.concatenate(keep))


def _thin_marks(t: np.ndarray, s: np.ndarray, width: float, cells: tuple[int, int]) -> np.ndarray:
    """Indices of the censor marks to draw: one per output cell (marks on one cell coincide)."""
    if len(t) <= 2 * cells[0] or width <= 0:
        return np.arange(len(t))
    cx = np.floor(t * (cells[0] / width)).astype(np.int64)
    cy = np.round(s * cells[1]).astype(np.int64)
    _, idx = np.unique(cx * (cells[1] + 1) + cy, return_index=True)
    return np.sort(idx)


def _draw_curves(
    ax: Axes,
    km: Any,
    groups: list[Any],
    colours: dict[Any, str],
    names: dict[Any, str],
    ci: bool,
    censor_marks: bool,
    alpha: float,
) -> None:
    tab = km.table
    size = root_figure(ax.figure).get_size_inches()
    cells = (int(size[0] * THIN_DPI), int(size[1] * THIN_DPI))
    width = float(np.nanmax(tab["time"])) if len(tab) else 0.0
    for g in groups:
        sub = tab[tab["group"] == g].sort_values("time", kind="stable")
        t = np.r_[0.0, sub["time"].to_numpy(float)]
        s = np.r_[1.0, sub["surv"].to_numpy(float)]
        lo = np.r_[1.0, sub["lower"].to_numpy(float)]
        hi = np.r_[1.0, sub["upper"].to_numpy(float)]
        keep = _thin_index(t, [s, lo, hi] if ci else [s], width, cells[0])
        ax.step(t[keep], s[keep], where="post", color=colours[g], label=names[g], zorder=3)
        if ci:
            ax.fill_between(
                t[keep], lo[keep], hi[keep], step="post", color=colours[g], alpha=alpha, lw=0,
                zorder=2,
            )  # fmt: skip
        if censor_marks:
            c = sub[sub["n_censor"] > 0]
            ct, cs = c["time"].to_numpy(float), c["surv"].to_numpy(float)
            marks = _thin_marks(ct, cs, width, cells)
            # marks scale with the font, so journal presets (7 pt) get finer marks
            ms = (
                0.5
                * mpl.font_manager.FontProperties(
                    size=mpl.rcParams["font.size"]
                ).get_size_in_points()
            )
            ax.plot(
                ct[marks],
                cs[marks],
                ls="none",
                marker="|",
                ms=ms,
                mew=0.7,
                color=colours[g],
                zorder=4,
            )


def _draw_table(
    tax: Axes,
    ar: pd.DataFrame | None,
    row: str,
    groups: list[Any],
    colours: dict[Any, str],
    names: dict[Any, str],
) -> list[Text]:
    if ar is None:
        raise PlotError("no at-risk table to draw")
    ypos = {g: len(groups) - 1 - i for i, g in enumerate(groups)}
    size = mpl.rcParams["xtick.labelsize"]
    texts: list[Text] = []
    for g, t, v in zip(ar["group"], ar["time"], ar[row], strict=True):
        if g not in ypos:
            continue
        texts.append(
            tax.text(
                float(t),
                ypos[g],
                f"{int(v)}",
                ha="center",
                va="center",
                color=colours[g],
                fontsize=size,
            )
        )
    tax.set_ylim(-0.6, len(groups) - 0.4)
    tax.set_yticks([ypos[g] for g in groups], [names[g] for g in groups])
    for lab, g in zip(tax.get_yticklabels(), groups, strict=True):
        lab.set_color(colours[g])
    # half the widest number sits left of x = 0: pad the row labels by that much
    widest = max((len(f"{int(v)}") for v in ar[row]), default=1)
    pts = mpl.font_manager.FontProperties(size=size).get_size_in_points()
    tax.tick_params(axis="y", length=0, pad=4 + 0.32 * pts * widest)
    tax.tick_params(axis="x", bottom=False, labelbottom=False)
    # and no x axis at all: a hidden axis is skipped by the layout and the draw, which
    # otherwise place and format its invisible ticks (22% of a KM figure's export)
    tax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom", "left"):
        tax.spines[side].set_visible(False)
    tax.set_title(ROW_TITLES[row], loc="left", fontsize="medium", pad=2)
    return texts
