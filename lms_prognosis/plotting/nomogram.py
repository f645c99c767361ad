"""Points nomogram for a Cox model (as R ``rms::nomogram``, Sarculator, the MSKCC nomogram).

The scales (points per covariate value, total points, survival at the horizons) are computed
by :func:`lms_prognosis.cox.nomogram.nomogram_scales`; this module only lays them out: one
horizontal axis per scale, labels thinned or staggered so they do not collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes

from lms_prognosis.cox.nomogram import SURV_TICKS, NomogramScales, nomogram_scales
from lms_prognosis.plotting._result import PlotResult, root_figure

CHAR_UNITS = 1.7  # approximate width of a small-font character in 0-100 drawing units


@dataclass(repr=False)
class Nomogram:
    """The geometry drawn by :func:`plot_nomogram`, as data.

    Attributes
    ----------
    axes : list of dict
        One per drawn axis, top to bottom: ``name``, ``kind`` ("points", "covariate",
        "total", "survival") and ``ticks`` (DataFrame: label, value, x [0-100 drawing
        position]; for survival axes ``value`` is S and ``total`` the total points).
    scales : NomogramScales
        The scales drawn (from :func:`~lms_prognosis.cox.nomogram.nomogram_scales`).

    Examples
    --------
    >>> from lms_prognosis import published_model
    >>> nomo = plot_nomogram(published_model("lms_default"), times=(60,)).nomogram
    >>> [a["name"] for a in nomo.axes][:2]
    ['Points', 'age >= 60 years']
    >>> round(nomo.max_total) == round(nomo.scales.max_total)
    True
    """

    axes: list[dict[str, Any]]
    scales: NomogramScales

    @property
    def points_per_unit(self) -> float:
        """Points per unit of linear predictor."""
        return self.scales.points_per_unit

    @property
    def max_total(self) -> float:
        """Largest total points."""
        return self.scales.max_total

    @property
    def reference(self) -> dict[str, Any]:
        """The 0-points patient (covariate -> value)."""
        return self.scales.reference

    @property
    def baseline(self) -> pd.Series:
        """Survival of the reference patient by time."""
        return self.scales.baseline

    def __repr__(self) -> str:
        names = ", ".join(a["name"] for a in self.axes)
        base = ", ".join(f"S({t:g})={s:.3f}" for t, s in self.baseline.items())
        return (
            f"Nomogram({len(self.axes)} axes: {names}; {self.points_per_unit:.2f} points "
            f"per unit of linear predictor; max total {self.max_total:.1f}; reference "
            f"patient {base})"
        )

    def _repr_html_(self) -> str:
        return f"<pre>{self.__repr__()}</pre>"

    @property
    def table(self) -> pd.DataFrame:
        """All ticks of all axes as one tidy frame (axis, kind, label, value, x)."""
        return pd.concat(
            [a["ticks"].assign(axis=a["name"], kind=a["kind"]) for a in self.axes],
            ignore_index=True,
        )

    def total_points(self, newdata: pd.DataFrame) -> pd.Series:
        """Total points of each row of ``newdata`` (``scales.total_points``)."""
        return self.scales.total_points(newdata)

    def survival(self, total: float | np.ndarray, time: float) -> np.ndarray:
        """Survival read off the ``time`` axis at ``total`` points."""
        return self.scales.predict_survival(total, time)


def _fits(prev: tuple[float, str] | None, x: float, label: str, gap: float) -> bool:
    """Whether a label at ``x`` clears the previous one."""
    if prev is None:
        return True
    return x - prev[0] >= max(gap, CHAR_UNITS * (len(prev[1]) + len(label)) / 2 + 1.0)


def _thin(ticks: pd.DataFrame, gap: float) -> pd.DataFrame:
    keep, prev = [], None
    for i, x, lab in zip(ticks.index, ticks["x"], ticks["label"], strict=True):
        if _fits(prev, x, lab, gap):
            keep.append(i)
            prev = (x, lab)
    return ticks.loc[keep]


def _merge_levels(ticks: pd.DataFrame) -> pd.DataFrame:
    """Levels with the same points share one tick: ``"extremity, head_neck"``."""
    key = ticks["x"].round(9)
    return (
        ticks.assign(_k=key)
        .groupby("_k", sort=True)
        .agg(label=("label", ", ".join), value=("value", "first"), x=("x", "first"))
        .reset_index(drop=True)
    )


def _covariate_rows(
    scales: NomogramScales,
    labels: dict[str, str],
    min_gap: float,
) -> list[dict[str, Any]]:
    rows = []
    for v in scales.variables.to_dict("records"):
        pts = scales.points[scales.points["variable"] == v["variable"]]
        ticks = pd.DataFrame(
            {
                "label": pts["label"].to_numpy(),
                "value": pts["value"].to_numpy(),
                "x": pts["points"].to_numpy(float),
            }
        )
        if v["kind"] == "numeric":
            ticks = _thin(ticks.sort_values("x").reset_index(drop=True), min_gap)
        else:
            ticks = _merge_levels(ticks)
        row: dict[str, Any] = {
            "name": labels.get(str(v["variable"]), str(v["variable"])),
            "kind": "covariate",
            "ticks": ticks.sort_values("x", kind="stable").reset_index(drop=True),
        }
        if v["kind"] == "numeric":  # the line spans the observed range, not only the round values
            row["span"] = (float(v["points_lower"]), float(v["points_upper"]))
        rows.append(row)
    return rows


def _outcome_rows(scales: NomogramScales, min_gap: float) -> list[dict[str, Any]]:
    scale = 100.0 / scales.max_total
    tot = scales.total["points"].to_numpy(float)
    rows: list[dict[str, Any]] = [
        {
            "name": "Total points",
            "kind": "total",
            "ticks": pd.DataFrame(
                {"label": [f"{a:g}" for a in tot], "value": tot, "x": tot * scale}
            ),
        }
    ]
    for t in scales.times:
        sv = scales.survival[scales.survival["time"] == t]
        ticks = pd.DataFrame(
            {
                "label": [f"{u:g}" for u in sv["surv"]],
                "value": sv["surv"].to_numpy(float),
                "total": sv["points"].to_numpy(float),
                "x": sv["points"].to_numpy(float) * scale,
            }
        )
        name = f"{t / 12:g}-year survival" if t % 12 == 0 else f"{t:g}-month survival"
        rows.append(
            {
                "name": name,
                "kind": "survival",
                "time": t,
                "ticks": _thin(ticks.sort_values("x").reset_index(drop=True), min_gap),
            }
        )
    return rows


def plot_nomogram(
    model: Any,
    times: Sequence[float] = (12, 36, 60),
    ax: Axes | None = None,
    *,
    labels: dict[str, str] | None = None,
    surv_ticks: Sequence[float] = SURV_TICKS,
    baseline: dict[float, float] | None = None,
    min_gap: float = 3.0,
    figsize: tuple[float, float] | None = None,
) -> PlotResult:
    """A points nomogram: Points, one axis per covariate, Total points, survival at ``times``.

    Parameters
    ----------
    model : CoxResult, PublishedModel or NomogramScales
        The model (its scales are computed by
        :func:`~lms_prognosis.cox.nomogram.nomogram_scales` with ``times``, ``surv_ticks``
        and ``baseline``), or scales computed already (then those three are not used).
    times : sequence of float
        Months of the survival axes (1, 3, 5 years by default).
    ax : Axes, optional
        Axes to draw in (turned into a blank canvas).
    labels : dict, optional
        Axis labels by covariate name.
    surv_ticks : sequence of float
        Survival probabilities marked on the survival axes (those inside the range).
    baseline : dict, optional
        Survival of the 0-points patient by time, overriding the model's.
    min_gap : float
        Smallest distance (in 0-100 drawing units) between labelled ticks of one axis,
        widened for long labels; closer ticks are dropped (level labels are staggered
        below the axis instead, and levels with equal points share one tick).
    figsize : tuple, optional
        Size of a new figure.

    Returns
    -------
    PlotResult
        The figure with ``.nomogram``: a :class:`Nomogram` holding the geometry drawn (axes
        and their ticks) and the scales behind it (``.nomogram.scales``); ``.table`` is every
        tick of every axis.

    Notes
    -----
    Nothing is computed here beyond positions on the page; see
    :func:`~lms_prognosis.cox.nomogram.nomogram_scales` for the points and survival
    conventions (R ``rms::nomogram``). The total-points and survival axes are drawn on one
    0-100 width: ``x = total * 100 / max_total``.

    Examples
    --------
    >>> from lms_prognosis import published_model
    >>> res = plot_nomogram(published_model("lms_default"), times=(60,))
    >>> [a["kind"] for a in res.nomogram.axes][-2:]
    ['total', 'survival']
    """
    scales = (
        model
        if isinstance(model, NomogramScales)
        else nomogram_scales(model, times, surv_ticks=surv_ticks, baseline=baseline)
    )
    pts = np.arange(0, 101, 10.0)
    rows: list[dict[str, Any]] = [
        {
            "name": "Points",
            "kind": "points",
            "ticks": pd.DataFrame({"label": [f"{p:g}" for p in pts], "value": pts, "x": pts}),
        }
    ]
    rows += _covariate_rows(scales, labels or {}, min_gap)
    rows += _outcome_rows(scales, min_gap)

    if ax is None:
        _, ax = plt.subplots(figsize=figsize or (7.0, 0.42 * len(rows) + 0.5), layout="constrained")
    _draw(ax, rows, min_gap)
    nomo = Nomogram(rows, scales)
    return PlotResult(
        figure=root_figure(ax.get_figure(root=True)),
        kind="nomogram",
        axes={"nomogram": ax},
        table=nomo.table,
        nomogram=nomo,
    )


def _ha(x: float, label: str) -> str:
    """Keep long labels inside the 0-100 band: align them to the tick at the edges."""
    half = CHAR_UNITS * len(label) / 2
    if x - half < -3:
        return "left"
    if x + half > 103:
        return "right"
    return "center"


def _draw(ax: Axes, rows: list[dict[str, Any]], min_gap: float) -> None:
    n = len(rows)
    for i, row in enumerate(rows):
        y = n - 1 - i
        tk = row["ticks"]
        if len(tk) == 0:
            continue
        xs = tk["x"].to_numpy(float)
        lo, hi = row.get("span", (xs.min(), xs.max()))
        ax.plot([min(lo, xs.min()), max(hi, xs.max())], [y, y], color="black", lw=0.8)
        if row["kind"] == "points":
            minor = np.arange(0, 101, 5.0)
            ax.vlines(minor, y, y + 0.1, color="black", lw=0.6)
        ax.vlines(xs, y, y + 0.18, color="black", lw=0.8)
        if row["kind"] == "covariate":
            tk = tk.reset_index(drop=True)
            # labels of nearby levels alternate above / below the axis
            prev = None
            for lab, x in zip(tk["label"], xs, strict=True):
                up = _fits(prev, x, lab, min_gap)
                ax.text(
                    x,
                    y + 0.22 if up else y - 0.12,
                    lab,
                    ha=_ha(x, lab),
                    va="bottom" if up else "top",
                    fontsize="small",
                )
                if up:
                    prev = (x, lab)
        else:
            for lab, x in zip(tk["label"], xs, strict=True):
                ax.text(x, y + 0.22, lab, ha=_ha(x, lab), va="bottom", fontsize="small")
    ax.set_yticks(range(n - 1, -1, -1), [r["name"] for r in rows])
    ax.set_ylim(-0.6, n - 0.2)
    ax.set_xlim(-3, 103)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
