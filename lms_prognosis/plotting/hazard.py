"""The hazard over time: kernel-smoothed (nonparametric) beside parametric fits, late events shown.

Late recurrences are what distinguish leiomyosarcoma follow-up, and a hazard plot is where
they show: each event time is a tick under the curve, the events past a chosen time
(``late_after``, by default the 75th percentile of the event times) are counted on the plot,
and the stretch of the smoothed curve within one bandwidth of either end (biased towards 0,
see :mod:`lms_prognosis.nonparametric.hazard`) is dashed. Parametric fits
(:func:`~lms_prognosis.models.fit_parametric`) are drawn as their population-averaged hazard
(``fit.marginal_hazard``), dotted past the longest follow-up where they extrapolate.

Nothing is computed here: the curves come from ``smoothed_hazard(km)`` and
``fit.marginal_hazard(times)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from lms_prognosis.exceptions import PlotError
from lms_prognosis.nonparametric.hazard import smoothed_hazard
from lms_prognosis.plotting._layout import month_ticks, panel_spec
from lms_prognosis.plotting._result import PlotResult, root_figure
from lms_prognosis.plotting.style import get_palette

__all__ = ["plot_hazard"]

_NAMES = {
    "weibull": "Weibull",
    "lognormal": "Log-normal",
    "loglogistic": "Log-logistic",
    "exponential": "Exponential",
}


def _fits(fits: Any) -> dict[str, Any]:
    if fits is None:
        return {}
    if hasattr(fits, "fits") and isinstance(fits.fits, Mapping):  # a DistributionSelection
        return dict(fits.fits)
    if hasattr(fits, "marginal_hazard"):
        return {fits.distribution: fits}
    if isinstance(fits, Mapping):
        return dict(fits)
    raise PlotError("fits must be a ParametricResult, a dict of them, or select_distribution()")


def _draw_smoothed(ax: Axes, sm: pd.DataFrame, colour: str, label: str) -> None:
    inner = sm["hazard"].where(~sm["boundary"])
    ax.plot(sm["time"], sm["hazard"], color=colour, lw=1.0, ls="--", alpha=0.7)
    ax.plot(sm["time"], inner, color=colour, lw=2.0, label=label)


def _draw_events(ax: Axes, ev_times: np.ndarray, late_after: float, colour: str) -> str:
    late = ev_times[ev_times > late_after]
    trans = ax.get_xaxis_transform()
    ax.vlines(ev_times, 0.0, 0.03, transform=trans, color=colour, lw=0.8, alpha=0.6)
    ax.vlines(late, 0.0, 0.07, transform=trans, color="0.1", lw=1.4)
    ax.axvline(late_after, color="0.6", lw=0.8, ls=":")
    note = f"{len(late)} of {len(ev_times)} events after {late_after:.3g} months"
    ax.set_title(note + " (black ticks)", loc="left", fontsize="small")
    return note


def plot_hazard(
    km: Any,
    fits: Any = None,
    ax: Axes | None = None,
    *,
    bandwidth: float | None = None,
    late_after: float | None = None,
    horizon: float | None = None,
    figsize: tuple[float, float] = (6.0, 4.0),
) -> PlotResult:
    """Smoothed hazard of a Kaplan-Meier result, with parametric fits and the late events.

    Parameters
    ----------
    km : KMResult
        From :func:`~lms_prognosis.kaplan_meier` without groups (one curve); its event
        times are the ticks.
    fits : ParametricResult, dict of them, or DistributionSelection, optional
        Parametric models of the same rows to draw beside it.
    ax : Axes, optional
        Grid cell to draw in.
    bandwidth : float, optional
        Kernel half-width (months); by default muhaz's pilot rule.
    late_after : float, optional
        Events after this time are marked and counted; by default the 75th percentile of
        the event times.
    horizon : float, optional
        Right end of the x axis; past the longest follow-up the parametric hazards
        extrapolate (drawn dotted). By default the longest follow-up.
    figsize : tuple
        Size of a new figure.

    Returns
    -------
    PlotResult
        ``.axes["main"]``; ``.table``: curve (``"smoothed"`` or a distribution), time,
        hazard, and for the smoothed curve boundary; ``.annotation``: the late-event count.

    Examples
    --------
    >>> from lms_prognosis import kaplan_meier
    >>> df = pd.DataFrame({"time": [2.0, 5, 8, 12, 20, 26, 30, 44, 60, 90, 100, 110],
    ...                    "event": [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0]})
    >>> res = plot_hazard(kaplan_meier(df), bandwidth=20)
    >>> res.annotation
    '2 of 8 events after 55.5 months'
    >>> import matplotlib.pyplot as plt
    >>> plt.close(res)
    """
    if getattr(km, "group", None) is not None and len(getattr(km, "groups", [])) > 1:
        raise PlotError("plot_hazard draws one curve: use kaplan_meier(df) without group=")
    models = _fits(fits)
    sm = smoothed_hazard(km, bandwidth)
    tab = km.table
    ev_times = np.repeat(tab["time"].to_numpy(), tab["n_event"].to_numpy().astype(int))
    t_max = float(tab["time"].max())
    right = t_max if horizon is None else float(horizon)
    late = float(np.percentile(ev_times, 75)) if late_after is None else float(late_after)
    colours = get_palette("okabe_ito", len(models) + 1)
    fig, spec, given = panel_spec(ax, figsize)
    main = given if given is not None else fig.add_subplot(spec)
    _draw_smoothed(main, sm, colours[0], f"Smoothed (bandwidth {sm['bandwidth'].iloc[0]:.3g})")
    rows = [sm.drop(columns=["group", "bandwidth"]).assign(curve="smoothed")]
    grid = np.linspace(right / 400.0, right, 400)
    for (name, fit), colour in zip(models.items(), colours[1:], strict=True):
        mh = fit.marginal_hazard(grid)
        inside = mh["time"] <= fit.max_time
        label = f"{_NAMES.get(name, name)} (AIC {fit.aic:.1f})"
        main.plot(mh["time"].where(inside), mh["hazard"].where(inside), color=colour, label=label)
        main.plot(mh["time"].where(~inside), mh["hazard"].where(~inside), color=colour, ls=":")
        rows.append(mh.assign(curve=name, boundary=False))
    note = _draw_events(main, ev_times, late, colours[0])
    main.set_xlim(0.0, right)
    main.set_ylim(bottom=0.0)
    main.set_xticks(month_ticks(right))
    main.set_xlabel("Months")
    main.set_ylabel("Hazard (events per patient-month)")
    main.legend(loc="upper right", frameon=False, fontsize="small")
    table = pd.concat(rows, ignore_index=True)[["curve", "time", "hazard", "boundary"]]
    return PlotResult(
        figure=root_figure(fig), kind="hazard", axes={"main": main}, table=table, annotation=note
    )
