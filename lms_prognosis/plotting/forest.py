"""Forest plot of hazard ratios: univariable and multivariable, or cause-specific and
subdistribution (Fine-Gray), side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator
from matplotlib.transforms import ScaledTranslation

from lms_prognosis._format import format_hr, format_p
from lms_prognosis._survdata import require_columns
from lms_prognosis.exceptions import PlotError
from lms_prognosis.plotting._layout import panel_spec, text_width_in
from lms_prognosis.plotting._result import PlotResult, root_figure

_NICE = np.array([0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64])
_COARSE = np.array([0.01, 0.05, 0.25, 1, 4, 16, 64])  # every other nice tick, keeping 1
_DECADES = np.array([0.001, 0.01, 0.1, 1, 10, 100, 1000])
_PAD_IN = 0.12  # design value: gap between text columns, inches
_PLOT_MIN_IN = 1.6  # design value: narrowest plot panel, inches
_MARGIN_IN = 0.3  # design value: constrained layout's outer pads, inches
_TICK_GAP_IN = 0.06  # design value: least space between two tick labels, inches


def composite_terms(obj: Any) -> pd.DataFrame:
    """Formula terms of a fit (splines, interactions) with their overall Wald test.

    Returns term (the label, e.g. ``"rcs(age, 4)"``), kind ("spline" or "interaction"),
    df and p, from ``obj.term_tests`` (one test over all the term's coefficients); empty
    for a model without formula terms or without ``term_tests``. A formula term is a
    covariate that is not a column of the fitted data.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["rcs(age, 4)", "grade"])
    >>> composite_terms(fit)[["term", "kind", "df"]]
              term    kind  df
    0  rcs(age, 4)  spline   3
    """
    cols = ["term", "kind", "df", "p"]
    tests = getattr(obj, "term_tests", None)
    data = getattr(obj, "data", None)
    if not isinstance(tests, pd.DataFrame) or not isinstance(data, pd.DataFrame):
        return pd.DataFrame(columns=cols)
    out = tests[~tests["term"].isin(data.columns)].copy()
    out["kind"] = ["interaction" if ":" in t else "spline" for t in out["term"]]
    return out[cols].reset_index(drop=True)


def composite_note(kind: str, df: int) -> str:
    """The text shown instead of an HR for a formula term: ``"spline, 3 df"``."""
    return f"{kind}, {int(df)} df"


def hr_frame(obj: Any, cause: int | None = None) -> pd.DataFrame:
    """A tidy frame ``term, hr, lower, upper, p`` from an HR table, a CoxResult, a
    FineGrayResult, a CauseSpecificResult or a PublishedModel (``.factors``; p left empty
    when the source gives none).

    A spline or interaction term of a fit (:func:`composite_terms`) is one row: its label,
    no HR (its coefficients are not hazard ratios per unit) and the overall p of
    ``term_tests``. A table with a ``cause`` column (``CauseSpecificResult.hazard_ratios``) is reduced to the
    rows of ``cause``, which it then needs. A table without ``term`` (or ``factor``),
    ``hr``, ``lower`` or ``upper`` is a
    :class:`~lms_prognosis.exceptions.ColumnNotFoundError`.

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["a"], "hr": [2.0], "lower": [1.5], "upper": [2.5],
    ...                   "p": [0.01]})
    >>> hr_frame(t).columns.tolist()
    ['term', 'hr', 'lower', 'upper', 'p']
    """
    if isinstance(obj, pd.DataFrame):
        df = obj.copy()
    elif hasattr(obj, "hazard_ratios"):
        df = _collapse_composites(obj.hazard_ratios.copy(), composite_terms(obj))
    elif hasattr(obj, "factors"):
        df = obj.factors.copy()
    else:
        raise PlotError(
            f"expected an HR table, a CoxResult or a PublishedModel, got {type(obj).__name__}"
        )
    if "term" not in df.columns and "factor" in df.columns:
        df = df.rename(columns={"factor": "term"})
    if "cause" in df.columns:
        if cause is None:
            raise PlotError(
                f"the table has HRs of causes {sorted(df['cause'].unique().tolist())}: "
                f"choose one, e.g. plot_forest(cs, cause=1)"
            )
        if cause not in set(df["cause"]):
            raise PlotError(f"no HRs of cause {cause}; causes: {sorted(set(df['cause']))}")
        df = df[df["cause"] == cause]
    require_columns(df, ("term", "hr", "lower", "upper"), "HR table")
    if "p" not in df.columns:
        df["p"] = np.nan
    df = df[["term", "hr", "lower", "upper", "p"]].reset_index(drop=True)
    if df["term"].duplicated().any():
        raise PlotError(f"duplicated terms: {df['term'][df['term'].duplicated()].tolist()}")
    return df


def _collapse_composites(df: pd.DataFrame, comp: pd.DataFrame) -> pd.DataFrame:
    """One row per formula term (at its first coefficient's place), HR empty, overall p."""
    if comp.empty or "covariate" not in df.columns:
        return df
    rows, seen = [], set()
    p_of = dict(zip(comp["term"], comp["p"], strict=True))
    for r in df.to_dict("records"):
        cov = r["covariate"]
        if cov not in p_of:
            rows.append(r)
        elif cov not in seen:
            seen.add(cov)
            nan = float("nan")
            rows.append({**r, "term": cov, "hr": nan, "lower": nan, "upper": nan, "p": p_of[cov]})
    return pd.DataFrame(rows, columns=df.columns)


def _label(term: str) -> str:
    if term.endswith("]") and "[" in term:
        name, level = term[:-1].split("[", 1)
        return f"{name}: {level}"
    return term


def _limits(frames: list[pd.DataFrame]) -> tuple[float, float]:
    vals = np.concatenate(
        [f[["lower", "hr", "upper"]].to_numpy(float).ravel() for f in frames] + [np.array([1.0])]
    )
    vals = vals[np.isfinite(vals) & (vals > 0)]  # an infinite CI limit is clipped, not scaled
    lo, hi = vals.min(), vals.max()
    lo = max(lo, 1e-3)
    # at least one labelled tick on each side of 1
    return min(lo / 1.2, 0.45), max(hi * 1.2, 2.2)


def plot_forest(
    hr_table_or_cox: Any,
    univariable: Any = None,
    ax: Axes | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    fine_gray: Any = None,
    cause: int | None = None,
    colour: str = "#0072B2",
    xlabel: str = "Hazard ratio (95% CI)",
    titles: tuple[str, str] | None = None,
    xlim: tuple[float, float] | None = None,
    figsize: tuple[float, float] | None = None,
) -> PlotResult:
    """Forest plot: one row per term, HR with CI on a log axis, and text columns.

    Parameters
    ----------
    hr_table_or_cox : DataFrame, CoxResult, CauseSpecificResult, FineGrayResult or PublishedModel
        The (multivariable) model: a table with ``term, hr, lower, upper[, p]``,
        ``CoxResult.hazard_ratios`` or ``PublishedModel.factors``; with ``fine_gray``, the
        cause-specific model (a CauseSpecificResult, or the CoxResult of the cause).
    univariable : same kinds, optional
        Univariable estimates (one row per term, e.g. stacked ``hazard_ratios`` of
        single-covariate fits); drawn in a panel left of the multivariable one.
    fine_gray : FineGrayResult or table, optional
        Subdistribution hazard ratios, drawn right of the cause-specific HRs of the first
        argument (the two answer different questions: aetiology, and absolute risk).
    cause : int, optional
        The cause whose cause-specific HRs are drawn (default ``fine_gray.cause``, else
        needed for a CauseSpecificResult).
    ax : Axes, optional
        Grid cell to draw in; it is split into the plot and text-column Axes.
    labels : mapping, optional
        Row labels by term; default ``"grade[2]"`` -> ``"grade: 2"``.
    colour : str
        Marker colour.
    xlabel : str
        Label of the HR axis.
    titles : (str, str), optional
        Panel titles when two models are drawn (default "Univariable", "Multivariable";
        with ``fine_gray`` "Cause-specific HR (cause k)", "Subdistribution HR (Fine-Gray)").
    xlim : (float, float), optional
        HR axis limits (shared by both panels); default spans every CI.
    figsize : tuple, optional
        Size of a new figure (default grows with the number of rows).

    Returns
    -------
    PlotResult
        The figure with ``.table``: the rows drawn (term, label, y, and per model hr, lower,
        upper, p and the printed ``text``/``p_text``); ``.axes`` maps
        ``"<model>:plot|hr|p"`` to the Axes. The models are ``univariable`` /
        ``multivariable``, or ``cause_specific`` / ``fine_gray``.

    Notes
    -----
    Numbers are printed with the package formatter (``format_hr``, ``format_p``), as in the
    HR tables of the report. Terms are ordered as in the multivariable table; terms only in
    the univariable table follow. A term absent from one model leaves its row empty there.

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["age", "grade[3]"], "hr": [1.02, 2.4],
    ...                   "lower": [1.0, 1.5], "upper": [1.04, 3.9], "p": [0.04, 0.0002]})
    >>> res = plot_forest(t)
    >>> res.table[["term", "multivariable_text"]].values.tolist()
    [['age', '1.02 (1.00–1.04)'], ['grade[3]', '2.40 (1.50–3.90)']]
    """
    models, titles = _models(hr_table_or_cox, univariable, fine_gray, cause, titles)
    comp = composite_terms(hr_table_or_cox)  # splines, interactions: one row, overall p
    notes = {
        t: composite_note(k, d) for t, k, d in comp[["term", "kind", "df"]].itertuples(index=False)
    }
    multi = models[-1][1] if fine_gray is None else models[0][1]
    terms = list(multi["term"]) + [
        t for _, f in models for t in f["term"] if t not in set(multi["term"])
    ]
    terms = list(dict.fromkeys(terms))
    n = len(terms)
    y = {t: n - 1 - i for i, t in enumerate(terms)}
    lab = {t: (labels or {}).get(t, _label(t)) for t in terms}
    lims = xlim or _limits([f for _, f in models])
    panels = [_panel_texts(name, frame, terms, notes) for name, frame in models]
    cols = _columns(
        ax,
        [lab[t] for t in terms],
        panels,
        titles if len(models) > 1 else None,
        xlabel,
        stacked_titles=fine_gray is not None,
    )
    height = figsize[1] if figsize else 1.0 + 0.28 * n
    width = figsize[0] if figsize else cols.width
    fig, spec, given = panel_spec(ax, (width, height))
    ratios = cols.ratios(_spec_width_in(fig, spec, given, width))
    sub = spec.subgridspec(1, len(ratios), width_ratios=ratios, wspace=0.0)
    ticks = _ticks(lims, ratios[0], fig)

    table = pd.DataFrame(
        {"term": terms, "label": [lab[t] for t in terms], "y": [y[t] for t in terms]}
    )
    axes: dict[str, Axes] = {}
    first: Axes | None = None
    for k, (name, f, texts, ptexts, header) in enumerate(panels):
        if k == 0 and given is not None:
            pax = given
            pax.set_subplotspec(sub[0])
        else:
            pax = (
                fig.add_subplot(sub[3 * k], sharey=first) if first else fig.add_subplot(sub[3 * k])
            )
        first = first or pax
        hax = fig.add_subplot(sub[3 * k + 1], sharey=first)
        p_ax = fig.add_subplot(sub[3 * k + 2], sharey=first)
        axes.update({f"{name}:plot": pax, f"{name}:hr": hax, f"{name}:p": p_ax})
        _draw_panel(pax, f, [y[t] for t in terms], lims, colour, xlabel, ticks)
        _text_column(hax, [y[t] for t in terms], texts, header, cols.pad)
        _text_column(p_ax, [y[t] for t in terms], ptexts, "p", cols.pad)
        for c in ("hr", "lower", "upper", "p"):
            table[f"{name}_{c}"] = f[c].to_numpy(float)
        table[f"{name}_text"] = texts
        table[f"{name}_p_text"] = ptexts
        if len(models) > 1:
            # long competing-risk titles go above the column headers instead of beside them
            pad = 20.0 if fine_gray is not None else None
            pax.set_title(titles[k], loc="left", fontweight="bold", pad=pad)
        if k == 0:
            pax.set_yticks([y[t] for t in terms], [lab[t] for t in terms])
        else:
            pax.tick_params(axis="y", left=False, labelleft=False)
        pax.set_ylim(-0.7, n - 0.3)
    return PlotResult(figure=root_figure(fig), kind="forest", axes=axes, table=table)


def _models(
    main: Any, univariable: Any, fine_gray: Any, cause: int | None, titles: Any
) -> tuple[list[tuple[str, pd.DataFrame]], tuple[str, str]]:
    """The panels to draw, in order, and their titles."""
    if fine_gray is None:
        models = [("multivariable", hr_frame(main, cause))]
        if univariable is not None:
            models.insert(0, ("univariable", hr_frame(univariable)))
        return models, titles or ("Univariable", "Multivariable")
    if univariable is not None:
        raise PlotError("give univariable= or fine_gray=, not both (two panels at most)")
    k = cause if cause is not None else getattr(fine_gray, "cause", None)
    if k is None and isinstance(fine_gray, pd.DataFrame) and "cause" in fine_gray:
        k = int(fine_gray["cause"].iloc[0])
    models = [("cause_specific", hr_frame(main, k)), ("fine_gray", hr_frame(fine_gray, k))]
    default = (
        "Cause-specific HR" + (f" (cause {k})" if k is not None else ""),
        "Subdistribution HR (Fine-Gray)",
    )
    return models, titles or default


def _panel_texts(
    name: str, frame: pd.DataFrame, terms: list[str], notes: Mapping[str, str]
) -> tuple[str, pd.DataFrame, list[str], list[str], str]:
    """One panel's rows (reindexed to ``terms``), its HR and p texts and its HR header."""
    f = frame.set_index("term").reindex(terms)
    texts = [
        format_hr(h, lo, up) if np.isfinite(h) else notes.get(t, "")
        for t, h, lo, up in zip(terms, f["hr"], f["lower"], f["upper"], strict=True)
    ]
    ptexts = [format_p(p, prefix=False) if np.isfinite(p) else "" for p in f["p"].astype(float)]
    header = "SHR (95% CI)" if name == "fine_gray" else "HR (95% CI)"
    return name, f, texts, ptexts, header


@dataclass(frozen=True)
class _Columns:
    """Widths in inches, measured from the texts: row labels, and per panel the smallest
    plot panel, the HR column (``pad`` + widest text) and the p column (``pad`` + widest
    text + ``pad``); the texts start ``pad`` into their column."""

    label: float
    plot: float
    hr: tuple[float, ...]
    p: tuple[float, ...]
    pad: float

    @property
    def width(self) -> float:
        """Natural width of a new figure: labels, panels and the layout's margins."""
        k = len(self.hr)
        return self.label + k * self.plot + sum(self.hr) + sum(self.p) + _MARGIN_IN

    def ratios(self, available: float) -> list[float]:
        """Width ratios of the sub-grid: text columns at their measured width; the plot
        panels take what is left of ``available`` inches (never less than their minimum)."""
        k = len(self.hr)
        spare = available - self.label - _MARGIN_IN - sum(self.hr) - sum(self.p)
        plot = max(self.plot, spare / k)
        out: list[float] = []
        for h, p in zip(self.hr, self.p, strict=True):
            out += [plot, h, p]
        return out


def _columns(
    fig: Any,
    labels: list[str],
    panels: list[tuple[str, pd.DataFrame, list[str], list[str], str]],
    titles: tuple[str, str] | None,
    xlabel: str,
    stacked_titles: bool,
) -> _Columns:
    """Measure every text the columns hold with the renderer and size the columns."""
    pad = _PAD_IN
    hr = tuple(text_width_in(fig, [*t, h], "medium") + pad for _, _, t, _, h in panels)
    # the p column also keeps a gap on its right, before the next panel or the edge
    pw = tuple(text_width_in(fig, [*pt, "p"], "medium") + 2 * pad for _, _, _, pt, _ in panels)
    plot = max(_PLOT_MIN_IN, text_width_in(fig, [xlabel], plt.rcParams["axes.labelsize"]) + pad)
    if titles is not None:
        tw = text_width_in(fig, list(titles), plt.rcParams["axes.titlesize"], "bold") + pad
        # a title beside the headers must fit over its panel; one above them, over the panel
        # and its two text columns
        plot = max(plot, tw if not stacked_titles else tw - min(hr) - min(pw))
    label = text_width_in(fig, labels, plt.rcParams["ytick.labelsize"])
    return _Columns(label=label, plot=plot, hr=hr, p=pw, pad=pad)


def _spec_width_in(fig: Any, spec: Any, given: Axes | None, width: float) -> float:
    """Inches available to the sub-grid: the new figure's width, or the caller's cell."""
    if given is None:
        return width
    root = root_figure(fig)
    return float(spec.get_position(root).width * root.get_figwidth())


def _ticks(lims: tuple[float, float], plot_in: float, fig: Any) -> np.ndarray:
    """HR ticks inside ``lims`` whose labels, measured, do not touch on a panel
    ``plot_in`` inches wide: the finest of three nested sets that fits."""
    span = np.log(lims[1]) - np.log(lims[0])
    chosen = np.array([1.0])
    for cand in (_NICE, _COARSE, _DECADES):
        ticks = cand[(cand >= lims[0]) & (cand <= lims[1])]
        if ticks.size < 2:
            continue
        widths = np.array(
            [text_width_in(fig, [_g_label(t)], plt.rcParams["xtick.labelsize"]) for t in ticks]
        )
        gaps = plot_in * np.diff(np.log(ticks)) / span
        chosen = ticks
        if np.all(gaps >= (widths[:-1] + widths[1:]) / 2 + _TICK_GAP_IN):
            break
    return chosen


def _g_label(value: float, _pos: int | None = None) -> str:
    """Tick label of an HR (a module-level function, so the figure can be pickled)."""
    return f"{value:g}"


def _draw_panel(
    ax: Axes,
    f: pd.DataFrame,
    ys: list[int],
    lims: tuple[float, float],
    colour: str,
    xlabel: str,
    ticks: np.ndarray,
) -> None:
    ok = np.isfinite(f["hr"].to_numpy(float)) & (f["hr"].to_numpy(float) > 0)
    hr, lo, up = (f[c].to_numpy(float)[ok] for c in ("hr", "lower", "upper"))
    # a CI limit at 0 or infinity (separation) runs to the axis edge
    lo = np.where(np.isfinite(lo) & (lo > 0), lo, lims[0])
    up = np.where(np.isfinite(up), up, lims[1])
    yy = np.asarray(ys)[ok]
    ax.axvline(1.0, color="0.4", lw=0.8, ls="--", zorder=1)
    err = np.clip(np.nan_to_num(np.vstack([hr - lo, up - hr])), 0, None)
    ax.errorbar(hr, yy, xerr=err, fmt="s", color=colour, ms=4, lw=1.1, capsize=0, zorder=3)
    ax.set_xscale("log")
    ax.set_xlim(*lims)
    ax.xaxis.set_major_locator(FixedLocator(ticks.tolist()))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(_g_label))
    ax.set_xlabel(xlabel)
    for side in ("left", "top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)


def _text_column(ax: Axes, ys: list[int], texts: list[str], header: str, pad: float) -> None:
    """Texts left-aligned ``pad`` inches right of the column's left edge (the column is
    ``pad`` wider than its widest text, so the gap before the next column is ``pad``)."""
    offset = ScaledTranslation(pad, 0.0, root_figure(ax.figure).dpi_scale_trans)
    where = ax.get_yaxis_transform() + offset
    for yv, s in zip(ys, texts, strict=True):
        ax.text(0.0, yv, s, ha="left", va="center", fontsize="medium", transform=where)
    title = ax.set_title(header, loc="left", fontsize="medium")
    title.set_transform(title.get_transform() + offset)
    ax.axis("off")
