"""Per-patient predicted survival curves with CI bands and survival at chosen horizons; for a
competing-risk model, the absolute risk (cumulative incidence) of each cause."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.gridspec import SubplotSpec
from matplotlib.lines import Line2D

from lms_prognosis._format import EN_DASH, format_percent
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting._layout import colour_map, month_ticks, panel_spec, stack_hspace
from lms_prognosis.plotting._result import PlotResult, root_figure


def _patients(patients: Any) -> pd.DataFrame:
    if isinstance(patients, pd.Series):
        return patients.to_frame().T
    if isinstance(patients, pd.DataFrame):
        return patients
    if isinstance(patients, dict):
        return pd.DataFrame([patients])
    raise PlotError(
        f"patients must be a DataFrame, a Series or a dict, got {type(patients).__name__}"
    )


def _horizon_text(t: float) -> str:
    return f"{t / 12:g} y" if t % 12 == 0 else f"{t:g} mo"


def _tmax(model: Any, hz: np.ndarray) -> float:
    """End of the time axis: the model's last follow-up time, else 1.25 x the last horizon."""
    data = getattr(model, "data", None)
    tcol = getattr(model, "time", "time")
    if isinstance(data, pd.DataFrame) and isinstance(tcol, str) and tcol in data:
        return float(data[tcol].max())
    last = getattr(model, "max_time", None)  # competing-risk results
    if isinstance(last, float):
        return last
    return float(hz.max() * 1.25) if hz.size else 120.0


def _style_table(tax: Axes, names: list[str], colours: list[str], title: str) -> None:
    """Row labels in the patients' colours, no spines or x ticks, a title on the left."""
    n = len(names)
    tax.set_ylim(-0.6, n - 0.4)
    tax.set_yticks([n - 1 - k for k in range(n)], names)
    for lab, colour in zip(tax.get_yticklabels(), colours, strict=True):
        lab.set_color(colour)
    tax.tick_params(axis="y", length=0)
    tax.tick_params(axis="x", bottom=False, labelbottom=False)
    # and no x axis at all: a hidden axis is skipped by the layout and the draw, which
    # otherwise place and format its invisible ticks (22% of a KM figure's export)
    tax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom", "left"):
        tax.spines[side].set_visible(False)
    tax.set_title(title, loc="left", fontsize="medium", pad=2)


def _predict(
    model: Any, new: pd.DataFrame, g: np.ndarray, hz: np.ndarray, causes: Sequence[int] | None
) -> tuple[pd.DataFrame, str]:
    """One call of ``model.predict_survival`` (or ``predict_cif``) on the curve grid and the
    horizons: long frame patient, cause, time, value[, lower, upper], and "surv" or "cif"."""
    times = np.unique(np.r_[g, hz])
    if hasattr(model, "predict_survival"):
        pred, kind = model.predict_survival(new, times), "surv"
    elif hasattr(model, "predict_cif"):
        pred, kind = model.predict_cif(new, times), "cif"
    else:
        raise PlotError(
            f"model must have predict_survival or predict_cif, got {type(model).__name__}"
        )
    need = {"patient", "time", kind}
    if not need <= set(pred.columns):
        raise PlotError(f"the prediction must have {sorted(need)}, got {list(pred.columns)}")
    if "cause" not in pred.columns:
        pred = pred.assign(cause=getattr(model, "cause", 0 if kind == "surv" else 1))
    if causes is not None:
        missing = sorted(set(causes) - set(pred["cause"]))
        if missing:
            raise PlotError(
                f"the model predicts no cause {missing}; causes: {sorted(set(pred['cause']))}"
            )
        pred = pred[pred["cause"].isin(list(causes))]
    return pred.rename(columns={kind: "value"}), kind


def _has_ci(pred: pd.DataFrame, ci: bool) -> bool:
    """Whether CIs are asked for and the model reports some finite ones."""
    return (
        ci
        and {"lower", "upper"} <= set(pred.columns)
        and bool(np.isfinite(pred[["lower", "upper"]].to_numpy(float)).any())
    )


def _curve_and_table_axes(
    fig: Figure | SubFigure,
    spec: SubplotSpec,
    given: Axes | None,
    n: int,
    table_height: float | None,
) -> tuple[Axes, Axes]:
    """Split the cell into the curve Axes and, below it, the table Axes sharing x."""
    gap = (
        4.4
        * mpl.font_manager.FontProperties(size=mpl.rcParams["axes.labelsize"]).get_size_in_points()
    )
    sub = spec.subgridspec(
        2,
        1,
        height_ratios=[1.0, table_height or 0.07 * (n + 1.8)],
        hspace=stack_hspace(fig, spec, 2, gap),
    )
    if given is None:
        ax = fig.add_subplot(sub[0])
    else:
        ax = given
        ax.set_subplotspec(sub[0])
    tax = fig.add_subplot(sub[1], sharex=ax)
    return ax, tax


