"""What every plot function returns: the Figure plus the data it drew, as one typed object."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from lms_prognosis.exceptions import PlotError

if TYPE_CHECKING:
    from lms_prognosis.plotting.km import KMPanel
    from lms_prognosis.plotting.nomogram import Nomogram

# attributes earlier versions attached to the Figure -> how to read them now
_OLD_NAMES: dict[str, str] = {
    "km_panels": "panels",
    "at_risk_table": "at_risk",
    "forest_table": "table",
    "forest_axes": "axes",
    "patient_survival": "table",
    "patient_axes": "axes",
    "schoenfeld_axes": "axes",
    "calibration_axes": "axes",
}


@dataclass(eq=False, repr=False)
class PlotResult:
    """A figure and the data drawn in it (returned by every ``plot_*`` function).

    The numbers on the figure are data here, so they can be checked, exported or cited
    without reading them back from matplotlib artists. Everything a Figure has is reachable
    on the result too (``result.savefig(...)``, ``result.set_size_inches(...)``,
    ``plt.close(result)``, :func:`~lms_prognosis.plotting.save_figure`), so code written for
    the Figure keeps working; ``result.figure`` is the Figure itself.

    Attributes
    ----------
    figure : Figure
        The matplotlib Figure drawn in (the caller's, when ``ax`` was given).
    kind : str
        ``"km"``, ``"forest"``, ``"calibration"``, ``"patient"``, ``"schoenfeld"`` or
        ``"nomogram"``.
    axes : dict of str to Axes
        The Axes drawn, by role: ``"curve"`` and one per table row (``"n_risk"``, ...) for
        KM; ``"<model>:plot|hr|p"`` for a forest plot; ``"main"`` (and ``"hist"``) for
        calibration; ``"curve"``, ``"table"`` for patients; one per term for Schoenfeld
        residuals; ``"nomogram"``.
    table : DataFrame
        The numbers drawn, tidy: the at-risk table (KM), the rows and printed texts
        (forest), the grouped points (calibration), survival at the horizons (patient),
        the term p-values (Schoenfeld), every tick of every axis (nomogram).
    at_risk : DataFrame or None
        KM: ``km.at_risk(ticks)`` exactly as drawn under the curves (None without a table).
    panels : list of KMPanel
        KM: what was drawn (curve and table Axes, ticks, log-rank result, medians).
    nomogram : Nomogram or None
        Nomogram: the geometry drawn and the scales behind it.
    annotation : str or None
        Text printed on the plot (calibration metrics, the log-rank p).

    Notes
    -----
    ``isinstance(result, matplotlib.figure.Figure)`` is true, as for a transparent proxy
    (``wrapt.ObjectProxy``, ``unittest.mock`` with ``spec``), so matplotlib functions that
    check for a Figure, such as ``plt.close(result)``, accept it; ``type(result)`` is
    :class:`PlotResult`.

    Examples
    --------
    >>> import pandas as pd
    >>> from lms_prognosis import kaplan_meier
    >>> from lms_prognosis.plotting import plot_km
    >>> df = pd.DataFrame({"time": [3, 5, 8, 12, 20, 25], "event": [1, 1, 0, 1, 0, 1]})
    >>> res = plot_km(kaplan_meier(df), xticks=[0, 12, 24])
    >>> res.at_risk["n_risk"].tolist()
    [6, 3, 1]
    >>> res.figure.get_size_inches().tolist() == res.get_size_inches().tolist()
    True
    >>> import matplotlib.pyplot as plt
    >>> plt.close(res)
    """

    figure: Figure
    kind: str
    axes: dict[str, Axes]
    table: pd.DataFrame
    at_risk: pd.DataFrame | None = None
    panels: list[KMPanel] = field(default_factory=list)
    nomogram: Nomogram | None = None
    annotation: str | None = None

    # ---- the Figure, transparently ----------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: fields and methods above win
        if name.startswith("__") or name == "figure":
            raise AttributeError(name)
        if name in _OLD_NAMES:
            new = _OLD_NAMES[name]
            warnings.warn(
                f"fig.{name} is deprecated; the plot functions return a PlotResult: use .{new}",
                DeprecationWarning,
                stacklevel=2,
            )
            return getattr(self, new)
        return getattr(self.figure, name)

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # isinstance(result, Figure), for matplotlib's checks
        return Figure

    def __eq__(self, other: object) -> bool:
        return other is self or other is self.figure

    def __hash__(self) -> int:
        return hash(self.figure)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # pickle and copy rebuild a PlotResult (``__class__`` says Figure)
        return (PlotResult, tuple(getattr(self, f.name) for f in fields(self)))

    # ---- display ----------------------------------------------------------------------------
    def __repr__(self) -> str:
        w, h = self.figure.get_size_inches()
        return (
            f"PlotResult(kind={self.kind!r}, figure={w:g}x{h:g} in, axes={list(self.axes)}, "
            f"table={self.table.shape[0]} rows x {self.table.shape[1]} columns)"
        )

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", bbox_inches="tight")
        return buf.getvalue()

    def to_frame(self) -> pd.DataFrame:
        """The numbers drawn (a copy of ``.table``)."""
        return self.table.copy()


def root_figure(fig: Figure | SubFigure | None) -> Figure:
    """The top-level Figure of a figure or subfigure drawn in."""
    root = None if fig is None else fig.get_figure(root=True)
    if not isinstance(root, Figure):
        raise PlotError("the Axes given is not in a Figure")
    return root


def as_figure(obj: Any) -> Figure | None:
    """The Figure of a PlotResult, a Figure, a SubFigure or an Axes (None otherwise)."""
    if type(obj) is PlotResult:
        return obj.figure
    if type(obj) is not PlotResult and isinstance(obj, Figure):
        return obj
    if isinstance(obj, (Axes, SubFigure)):
        fig = obj.get_figure(root=True)
        return fig if isinstance(fig, Figure) else None
    return None
