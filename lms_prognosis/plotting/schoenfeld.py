"""Scaled Schoenfeld residuals against (transformed) time, one panel per term."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure

from lms_prognosis._format import format_p
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting._result import PlotResult, root_figure


def _reference_lines(fit: Any, terms: list[str]) -> dict[str, float]:
    """beta for a one-coefficient term, 1 for a factor (R centres the combined term at 1)."""
    if fit is None:
        return {}
    hr = fit.hazard_ratios
    out = {}
    for t in terms:
        rows = hr[hr["covariate"] == t] if "covariate" in hr else hr[hr["term"] == t]
        if len(rows) == 1:
            out[t] = float(rows["coef"].iloc[0])
        elif len(rows) > 1:
            out[t] = 1.0
    return out


def _spread_ticks(tt: np.ndarray, tx: np.ndarray, n: int = 5) -> np.ndarray:
    """Month ticks evenly spread on the transformed scale, rounded to 1, 6 or 12 months."""
    order = np.argsort(tx, kind="stable")
    targets = np.interp(np.linspace(tx.min(), tx.max(), n), tx[order], tt[order])
    nice = []
    for m in targets:
        step = 12 if m >= 36 else 6 if m >= 12 else 1
        nice.append(step * np.floor(m / step))
    return np.unique(np.asarray(nice, float))


def _y_limits(y: np.ndarray, sm: pd.DataFrame, se: bool) -> tuple[float, float]:
    """The residuals' 2nd-98th percentiles (a few outlying residuals do not flatten the
    panel) widened to the smooth and, when drawn, its band; padded by 15%."""
    lo, hi = np.nanpercentile(y, [2, 98])
    curves = [sm["fit"].to_numpy(float)]
    if se:
        curves += [sm["lower"].to_numpy(float), sm["upper"].to_numpy(float)]
    values = np.concatenate([np.array([lo, hi]), *curves])
    values = values[np.isfinite(values)]
    lo, hi = float(values.min()), float(values.max())
    pad = 0.15 * (hi - lo if hi > lo else 1.0)
    return lo - pad, hi + pad


def _draw_term(
    ax: Axes, r: pd.DataFrame, sm: pd.DataFrame, se: bool, colours: tuple[str, str]
) -> None:
    """One panel: the residuals, the smooth and (``se``) its band, and the y limits."""
    x, y = r["transformed_time"].to_numpy(float), r["residual"].to_numpy(float)
    ax.plot(x, y, ls="none", marker="o", ms=2.5, alpha=0.45, color=colours[0], mew=0)
    if se and len(sm):
        ax.fill_between(
            sm["transformed_time"],
            sm["lower"],
            sm["upper"],
            color=colours[1],
            alpha=0.18,
            lw=0,
            label="\u00b12 SE",
        )
    ax.plot(sm["transformed_time"], sm["fit"], color=colours[1], lw=1.5)
    ax.set_ylim(*_y_limits(y, sm, se))


def _time_axis(ax: Axes, transform: str, tt: np.ndarray, tx: np.ndarray) -> None:
    """x axis on the transformed scale, labelled in months."""
    if transform != "identity" and tt.size > 1:
        months = _spread_ticks(tt, tx)
        ax.set_xticks(np.interp(months, tt, tx), [f"{m:g}" for m in months])
        ax.set_xlabel(f"Time (months; {transform} scale)")
    else:
        ax.set_xlabel("Time (months)")


def plot_schoenfeld(
    ph: Any,
    terms: Sequence[str] | None = None,
    *,
    fit: Any = None,
    labels: Mapping[str, str] | None = None,
    ncols: int | None = None,
    se: bool = True,
    df: int = 4,
    colour: str = "#0072B2",
    smooth_colour: str = "#D55E00",
    panel_size: tuple[float, float] = (3.2, 2.6),
    fig: Figure | SubFigure | None = None,
) -> PlotResult:
    """Scaled Schoenfeld residuals of each term against transformed time (R ``plot(cox.zph)``).

    Parameters
    ----------
    ph : PHTest
        From ``CoxResult.check_ph()``: ``.residuals`` (time, transformed_time, term,
        residual), ``.table`` (term, chisq, df, p) and ``.transform``.
    terms : sequence of str, optional
        Terms to draw (default all, in table order).
    fit : CoxResult, optional
        When given, a dashed line marks the fitted coefficient (1 for a factor term, whose
        residual R centres at 1): under proportional hazards the smooth stays near it.
    labels : mapping, optional
        Display name of each term for the panel titles (e.g. ``{"age_ge_60": "Age ≥60
        years"}``); a term without one shows its name.
    ncols : int, optional
        Panels per row (default up to 3).
    se : bool
        Draw the band around the smooth (R ``plot.cox.zph(se = TRUE)``).
    df : int
        Degrees of freedom of the natural-spline smooth (R ``df = 4``).
    colour, smooth_colour : str
        Colours of the points and of the smooth and its band.
    panel_size : (float, float)
        Inches per panel of a new figure.
    fig : Figure, optional
        Figure (or SubFigure) to draw in.

    Returns
    -------
    PlotResult
        The figure with ``.axes`` (term -> Axes) and ``.table`` (term, label, p of the
        score test printed, reference line drawn or NaN).

    Notes
    -----
    The x axis is the transformed time the test used (``transform="km"`` by default, as
    R ``cox.zph``), labelled at the times in months it corresponds to; each title carries
    the term's label and score-test p from ``ph.table``. The smooth and its band are
    ``ph.smooth(term, df)`` (:meth:`lms_prognosis.cox.zph.PHTest.smooth`), the numbers
    R's ``plot.cox.zph`` draws: a natural-spline fit with ``df`` degrees of freedom and
    the fit ± 2 standard errors (about 95%). The smooth is a picture aid; the test is
    ``ph.table``'s.

    References
    ----------
    Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on weighted
    residuals. Biometrika 1994;81:515-526.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from lms_prognosis import fit_cox
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"time": rng.exponential(40, 80).round(1),
    ...                    "event": (rng.random(80) < 0.6).astype(int),
    ...                    "size_cm": rng.uniform(2, 20, 80).round(1)})
    >>> cox = fit_cox(df, ["size_cm"])
    >>> res = plot_schoenfeld(cox.check_ph(), fit=cox)
    >>> list(res.axes)
    ['size_cm']
    """
    res = ph.residuals
    need = {"time", "transformed_time", "term", "residual"}
    if not need <= set(res.columns):
        raise PlotError(f"ph.residuals must have columns {sorted(need)}")
    table = ph.table
    all_terms = [t for t in table["term"] if t != "GLOBAL" and t in set(res["term"])]
    all_terms += [t for t in pd.unique(res["term"]) if t not in all_terms]
    chosen = list(terms) if terms is not None else all_terms
    unknown = [t for t in chosen if t not in all_terms]
    if unknown:
        raise PlotError(f"no residuals for terms {unknown}; have {all_terms}")
    p_by_term = dict(zip(table["term"], table["p"], strict=True))
    refs = _reference_lines(fit, chosen)
    n = len(chosen)
    nc = ncols or min(3, n)
    nr = int(np.ceil(n / nc))
    if fig is None:
        fig = plt.figure(figsize=(panel_size[0] * nc, panel_size[1] * nr), layout="constrained")
    axes = fig.subplots(nr, nc, squeeze=False)
    transform = getattr(ph, "transform", "km")
    first = res[res["term"] == chosen[0]].sort_values("time")
    tt, tx = first["time"].to_numpy(float), first["transformed_time"].to_numpy(float)
    out_axes: dict[str, Axes] = {}
    names = {t: (labels or {}).get(t, t) for t in chosen}
    colours = (colour, smooth_colour)
    for k, (ax, term) in enumerate(zip(axes.flat, chosen, strict=False)):
        _draw_term(ax, res[res["term"] == term], ph.smooth(term, df=df), se, colours)
        if term in refs:
            ax.axhline(refs[term], color="0.3", ls="--", lw=0.8)
        _time_axis(ax, transform, tt, tx)
        ax.set_ylabel("Beta(t)" if k % nc == 0 else "")
        p = p_by_term.get(term)
        ax.set_title(
            f"{names[term]}  ({format_p(float(p))})" if p is not None else names[term],
            loc="left",
            fontsize="medium",
        )
        out_axes[term] = ax
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    table = pd.DataFrame(
        {
            "term": chosen,
            "label": [names[t] for t in chosen],
            "p": [p_by_term.get(t, np.nan) for t in chosen],
            "reference": [refs.get(t, np.nan) for t in chosen],
        }
    )
    return PlotResult(figure=root_figure(fig), kind="schoenfeld", axes=out_axes, table=table)