def _draw_curve(
    ax: Axes,
    p: pd.DataFrame,
    at: pd.DataFrame,
    colour: str,
    name: str | None,
    has_ci: bool,
    ls: str = "-",
) -> None:
    """One patient's step curve, its CI band and the markers at the horizons."""
    ax.step(p["time"], p["value"], where="post", color=colour, label=name, ls=ls, zorder=3)
    if has_ci:
        ax.fill_between(
            p["time"],
            p["lower"],
            p["upper"],
            step="post",
            color=colour,
            alpha=0.15,
            lw=0,
            zorder=2,
        )
    ax.plot(
        at["time"],
        at["value"],
        ls="none",
        marker="o",
        ms=4.5,
        mfc="white",
        mec=colour,
        mew=1.2,
        zorder=4,
    )


def _write_values(tax: Axes, at: pd.DataFrame, ypos: int, colour: str, has_ci: bool) -> None:
    """One patient's row of the table: survival (and CI) under each horizon."""
    for _, r in at.iterrows():
        txt = format_percent(r["value"], 0)
        if has_ci:
            txt += f" ({100 * r['lower']:.0f}{EN_DASH}{100 * r['upper']:.0f})"
        tax.text(
            r["time"],
            ypos,
            txt,
            ha="center",
            va="center",
            color=colour,
            fontsize=mpl.rcParams["xtick.labelsize"],
        )


def _finish_curve_axes(
    ax: Axes,
    hz: np.ndarray,
    tmax: float,
    mark_ticks: bool,
    xlabel: str,
    ylabel: str,
    cause_styles: dict[str, str] | None = None,
) -> None:
    """Horizon guides, limits, ticks, labels and the legend of the curve Axes."""
    for t in hz:
        ax.axvline(t, color="0.75", lw=0.7, ls=":", zorder=1)
    ax.set_xlim(0, tmax)
    ax.set_ylim(0, 1.03)
    ax.set_xticks(np.unique(np.r_[month_ticks(tmax), hz]) if mark_ticks else month_ticks(tmax))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if not cause_styles:
        ax.legend(loc="best", title="Patient", alignment="left")
        return
    # one legend: colour = patient, line style = cause; absolute risks rise from the
    # lower left, so the upper left is free
    handles, names = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="0.3", ls=ls) for ls in cause_styles.values()]
    ax.legend(handles, names + list(cause_styles), loc="upper left", alignment="left")


_LINESTYLES = ("-", "--", ":", "-.")


