"""Calibration plot: observed against predicted, with the distribution of predictions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.gridspec import SubplotSpec

from lms_prognosis._format import format_number
from lms_prognosis._survdata import require_columns
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting._layout import panel_spec
from lms_prognosis.plotting._result import PlotResult, root_figure


def _predictions(cal: Any, predictions: Any) -> np.ndarray | None:
    if predictions is None:
        for name in ("patients", "predictions", "predicted", "per_patient"):
            obj = getattr(cal, name, None)
            if obj is not None:
                predictions = obj
                break
    if predictions is None:
        return None
    if isinstance(predictions, pd.DataFrame):
        col = next(
            (c for c in ("predicted", "surv", "prediction") if c in predictions), "predicted"
        )
        require_columns(predictions, [col], "predictions")
        predictions = predictions[col]
    return np.asarray(predictions, float)


def _metric_lines(cal: Any) -> list[str]:
    out = []
    for name, label, digits in (
        ("ici", "ICI", 3),
        ("e50", "E50", 3),
        ("e90", "E90", 3),
        ("oe", "O/E", 2),
        ("slope", "Slope", 2),
    ):
        v = getattr(cal, name, None)
        if v is not None and np.isfinite(float(v)):
            out.append(f"{label} {format_number(float(v), digits)}")
    return out


def _panel_axes(
    fig: Figure | SubFigure, spec: SubplotSpec, given: Axes | None, with_hist: bool
) -> tuple[Axes, Axes | None]:
    """The calibration Axes and, when the predictions are drawn, the histogram below it."""
    if not with_hist:
        return (given if given is not None else fig.add_subplot(spec)), None
    sub = spec.subgridspec(2, 1, height_ratios=[1.0, 0.22], hspace=0.05)
    if given is None:
        main = fig.add_subplot(sub[0])
    else:
        main = given
        main.set_subplotspec(sub[0])
    return main, fig.add_subplot(sub[1], sharex=main)


def _draw_smooth(main: Axes, smooth: Any, colour: str) -> None:
    """The smooth calibration curve with its band when it has one."""
    if smooth is None or not len(smooth):
        return
    s = smooth.sort_values("predicted")
    if {"lower", "upper"} <= set(s.columns):
        main.fill_between(
            s["predicted"],
            s["lower"],
            s["upper"],
            color=colour,
            alpha=0.15,
            lw=0,
            zorder=2,
        )
    main.plot(
        s["predicted"].to_numpy(float),
        s["observed"].to_numpy(float),
        color=colour,
        lw=1.3,
        label="Smoothed",
        zorder=3,
    )


def _draw_groups(main: Axes, tab: pd.DataFrame, colour: str) -> None:
    """Grouped observed against predicted, with the CIs as error bars when given."""
    yerr = None
    if {"lower", "upper"} <= set(tab.columns):
        yerr = np.vstack([tab["observed"] - tab["lower"], tab["upper"] - tab["observed"]])
        yerr = np.clip(np.nan_to_num(yerr), 0, None)
    main.errorbar(
        tab["predicted"].to_numpy(float),
        tab["observed"].to_numpy(float),
        yerr=yerr,
        fmt="o",
        color=colour,
        ms=4,
        lw=1,
        capsize=2,
        label="Grouped (95% CI)",
        zorder=4,
    )


def _when(quantity: str, t: Any) -> str:
    """The time point for the axis labels: "by t months" for event probabilities."""
    when = f" at {t:g} months" if t is not None else ""
    if quantity != "survival" and t is not None:
        when = f" by {t:g} months"
    return when


def _draw_histogram(
    hax: Axes, preds: np.ndarray, bins: int, lims: tuple[float, float], xlabel: str
) -> None:
    """Histogram of the finite per-patient predictions, with their count.

    One filled outline (``histtype="stepfilled"``), not one rectangle per bin: the same
    picture (adjacent bars without edges), at a third of the cost to build and draw.
    """
    hax.hist(
        preds[np.isfinite(preds)], bins=bins, range=lims, color="0.55", lw=0, histtype="stepfilled"
    )
    hax.set_xlabel(xlabel)
    hax.set_yticks([])
    hax.spines["left"].set_visible(False)
    hax.text(
        0.99,
        0.95,
        f"Predictions (n = {int(np.isfinite(preds).sum())})",
        transform=hax.transAxes,
        ha="right",
        va="top",
        fontsize="small",
    )


def plot_calibration(
    cal: Any,
    ax: Axes | None = None,
    *,
    predictions: Any = None,
    colour: str = "#0072B2",
    smooth_colour: str = "#D55E00",
    quantity: str = "event probability",
    lims: tuple[float, float] = (0.0, 1.0),
    bins: int = 40,
    figsize: tuple[float, float] = (4.6, 5.2),
) -> PlotResult:
    """Calibration at a time point: grouped observed vs predicted with CIs, smooth, diagonal.

    Parameters
    ----------
    cal : CalibrationResult or CIFCalibrationResult
        From :func:`lms_prognosis.calibration`: ``.table`` (group, n, predicted, observed,
        lower, upper), ``.smooth`` (predicted, observed[, lower, upper]), ``.ici``, ``.e50``,
        ``.e90`` (and ``.oe``, ``.slope`` when present), ``.time_point``; with a ``.cause``
        (``calibration(..., cause=)``) the axes say cumulative incidence of that cause and
        the observed values are Aalen-Johansen estimates.
    ax : Axes, optional
        Grid cell to draw in; split into the calibration Axes and, below it, a small Axes
        with the histogram of the per-patient predictions (sharing x).
    predictions : array or DataFrame, optional
        Per-patient predictions for the histogram when ``cal`` does not carry them
        (``cal.patients["predicted"]``); without either the histogram is left out. A
        DataFrame needs a ``predicted`` (or ``surv``, ``prediction``) column.
    colour, smooth_colour : str
        Colours of the grouped points and of the smooth curve.
    quantity : str
        What is predicted, for the axis labels: ``CalibrationResult`` works on the event
        probability scale (1 - S(t)); say ``"survival"`` for a result on the survival scale.
    lims : (float, float)
        Limits of both probability axes.
    bins : int
        Histogram bins.
    figsize : tuple
        Size of a new figure.

    Returns
    -------
    PlotResult
        The figure with ``.axes`` (``"main"``, and ``"hist"`` when the predictions are
        drawn), ``.table`` (the grouped table drawn) and ``.annotation`` (the ICI/E50/E90
        text printed).

    Notes
    -----
    Everything drawn comes from ``cal``: grouped Kaplan-Meier observed values and their CIs
    (Aalen-Johansen cumulative incidences with competing risks),
    the smooth (flexible calibration curve) and the ICI/E50/E90 summaries of Austin, Harrell
    and van Klaveren (2020).

    References
    ----------
    Austin PC, Harrell FE Jr, van Klaveren D. Graphical calibration curves and the
    integrated calibration index (ICI) for survival models. Stat Med 2020;39:2714-2742.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> tab = pd.DataFrame({"group": [1, 2], "n": [50, 50], "predicted": [0.4, 0.8],
    ...                     "observed": [0.45, 0.75], "lower": [0.3, 0.6],
    ...                     "upper": [0.6, 0.9]})
    >>> cal = SimpleNamespace(table=tab, smooth=None, ici=0.03, e50=0.02, e90=0.05,
    ...                       time_point=60)
    >>> res = plot_calibration(cal)
    >>> res.annotation
    'ICI 0.030\\nE50 0.020\\nE90 0.050'
    """
    tab = getattr(cal, "table", None)
    if tab is None or not {"predicted", "observed"} <= set(tab.columns):
        raise PlotError("cal.table must have 'predicted' and 'observed' columns")
    preds = _predictions(cal, predictions)
    t = getattr(cal, "time_point", None)

    fig, spec, given = panel_spec(ax, figsize)
    main, hax = _panel_axes(fig, spec, given, preds is not None)
    main.plot(lims, lims, ls="--", color="0.5", lw=0.8, label="Ideal", zorder=1)
    _draw_smooth(main, getattr(cal, "smooth", None), smooth_colour)
    _draw_groups(main, tab, colour)
    main.set_xlim(*lims)
    main.set_ylim(*lims)
    main.set_aspect("equal", adjustable="box") if hax is None else None
    cause = getattr(cal, "cause", None)
    if cause is not None and quantity == "event probability":
        quantity = f"cumulative incidence of cause {cause}"
    when = _when(quantity, t)
    # competing risks: the observed risk is the Aalen-Johansen estimate, never 1 - KM
    if cause is not None:  # a long label: break it before the time point
        by = f"{when.strip()} " if when else ""
        main.set_ylabel(f"Observed {quantity}\n{by}(Aalen-Johansen, 95% CI)")
    else:
        main.set_ylabel(f"Observed {quantity}{when}\n(Kaplan-Meier, 95% CI)")
    lines = _metric_lines(cal)
    note = "\n".join(lines)
    if lines:
        main.text(0.04, 0.96, note, transform=main.transAxes, ha="left", va="top", linespacing=1.3)
    main.legend(loc="lower right")
    xlab = f"Predicted {quantity}{when}"
    if hax is not None and preds is not None:
        _draw_histogram(hax, preds, bins, lims, xlab)
        main.tick_params(axis="x", labelbottom=False)
    else:
        main.set_xlabel(xlab)
    axes = {"main": main} if hax is None else {"main": main, "hist": hax}
    return PlotResult(
        figure=root_figure(fig), kind="calibration", axes=axes, table=tab.copy(), annotation=note
    )
