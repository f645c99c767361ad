"""Partial effect of one variable of a Cox model: hazard ratio with its confidence band.

Draws :meth:`CoxResult.partial_effect <lms_prognosis.CoxResult.partial_effect>` (the numbers
are computed there, not here): the hazard ratio against the reference value on a log axis, a
pointwise confidence band (points with bars for a factor), a line at HR = 1, a rug of the
values in the fitted data, and the overall Wald p of the term(s) containing the variable.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from lms_prognosis._format import format_p
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting._result import PlotResult, root_figure

__all__ = ["plot_partial_effect"]


def _g(value: float, _pos: int | None = None) -> str:
    return f"{value:g}"


def _draw_numeric(ax: Axes, tab: pd.DataFrame, colour: str) -> None:
    x = tab["value"].to_numpy(dtype=float)
    ax.fill_between(x, tab["lower"], tab["upper"], color=colour, alpha=0.2, linewidth=0)
    ax.plot(x, tab["hr"], color=colour, linewidth=1.8)


def _draw_factor(ax: Axes, tab: pd.DataFrame, colour: str) -> None:
    pos = np.arange(len(tab))
    hr = tab["hr"].to_numpy(dtype=float)
    err = np.vstack([hr - tab["lower"].to_numpy(float), tab["upper"].to_numpy(float) - hr])
    ax.errorbar(pos, hr, yerr=err, fmt="o", color=colour, capsize=3)
    ax.set_xticks(pos, [str(v) for v in tab["value"]])


def plot_partial_effect(
    cox: Any,
    variable: str,
    values: Sequence[Any] | None = None,
    *,
    reference: Any = None,
    at: Mapping[str, Any] | None = None,
    n: int = 100,
    ax: Axes | None = None,
    colour: str = "#0072B2",
    rug: bool = True,
    xlabel: str | None = None,
) -> PlotResult:
    """Hazard ratio of ``variable`` against a reference value, with its confidence band.

    Parameters
    ----------
    cox : CoxResult
        A fit from :func:`~lms_prognosis.fit_cox` (e.g. with ``"rcs(age, 4)"`` or
        ``"ns(size_cm, df=3)"``).
    variable : str
        The data column (``"age"``), whatever terms contain it.
    values, reference, at, n
        As :meth:`CoxResult.partial_effect` (grid, HR = 1 value, values of the other
        variables, grid size).
    ax : Axes, optional
        Where to draw (a new figure otherwise).
    colour : str
        Line, band and point colour.
    rug : bool, default True
        Ticks at the values of the fitted data along the x axis (numbers only).
    xlabel : str, optional
        Default: the variable name.

    Returns
    -------
    PlotResult
        kind ``"partial_effect"``, ``.axes["main"]``, ``.table`` (value, log_hr, se, hr,
        lower, upper: the numbers drawn).

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["rcs(age, 4)", "grade"])
    >>> res = plot_partial_effect(fit, "age", reference=60)
    >>> res.kind, len(res.table)
    ('partial_effect', 100)
    """
    if not hasattr(cox, "partial_effect"):
        raise PlotError(f"plot_partial_effect needs a Cox fit, got {type(cox).__name__}")
    pe = cox.partial_effect(variable, values, reference=reference, at=at, n=n)
    tab = pe.table
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.0, 3.8), layout="constrained")
    numeric = pd.api.types.is_numeric_dtype(tab["value"].dtype) and not pd.api.types.is_bool_dtype(
        tab["value"].dtype
    )
    if numeric:
        _draw_numeric(ax, tab, colour)
        data = getattr(cox, "data", None)
        if rug and isinstance(data, pd.DataFrame) and variable in data:
            xs = data[variable].dropna().to_numpy(dtype=float)
            ax.plot(
                xs,
                np.zeros_like(xs),
                "|",
                color="0.35",
                markersize=8,
                alpha=0.5,
                transform=ax.get_xaxis_transform(),
            )
        ax.axvline(float(pe.reference), color="0.6", linewidth=0.8, linestyle=":")
    else:
        _draw_factor(ax, tab, colour)
    ax.axhline(1.0, color="0.3", linewidth=0.8, linestyle="--")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FuncFormatter(_g))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel or variable)
    level = round(100 * pe.conf_level)
    ref = f"{pe.reference:g}" if numeric else str(pe.reference)
    ax.set_ylabel(f"Hazard ratio vs {variable} = {ref} ({level}% CI)")
    tests = cox.term_tests
    parts = [
        f"{t}: {format_p(float(tests.loc[tests['term'] == t, 'p'].iloc[0]))}" for t in pe.terms
    ]
    ax.set_title("; ".join(parts), loc="left", fontsize="medium")
    return PlotResult(
        figure=root_figure(ax.get_figure()),
        kind="partial_effect",
        axes={"main": ax},
        table=tab.copy(),
    )