def plot_patient(
    model: Any,
    patients: Any,
    times: Sequence[float] = (12, 36, 60),
    ax: Axes | None = None,
    *,
    grid: Sequence[float] | None = None,
    tmax: float | None = None,
    labels: Sequence[str] | None = None,
    ci: bool = True,
    causes: Sequence[int] | None = None,
    cause_labels: dict[int, str] | None = None,
    palette: Any = "okabe_ito",
    xlabel: str = "Time (months)",
    ylabel: str | None = None,
    mark_ticks: bool = False,
    table_height: float | None = None,
    figsize: tuple[float, float] = (6.0, 4.6),
) -> PlotResult:
    """Predicted survival (or absolute risk of each cause) of individual patients.

    Parameters
    ----------
    model : CoxResult, PublishedModel, CauseSpecificResult or FineGrayResult
        Anything with ``predict_survival(newdata, times)`` returning the long frame
        ``patient, time, surv, lower, upper`` (``patient`` = newdata's index), or a
        competing-risk model with ``predict_cif(newdata, times)`` (``patient[, cause], time,
        cif, lower, upper``): then the curves are the absolute risk (cumulative incidence)
        of each cause, one line style per cause.
    patients : DataFrame, Series or dict
        One row per patient with the model's covariates; the index names the patients.
    times : sequence of float
        Horizons (months) at which the value is marked on the curves and printed, with its
        CI, in a table below them (its own Axes sharing x, so values sit under the
        horizons).
    ax : Axes, optional
        Grid cell to draw in (split into the curve and the table Axes).
    grid : sequence of float, optional
        Times of the curve; default 200 points from 0 to ``tmax``.
    tmax : float, optional
        End of the time axis; default the model's last follow-up time (``model.data`` or
        ``model.max_time``) or 1.25 x the last horizon.
    labels : sequence of str, optional
        Patient labels; default the index.
    ci : bool
        Shade the pointwise CI of each curve (as the model reports it). Models without CIs
        (published models: NaN) get curves and values only.
    causes : sequence of int, optional
        Competing-risk models: the causes to draw (default all the model predicts).
    cause_labels : dict, optional
        Names of the causes, e.g. ``{1: "LMS death", 2: "other causes"}`` (default
        "cause 1", "cause 2").
    mark_ticks : bool
        Add the horizons to the x ticks.
    table_height : float, optional
        Height of the table relative to the curves.
    palette, xlabel, ylabel, figsize
        Appearance (default ylabel by model kind).

    Returns
    -------
    PlotResult
        The figure with ``.table``: the predictions drawn at the horizons (patient, time,
        surv, lower, upper, label; for a competing-risk model patient, cause, time, cif,
        lower, upper, label), and ``.axes`` (``"curve"``, ``"table"``).

    Notes
    -----
    Nothing is estimated here: curves and horizon values both come from one call of
    ``model.predict_survival`` (R ``survfit(coxph, newdata=)`` conventions for a CoxResult)
    or ``model.predict_cif``. For a competing-risk model the values are absolute risks:
    the probability of dying of that cause by the horizon, other causes accounted for.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from lms_prognosis import fit_cox
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"time": rng.exponential(40, 80).round(1),
    ...                    "event": (rng.random(80) < 0.6).astype(int),
    ...                    "size_cm": rng.uniform(2, 20, 80).round(1)})
    >>> cox = fit_cox(df, ["size_cm"])
    >>> res = plot_patient(cox, df.iloc[[0, 9]], times=(12, 36))
    >>> res.table["time"].tolist()
    [12.0, 36.0, 12.0, 36.0]
    """
    new = _patients(patients)
    if new.index.duplicated().any():
        raise PlotError("patients must have a unique index (it names the curves)")
    hz = np.asarray(sorted(times), float)
    tmax = _tmax(model, hz) if tmax is None else float(tmax)
    g = np.linspace(0.0, tmax, 200) if grid is None else np.asarray(grid, float)
    pred, kind = _predict(model, new, g, hz, causes)
    ids = list(new.index)
    names = dict(zip(ids, labels if labels is not None else [str(i) for i in ids], strict=True))
    colours = colour_map(ids, palette)
    cause_ids = sorted(set(pred["cause"])) if kind == "cif" else [0]
    cnames = {c: (cause_labels or {}).get(c, f"cause {c}") for c in cause_ids}
    styles = {c: _LINESTYLES[i % len(_LINESTYLES)] for i, c in enumerate(cause_ids)}
    lines = [(pid, c) for pid in ids for c in cause_ids]

    fig, spec, given = panel_spec(ax, figsize)
    ax, tax = _curve_and_table_axes(fig, spec, given, len(lines), table_height)
    rows = []
    has_ci = _has_ci(pred, ci)
    row_names = []
    for k, (pid, c) in enumerate(lines):
        p = pred[(pred["patient"] == pid) & (pred["cause"] == c)].sort_values("time")
        at = p[np.isin(p["time"].to_numpy(float), hz)]
        first = c == cause_ids[0]
        _draw_curve(ax, p, at, colours[pid], names[pid] if first else None, has_ci, styles[c])
        _write_values(tax, at, len(lines) - 1 - k, colours[pid], has_ci)
        keep = ["patient", "time", "value"] + (["lower", "upper"] if has_ci else [])
        keep = keep if kind == "surv" else ["patient", "cause", *keep[1:]]
        rows.append(at[keep].assign(label=names[pid]).rename(columns={"value": kind}))
        multi = kind == "cif" and len(cause_ids) > 1
        row_names.append(f"{names[pid]}, {cnames[c]}" if multi else names[pid])
    default_y = "Predicted survival probability" if kind == "surv" else "Absolute risk"
    if kind == "cif" and len(cause_ids) == 1:
        default_y += f" of {cnames[cause_ids[0]]}"
    multi_cause = {cnames[c]: styles[c] for c in cause_ids} if len(cause_ids) > 1 else None
    _finish_curve_axes(ax, hz, tmax, mark_ticks, xlabel, ylabel or default_y, multi_cause)
    what = "Predicted survival" if kind == "surv" else "Absolute risk"
    _style_table(
        tax,
        row_names,
        [colours[pid] for pid, _ in lines],
        f"{what}{' (95% CI)' if has_ci else ''} at " + ", ".join(_horizon_text(t) for t in hz),
    )
    return PlotResult(
        figure=root_figure(fig),
        kind="patient",
        axes={"curve": ax, "table": tax},
        table=pd.concat(rows, ignore_index=True),
    )
