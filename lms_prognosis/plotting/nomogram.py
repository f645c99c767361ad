"""Points nomogram for a Cox model (as R ``rms::nomogram``, Sarculator, the MSKCC nomogram).

Each covariate gets an axis whose position is ``coef * (x - x_ref)`` in points, scaled so the
covariate with the widest effect spans 0-100; the points add up to a total, and the total is
read off survival axes built from the model's own prediction at the reference patient (the
patient with 0 points): S(t | total) = S_ref(t) ** exp(total / points_per_unit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lms_prognosis.plotting._layout import PlotError

CHAR_UNITS = 1.7  # approximate width of a small-font character in 0-100 drawing units
SURV_TICKS = (0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01)


@dataclass
class _Var:
    name: str
    kind: str  # "numeric", "levels"
    coef: float = np.nan  # numeric
    lo: float = np.nan
    hi: float = np.nan
    levels: list[Any] = field(default_factory=list)  # levels: labels
    effects: list[float] = field(default_factory=list)

    @property
    def min_effect(self) -> float:
        if self.kind == "numeric":
            return min(self.coef * self.lo, self.coef * self.hi)
        return min(self.effects)

    @property
    def range(self) -> float:
        if self.kind == "numeric":
            return abs(self.coef) * (self.hi - self.lo)
        return max(self.effects) - min(self.effects)

    def reference(self) -> Any:
        if self.kind == "numeric":
            return self.lo if self.coef >= 0 else self.hi
        return self.levels[int(np.argmin(self.effects))]

    def effect(self, value: Any) -> float:
        if self.kind == "numeric":
            return self.coef * float(value)
        labels = [str(v) for v in self.levels]
        if str(value) not in labels:
            raise PlotError(f"{self.name}: value {value!r} not among levels {labels}")
        return self.effects[labels.index(str(value))]


@dataclass(repr=False)
class Nomogram:
    """The geometry drawn by :func:`plot_nomogram`, as data.

    Attributes
    ----------
    axes : list of dict
        One per drawn axis, top to bottom: ``name``, ``kind`` ("points", "covariate",
        "total", "survival") and ``ticks`` (DataFrame: label, value, x [0-100 drawing
        position]; for survival axes ``value`` is S and ``total`` the total points).
    points_per_unit : float
        Points per unit of linear predictor.
    max_total : float
        Largest total points.
    reference : dict
        The 0-points patient (covariate -> value).
    baseline : Series
        Survival of the reference patient by time (from the model's prediction API).
    """

    axes: list[dict[str, Any]]
    points_per_unit: float
    max_total: float
    reference: dict[str, Any]
    baseline: pd.Series
    variables: list[_Var] = field(repr=False, default_factory=list)

    def __repr__(self) -> str:
        names = ", ".join(a["name"] for a in self.axes)
        base = ", ".join(f"S({t:g})={s:.3f}" for t, s in self.baseline.items())
        return (f"Nomogram({len(self.axes)} axes: {names}; {self.points_per_unit:.2f} points "
                f"per unit of linear predictor; max total {self.max_total:.1f}; reference "
                f"patient {base})")

    def _repr_html_(self) -> str:
        return f"<pre>{self.__repr__()}</pre>"

    @property
    def table(self) -> pd.DataFrame:
        """All ticks of all axes as one tidy frame (axis, kind, label, value, x)."""
        return pd.concat([a["ticks"].assign(axis=a["name"], kind=a["kind"])
                          for a in self.axes], ignore_index=True)

    def total_points(self, newdata: pd.DataFrame) -> pd.Series:
        """Total points of each row of ``newdata`` (reading the covariate axes)."""
        tot = np.zeros(len(newdata))
        for v in self.variables:
            if v.name not in newdata:
                raise PlotError(f"newdata lacks {v.name!r}")
            tot += [(v.effect(x) - v.min_effect) * self.points_per_unit for x in newdata[v.name]]
        return pd.Series(tot, index=newdata.index, name="total_points")

    def survival(self, total: float | np.ndarray, time: float) -> np.ndarray:
        """Survival read off the ``time`` axis at ``total`` points."""
        s0 = float(self.baseline.loc[time])
        return s0 ** np.exp(np.asarray(total, float) / self.points_per_unit)


def _cox_variables(cox: Any) -> tuple[list[_Var], pd.DataFrame]:
    if getattr(cox, "strata", None):
        raise PlotError("a nomogram needs one baseline; the model is stratified")
    hr = cox.hazard_ratios
    data = cox.data
    out = []
    for c in cox.covariates:
        rows = hr[hr["covariate"] == c]
        if rows.empty:
            continue
        if len(rows) == 1 and rows["term"].iloc[0] == c:
            b = float(rows["coef"].iloc[0])
            s = data[c]
            if pd.api.types.is_bool_dtype(s.dtype):
                out.append(_Var(c, "levels", levels=[False, True], effects=[0.0, b]))
            else:
                out.append(_Var(c, "numeric", coef=b, lo=float(s.min()), hi=float(s.max())))
            continue
        named = {t[len(c) + 1:-1]: float(b) for t, b in zip(rows["term"], rows["coef"],
                                                             strict=True)}
        s = data[c]
        cats = (list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype)
                else sorted(s.dropna().unique().tolist(), key=str))
        levels = [lv for lv in cats if str(lv) in named or lv == cats[0]]
        out.append(_Var(c, "levels", levels=levels,
                        effects=[named.get(str(lv), 0.0) for lv in levels]))
    return out, data


def _cox_reference(cox: Any, variables: list[_Var], data: pd.DataFrame) -> pd.DataFrame:
    ref = data[list(cox.covariates)].iloc[[0]].copy()
    ref.index = ["reference"]
    for v in variables:
        val = v.reference()
        if isinstance(ref[v.name].dtype, pd.CategoricalDtype):
            ref[v.name] = pd.Categorical([val], categories=ref[v.name].cat.categories,
                                         ordered=ref[v.name].cat.ordered)
        else:
            ref[v.name] = pd.Series([val], index=ref.index).astype(ref[v.name].dtype)
    return ref


def _published_variables(model: Any) -> list[_Var]:
    if getattr(model, "kind", "cox") != "cox":
        raise PlotError(f"{model.name!r} is a points system, already its own nomogram; a "
                        "nomogram is drawn for Cox models")
    coefs = model.coefficients
    names = dict(zip(model.factors["term"], model.factors["factor"], strict=True))
    groups: dict[str, list[tuple[str, float]]] = {}
    for term, b in coefs.items():
        if "[" in term:
            key, lev = term.split("[", 1)[0], term.split("[", 1)[1].rstrip("]")
        elif term.startswith("site_"):  # site levels vs extremity (literature.model_design)
            key, lev = "site", term[len("site_"):]
        else:
            key, lev = term, None
        groups.setdefault(key, []).append((lev, float(b)))
    out = []
    ref_level = {"grade": "1", "site": "extremity"}
    for key, items in groups.items():
        if items[0][0] is None:
            out.append(_Var(names.get(key, key), "levels", levels=["no", "yes"],
                            effects=[0.0, items[0][1]]))
        else:
            out.append(_Var(key, "levels", levels=[ref_level.get(key, "reference")]
                            + [lv for lv, _ in items], effects=[0.0] + [b for _, b in items]))
    return out


def _nice(lo: float, hi: float, n: int = 6) -> np.ndarray:
    t = MaxNLocator(nbins=n, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    return t[(t >= lo - 1e-9) & (t <= hi + 1e-9)]


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
    return (ticks.assign(_k=key).groupby("_k", sort=True)
            .agg(label=("label", ", ".join), value=("value", "first"), x=("x", "first"))
            .reset_index(drop=True))


def plot_nomogram(model: Any, times: Sequence[float] = (12, 36, 60), ax: Axes | None = None,
                  *, labels: dict[str, str] | None = None, surv_ticks: Sequence[float] = SURV_TICKS,
                  baseline: dict[float, float] | None = None, min_gap: float = 3.0,
                  figsize: tuple[float, float] | None = None) -> Figure:
    """A points nomogram: Points, one axis per covariate, Total points, survival at ``times``.

    Parameters
    ----------
    model : CoxResult or PublishedModel
        A Cox fit (coefficients, ``data`` for the covariate ranges and levels, and
        ``predict_survival`` for the reference patient's survival) or a published Cox model
        (``coefficients`` = log HR of its binary/level terms, survival from its ``baseline``).
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
    Figure
        With ``fig.nomogram``: a :class:`Nomogram` holding the geometry (axes and their
        ticks, points per unit of linear predictor, the reference patient and its survival).

    Notes
    -----
    Points are ``coef * (x - x_ref) * k`` with ``x_ref`` the value with the lowest effect
    and ``k = 100 / (largest effect range)``, as R ``rms::nomogram``; numeric covariates span
    their observed range in the fitted data. Survival at total ``T`` is
    ``S_ref(t) ** exp(T / k)``, exact for an unstratified Cox model because the linear
    predictor differs from the reference patient's by ``T / k``; ``S_ref`` comes from
    ``model.predict_survival(reference_patient, times)`` (CoxResult) or
    ``exp(-model.baseline.cumhaz_at(times))`` (PublishedModel). Nothing is fitted here.

    References
    ----------
    Harrell FE. rms: Regression Modeling Strategies, ``nomogram()``. Callegaro D et al.
    Development and external validation of two nomograms to predict overall survival and
    occurrence of distant metastases in adults after surgical resection of localised
    soft-tissue sarcomas of the extremities (Sarculator). Lancet Oncol 2016;17:671-680.

    Examples
    --------
    >>> from lms_prognosis import published_model
    >>> fig = plot_nomogram(published_model("lms_default"), times=(60,))
    >>> [a["kind"] for a in fig.nomogram.axes][-2:]
    ['total', 'survival']
    """
    times = [float(t) for t in times]
    if hasattr(model, "hazard_ratios") and hasattr(model, "data"):
        variables, data = _cox_variables(model)
        ref_row = _cox_reference(model, variables, data)
        reference = {c: ref_row[c].iloc[0] for c in ref_row.columns}
        if baseline is None and times:
            pred = model.predict_survival(ref_row, times)
            base = pd.Series(pred["surv"].to_numpy(float), index=pred["time"].to_numpy(float))
        else:
            base = pd.Series(baseline or {}, dtype=float)
    elif hasattr(model, "coefficients") and hasattr(model, "factors"):
        variables = _published_variables(model)
        reference = {v.name: v.reference() for v in variables}
        lp_ref = sum(v.min_effect for v in variables)
        if baseline is None and times:
            h0 = np.asarray(model.baseline.cumhaz_at(times), float)
            base = pd.Series(np.exp(-h0 * np.exp(lp_ref)), index=times)
        else:
            base = pd.Series(baseline or {}, dtype=float)
    else:
        raise PlotError(f"expected a CoxResult or a PublishedModel, got {type(model).__name__}")
    variables = [v for v in variables if v.range > 0 or v.kind == "levels"]
    widest = max((v.range for v in variables), default=0.0)
    if widest <= 0:
        raise PlotError("all coefficients are 0: nothing to draw")
    k = 100.0 / widest
    max_total = sum(v.range for v in variables) * k
    labels = labels or {}

    rows: list[dict[str, Any]] = []
    pts = np.arange(0, 101, 10.0)
    rows.append({"name": "Points", "kind": "points", "ticks": pd.DataFrame(
        {"label": [f"{p:g}" for p in pts], "value": pts, "x": pts})})
    for v in variables:
        if v.kind == "numeric":
            vals = _nice(v.lo, v.hi)
            x = (v.coef * vals - v.min_effect) * k
            ticks = pd.DataFrame({"label": [f"{a:g}" for a in vals], "value": vals, "x": x})
            ticks = _thin(ticks.sort_values("x").reset_index(drop=True), min_gap)
        else:
            x = (np.asarray(v.effects) - v.min_effect) * k
            ticks = _merge_levels(pd.DataFrame({"label": [str(lv) for lv in v.levels],
                                                "value": v.levels, "x": x}))
        row = {"name": labels.get(v.name, v.name), "kind": "covariate",
               "ticks": ticks.sort_values("x", kind="stable").reset_index(drop=True)}
        if v.kind == "numeric":  # the line spans the observed range, not only the nice ticks
            ends = (v.coef * np.array([v.lo, v.hi]) - v.min_effect) * k
            row["span"] = (float(ends.min()), float(ends.max()))
        rows.append(row)
    tot = _nice(0.0, max_total, 8)
    rows.append({"name": "Total points", "kind": "total", "ticks": pd.DataFrame(
        {"label": [f"{a:g}" for a in tot], "value": tot, "x": tot * 100.0 / max_total})})
    for t in times:
        s0 = float(base.get(t, np.nan))
        if not (0 < s0 < 1):
            continue  # no survival axis where the model gives none (e.g. beyond follow-up)
        s = np.asarray([u for u in surv_ticks if 0 < u < 1], float)
        total = k * np.log(np.log(s) / np.log(s0))
        ok = (total >= -1e-9) & (total <= max_total + 1e-9)
        ticks = pd.DataFrame({"label": [f"{u:g}" for u in s[ok]], "value": s[ok],
                              "total": total[ok], "x": total[ok] * 100.0 / max_total})
        name = f"{t / 12:g}-year survival" if t % 12 == 0 else f"{t:g}-month survival"
        rows.append({"name": name, "kind": "survival",
                     "ticks": _thin(ticks.sort_values("x").reset_index(drop=True), min_gap),
                     "time": t})

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize or (7.0, 0.42 * len(rows) + 0.5),
                               layout="constrained")
    else:
        fig = ax.figure
    _draw(ax, rows, min_gap)
    fig.nomogram = Nomogram(rows, k, max_total, reference, base, variables)
    return fig


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
                ax.text(x, y + 0.22 if up else y - 0.12, lab, ha=_ha(x, lab),
                        va="bottom" if up else "top", fontsize="small")
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
