"""Layout helpers shared by the figure modules: carving panels out of a caller's Axes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.font_manager import FontProperties
from matplotlib.gridspec import SubplotSpec

from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting.style import get_palette


def panel_spec(
    ax: Axes | None,
    figsize: tuple[float, float],
) -> tuple[Figure | SubFigure, SubplotSpec, Axes | None]:
    """The figure and the SubplotSpec a composite plot fills.

    Without ``ax`` a new constrained-layout figure is made. With ``ax`` its SubplotSpec is
    used, so the composite (curve + table, forest + text columns) stays inside the caller's
    grid cell; the caller's Axes is reused for the first panel.
    """
    if ax is None:
        fig = plt.figure(figsize=figsize, layout="constrained")
        return fig, fig.add_gridspec(1, 1)[0], None
    spec = ax.get_subplotspec()
    if spec is None:
        raise PlotError(
            "the Axes given must come from a grid (plt.subplots, add_subplot or "
            "subfigures); Axes placed with add_axes have no SubplotSpec to split"
        )
    parent = ax.get_figure(root=False)
    if parent is None:
        raise PlotError("the Axes given is not in a figure")
    return parent, spec, ax


def colour_map(groups: Sequence[Any], palette: Any) -> dict[Any, str]:
    """Map group labels to colours from a palette name, list, or dict."""
    if isinstance(palette, dict):
        missing = [g for g in groups if g not in palette]
        if missing:
            raise PlotError(f"palette has no colour for groups {missing}")
        return {g: palette[g] for g in groups}
    return dict(zip(groups, get_palette(palette, len(groups)), strict=True))


def month_ticks(tmax: float, max_ticks: int = 8) -> np.ndarray:
    """Tick positions in months: multiples of 1, 2, 3, 6, 12, 24, 36, 60 or 120 from 0.

    Examples
    --------
    >>> month_ticks(119.9).tolist()
    [0.0, 24.0, 48.0, 72.0, 96.0, 120.0]
    >>> month_ticks(100.0).tolist()
    [0.0, 24.0, 48.0, 72.0, 96.0]
    """
    if not np.isfinite(tmax) or tmax <= 0:
        return np.array([0.0])
    for step in (1, 2, 3, 6, 12, 24, 36, 60, 120, 240):
        if tmax / step <= max_ticks - 1:
            ticks = np.arange(0.0, tmax + 1e-9, step)
            # follow-up ending just short of a round time (119.9 months): show 120 too
            if ticks[-1] + step - tmax <= 0.03 * tmax:
                ticks = np.r_[ticks, ticks[-1] + step]
            return ticks
    return np.linspace(0.0, tmax, max_ticks)


def stack_hspace(fig: Any, spec: SubplotSpec, n_rows: int, gap_pt: float) -> float:
    """``hspace`` of a vertical sub-grid leaving ``gap_pt`` points between its panels.

    Under a layout engine (constrained layout) the engine makes room for tick labels and
    titles, so only a small pad is asked for. Without one (a caller's plain
    ``plt.subplots``), the gap is converted from points into the gridspec's units (a
    fraction of the mean panel height), so the curve's tick labels and x label clear the
    table below whatever the figure size; the caller's figure is never re-laid out.
    """
    if getattr(fig, "get_layout_engine", lambda: None)() is not None or n_rows < 2:
        return 0.08
    root = fig.figure if hasattr(fig, "figure") and fig.figure is not None else fig
    total_in = spec.get_position(root).height * root.get_figheight()
    gap_in = gap_pt / 72.0
    usable = total_in - (n_rows - 1) * gap_in
    if usable <= 0.2 * total_in:
        return 0.5
    return gap_in * n_rows / usable


def text_width_in(
    fig: Any,
    strings: Sequence[str],
    size: Any = None,
    weight: str = "normal",
) -> float:
    """Width in inches of the widest of ``strings``, measured by the figure's renderer.

    ``fig`` is a Figure, SubFigure or Axes (its root figure's renderer is used), or None
    (an Agg renderer at ``rcParams["figure.dpi"]``, for sizing a figure not made yet).
    ``size`` is a matplotlib font size (points or a name such as ``"medium"``; default the
    rcParams' ``font.size``). Figures whose canvas has no renderer of its own are measured
    with an Agg renderer (the same font metrics). An empty list measures 0.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure()
    >>> text_width_in(fig, ["1.00 (0.50–2.00)"]) > text_width_in(fig, ["1.00"])
    True
    >>> plt.close(fig)
    """
    strings = [s for s in strings if s]
    if not strings:
        return 0.0
    root = fig.get_figure(root=True) if hasattr(fig, "get_figure") else None
    dpi = float(root.dpi) if root is not None else float(plt.rcParams["figure.dpi"])
    get = getattr(getattr(root, "canvas", None), "get_renderer", None)
    renderer = get() if callable(get) else RendererAgg(10, 10, dpi)
    prop = FontProperties(size=size if size is not None else plt.rcParams["font.size"])
    prop.set_weight(weight)
    widths = [renderer.get_text_width_height_descent(s, prop, ismath=False)[0] for s in strings]
    return max(widths) / dpi
