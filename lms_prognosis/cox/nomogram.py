"""The points scales of a Cox nomogram (as R ``rms::nomogram``), computed from the model.

Each covariate's points are ``coef * (x - x_ref) * k``, with ``x_ref`` its value of lowest
effect and ``k`` chosen so the covariate with the widest effect spans 0-100 points; the points
add up to a total, and survival at time t for a total ``T`` is ``S_ref(t) ** exp(T / k)``, with
``S_ref`` the model's own prediction for the reference patient (the patient with 0 points).
:func:`nomogram_scales` returns these scales as data; :func:`lms_prognosis.plotting.plot_nomogram`
draws them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._results import Result
from lms_prognosis.exceptions import ColumnNotFoundError, ModelError

if TYPE_CHECKING:
    from lms_prognosis.cox.result import CoxResult
    from lms_prognosis.literature.models import PublishedModel

__all__ = ["NomogramScales", "nomogram_scales", "SURV_TICKS"]

#: survival probabilities marked on the survival scales (those a total can reach)
SURV_TICKS = (0.99, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01)
_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)
# reference levels of a published model's level terms (lms_prognosis.literature.model_design)
_PUBLISHED_REFERENCE = {"grade": "1", "site": "extremity"}


def nice_values(lo: float, hi: float, n: int = 6) -> np.ndarray:
    """Round values (steps 1, 2, 2.5, 5 x 10^k) from ``lo`` to ``hi``, at most ``n`` intervals.

    The values matplotlib's ``MaxNLocator(nbins=n, steps=[1, 2, 2.5, 5, 10])`` gives, kept
    inside ``[lo, hi]``.

    Examples
    --------
    >>> nice_values(18.0, 90.0).tolist()
    [20.0, 40.0, 60.0, 80.0]
    >>> nice_values(0.0, 1.3).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.25]
    """
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        return np.array([lo], float) if np.isfinite(lo) else np.array([], float)
    raw = (hi - lo) / n
    scale = 10.0 ** math.floor(math.log10(raw))
    step = next(s * scale for s in _STEPS if s * scale >= raw * (1 - 1e-12))
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return np.arange(first, last + 1, dtype=float) * step


@dataclass
class _Variable:
    """One covariate's scale: numeric (``coef`` over the observed range) or levels."""

    name: str
    kind: str  # "numeric" or "levels"
    coef: float = np.nan
    lo: float = np.nan
    hi: float = np.nan
    levels: list[Any] = field(default_factory=list)
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
            raise ModelError(f"{self.name}: value {value!r} not among levels {labels}")
        return self.effects[labels.index(str(value))]


@dataclass(repr=False)
class NomogramScales(Result):
    """The scales of a points nomogram, as data (see :func:`nomogram_scales`).

    Attributes
    ----------
    points : DataFrame
        Covariate scales: ``variable, kind, label, value, points`` (numeric covariates at
        round values inside their observed range; level covariates at every level).
    variables : DataFrame
        One row per covariate: ``variable, kind, coef, lower, upper, reference,
        points_lower, points_upper`` (numeric: observed range and its points; levels: NaN
        range).
    total : DataFrame
        Total-points scale: ``points`` (round values from 0 to ``max_total``) and the
        ``linear_predictor`` each total stands for.
    survival : DataFrame
        Survival scales: ``time, surv, points`` (the total points giving survival ``surv`` at
        ``time``), for the ``surv_ticks`` a total can reach.
    baseline : Series
        Survival of the reference patient by time.
    points_per_unit : float
        Points per unit of linear predictor (``k``).
    max_total : float
        Largest total points.
    reference : dict
        The 0-points patient (covariate -> value).
    times : list of float
        Times (months) with a survival scale (those where the reference survival is
        strictly between 0 and 1).
    lp_reference : float
        Linear predictor of the reference patient (as ``predict_risk`` reports it for a
        CoxResult; the sum of its log HRs for a published model).

    Examples
    --------
    >>> import pandas as pd
    >>> from lms_prognosis import published_model
    >>> sc = nomogram_scales(published_model("lms_default"), times=(60,))
    >>> patient = pd.DataFrame({v: [sc.reference[v]] for v in sc.reference})
    >>> float(sc.total_points(patient).iloc[0])
    0.0
    >>> bool(sc.predict_survival(0.0, 60.0) == sc.baseline[60.0])
    True
    """

    points: pd.DataFrame
    variables: pd.DataFrame
    total: pd.DataFrame
    survival: pd.DataFrame
    baseline: pd.Series
    points_per_unit: float
    max_total: float
    reference: dict[str, Any]
    times: list[float]
    lp_reference: float
    _vars: list[_Variable] = field(default_factory=list, repr=False)
    _title: ClassVar[str] = "Nomogram scales"

    @property
    def table(self) -> pd.DataFrame:
        """Every scale as one tidy frame: ``scale, kind, label, value, points, time``."""
        cov = self.points.rename(columns={"variable": "scale"}).assign(time=np.nan)
        tot = pd.DataFrame(
            {
                "scale": "Total points",
                "kind": "total",
                "label": [f"{p:g}" for p in self.total["points"]],
                "value": self.total["points"],
                "points": self.total["points"],
                "time": np.nan,
            }
        )
        surv = pd.DataFrame(
            {
                "scale": [_survival_name(t) for t in self.survival["time"]],
                "kind": "survival",
                "label": [f"{s:g}" for s in self.survival["surv"]],
                "value": self.survival["surv"],
                "points": self.survival["points"],
                "time": self.survival["time"],
            }
        )
        return pd.concat([cov, tot, surv], ignore_index=True)

    def _summary_lines(self) -> list[str]:
        base = ", ".join(f"S({t:g})={s:.3f}" for t, s in self.baseline.items())
        return [
            f"{self.points_per_unit:.2f} points per unit of linear predictor; max total "
            f"{self.max_total:.1f}; reference patient {base}"
        ]

    def total_points(self, newdata: pd.DataFrame) -> pd.Series:
        """Total points of each row of ``newdata`` (reading the covariate scales)."""
        tot = np.zeros(len(newdata))
        for v in self._vars:
            if v.name not in newdata:
                raise ColumnNotFoundError(f"newdata lacks the model covariate {v.name!r}")
            tot += [(v.effect(x) - v.min_effect) * self.points_per_unit for x in newdata[v.name]]
        return pd.Series(tot, index=newdata.index, name="total_points")

    def predict_survival(self, total: float | np.ndarray, time: float) -> np.ndarray:
        """Survival at ``time`` for ``total`` points: ``S_ref(time) ** exp(total / k)``."""
        if time not in self.baseline.index:
            raise ModelError(
                f"no survival scale at {time:g} months; scales exist at "
                f"{[float(t) for t in self.baseline.index]}"
            )
        s0 = float(self.baseline.loc[time])
        return np.asarray(s0 ** np.exp(np.asarray(total, float) / self.points_per_unit))


def _survival_name(t: float) -> str:
    return f"{t / 12:g}-year survival" if t % 12 == 0 else f"{t:g}-month survival"


def _cox_variables(cox: Any) -> list[_Variable]:
    if getattr(cox, "strata", None):
        raise ModelError("a nomogram needs one baseline; the model is stratified")
    hr, data = cox.hazard_ratios, cox.data
    formula = [c for c in cox.covariates if c not in data.columns]
    if formula:  # a spline or interaction has no single points-per-unit scale
        raise ModelError(
            f"a nomogram draws one straight points scale per covariate; the model has the "
            f"spline/interaction term(s) {formula}, whose effect is not linear in one "
            f"variable. Refit without them for a nomogram (e.g. 'age' instead of "
            f"'rcs(age, 4)'), or show their effect with lp.plot_partial_effect(fit, 'age')"
        )
    out = []
    for c in cox.covariates:
        rows = hr[hr["covariate"] == c]
        if rows.empty:
            continue
        s = data[c]
        if len(rows) == 1 and rows["term"].iloc[0] == c:
            b = float(rows["coef"].iloc[0])
            if pd.api.types.is_bool_dtype(s.dtype):
                out.append(_Variable(c, "levels", levels=[False, True], effects=[0.0, b]))
            else:
                out.append(_Variable(c, "numeric", coef=b, lo=float(s.min()), hi=float(s.max())))
            continue
        named = {
            t[len(c) + 1 : -1]: float(b) for t, b in zip(rows["term"], rows["coef"], strict=True)
        }
        cats = (
            list(s.cat.categories)
            if isinstance(s.dtype, pd.CategoricalDtype)
            else sorted(s.dropna().unique().tolist(), key=str)
        )
        levels = [lv for lv in cats if str(lv) in named or lv == cats[0]]
        out.append(
            _Variable(
                c, "levels", levels=levels, effects=[named.get(str(lv), 0.0) for lv in levels]
            )
        )
    return out


def _cox_reference(cox: Any, variables: list[_Variable]) -> pd.DataFrame:
    ref = cox.data[list(cox.covariates)].iloc[[0]].copy()
    ref.index = ["reference"]
    for v in variables:
        val, col = v.reference(), ref[v.name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            ref[v.name] = pd.Categorical(
                [val], categories=col.cat.categories, ordered=col.cat.ordered
            )
        else:
            ref[v.name] = pd.Series([val], index=ref.index).astype(col.dtype)
    return ref


def _published_variables(model: Any) -> list[_Variable]:
    if getattr(model, "model_type", "cox") != "cox":
        raise ModelError(
            f"{model.name!r} is a points system, already its own nomogram; a "
            "nomogram is made for Cox models"
        )
    names = dict(zip(model.factors["term"], model.factors["factor"], strict=True))
    groups: dict[str, list[tuple[str | None, float]]] = {}
    for term, b in model.coefficients.items():
        term = str(term)
        if "[" in term:
            key, lev = term.split("[", 1)[0], term.split("[", 1)[1].rstrip("]")
        elif term.startswith("site_"):  # site levels vs extremity (literature.model_design)
            key, lev = "site", term[len("site_") :]
        else:
            key, lev = term, None
        groups.setdefault(key, []).append((lev, float(b)))
    out = []
    for key, items in groups.items():
        if items[0][0] is None:
            out.append(
                _Variable(
                    names.get(key, key), "levels", levels=["no", "yes"], effects=[0.0, items[0][1]]
                )
            )
        else:
            out.append(
                _Variable(
                    key,
                    "levels",
                    levels=[_PUBLISHED_REFERENCE.get(key, "reference")] + [lv for lv, _ in items],
                    effects=[0.0] + [b for _, b in items],
                )
            )
    return out


def _model_parts(
    model: Any,
    times: list[float],
    baseline: dict[float, float] | None,
) -> tuple[list[_Variable], dict[str, Any], pd.Series, float]:
    """Variables, reference patient, reference survival by time and reference LP."""
    given = pd.Series(baseline or {}, dtype=float)
    if hasattr(model, "hazard_ratios") and hasattr(model, "data"):
        variables = _cox_variables(model)
        ref_row = _cox_reference(model, variables)
        reference = {c: ref_row[c].iloc[0] for c in ref_row.columns}
        lp_ref = float(model.predict_risk(ref_row)["linear_predictor"].iloc[0])
        if baseline is not None or not times:
            return variables, reference, given, lp_ref
        pred = model.predict_survival(ref_row, times)
        base = pd.Series(pred["surv"].to_numpy(float), index=pred["time"].to_numpy(float))
        return variables, reference, base, lp_ref
    if hasattr(model, "coefficients") and hasattr(model, "factors"):
        variables = _published_variables(model)
        reference = {v.name: v.reference() for v in variables}
        lp_ref = float(sum(v.min_effect for v in variables))
        if baseline is not None or not times:
            return variables, reference, given, lp_ref
        h0 = np.asarray(model.baseline.cumhaz_at(times), float)
        return variables, reference, pd.Series(np.exp(-h0 * np.exp(lp_ref)), index=times), lp_ref
    raise ModelError(
        f"a nomogram needs a CoxResult or a PublishedModel, got {type(model).__name__}"
    )


def _variables_frame(variables: list[_Variable], k: float) -> pd.DataFrame:
    rows = []
    for v in variables:
        num = v.kind == "numeric"
        ends = (
            (np.array([v.coef * v.lo, v.coef * v.hi]) - v.min_effect) * k
            if num
            else np.array([np.nan, np.nan])
        )
        rows.append(
            {
                "variable": v.name,
                "kind": v.kind,
                "coef": v.coef if num else np.nan,
                "lower": v.lo if num else np.nan,
                "upper": v.hi if num else np.nan,
                "reference": v.reference(),
                "points_lower": float(ends.min()),
                "points_upper": float(ends.max()),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "variable",
            "kind",
            "coef",
            "lower",
            "upper",
            "reference",
            "points_lower",
            "points_upper",
        ],
    )


def _points_frame(variables: list[_Variable], k: float) -> pd.DataFrame:
    parts = []
    for v in variables:
        if v.kind == "numeric":
            vals: Sequence[Any] = nice_values(v.lo, v.hi).tolist()
            pts = (v.coef * np.asarray(vals, float) - v.min_effect) * k
            labels = [f"{a:g}" for a in vals]
        else:
            vals = list(v.levels)
            pts = (np.asarray(v.effects, float) - v.min_effect) * k
            labels = [str(lv) for lv in vals]
        parts.append(
            pd.DataFrame(
                {
                    "variable": v.name,
                    "kind": v.kind,
                    "label": labels,
                    "value": pd.Series(list(vals), dtype=object),
                    "points": pts,
                }
            )
        )
    cols = ["variable", "kind", "label", "value", "points"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def _survival_frame(
    base: pd.Series, times: list[float], k: float, max_total: float, surv_ticks: Sequence[float]
) -> pd.DataFrame:
    parts = []
    s = np.asarray([u for u in surv_ticks if 0 < u < 1], float)
    for t in times:
        s0 = float(base.loc[t])
        total = k * np.log(np.log(s) / np.log(s0))
        ok = (total >= -1e-9) & (total <= max_total + 1e-9)
        parts.append(pd.DataFrame({"time": t, "surv": s[ok], "points": total[ok]}))
    cols = ["time", "surv", "points"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def nomogram_scales(
    model: CoxResult | PublishedModel,
    times: Sequence[float] = (12, 36, 60),
    *,
    surv_ticks: Sequence[float] = SURV_TICKS,
    baseline: dict[float, float] | None = None,
) -> NomogramScales:
    """Points per covariate, total points and survival at ``times``: a nomogram as data.

    Parameters
    ----------
    model : CoxResult or PublishedModel
        A Cox fit (its coefficients, ``data`` for the covariate ranges and levels, and
        ``predict_survival`` for the reference patient) or a published Cox model
        (``coefficients`` = log HR of its terms, survival from its ``baseline``).
    times : sequence of float
        Months of the survival scales (1, 3 and 5 years by default).
    surv_ticks : sequence of float
        Survival probabilities placed on the survival scales (those a total can reach).
    baseline : dict, optional
        Survival of the 0-points patient by time, overriding the model's.

    Returns
    -------
    NomogramScales
        ``.points`` (covariate scales), ``.total``, ``.survival`` (DataFrames),
        ``.points_per_unit``, ``.max_total``, ``.reference``, ``.baseline``;
        ``.total_points(newdata)`` and ``.predict_survival(total, time)`` read the scales.

    Raises
    ------
    ModelError
        Not a Cox model, a stratified model (no single baseline), a spline or interaction
        term (``"rcs(age, 4)"``, ``"age:grade"``: no straight points scale), a points
        system, or all coefficients 0.

    Notes
    -----
    Points are ``coef * (x - x_ref) * k`` with ``x_ref`` the value of lowest effect and
    ``k = 100 / (largest effect range)``, as R ``rms::nomogram``; numeric covariates span
    their observed range in the fitted data. Survival at total ``T`` is
    ``S_ref(t) ** exp(T / k)``, exact for an unstratified Cox model because the linear
    predictor differs from the reference patient's by ``T / k``; ``S_ref`` comes from
    ``model.predict_survival(reference_patient, times)`` (CoxResult, R ``survfit.coxph``
    conventions) or ``exp(-model.baseline.cumhaz_at(times) * exp(lp_ref))``
    (PublishedModel). Nothing is refitted.

    References
    ----------
    Harrell FE. rms: Regression Modeling Strategies, ``nomogram()``. Callegaro D et al.
    Development and external validation of two nomograms to predict overall survival and
    occurrence of distant metastases in adults after surgical resection of localised
    soft-tissue sarcomas of the extremities (Sarculator). Lancet Oncol 2016;17:671-680.

    Examples
    --------
    >>> from lms_prognosis import published_model
    >>> sc = nomogram_scales(published_model("lms_default"), times=(60,))
    >>> sc.points.columns.tolist()
    ['variable', 'kind', 'label', 'value', 'points']
    >>> float(sc.points["points"].max())
    100.0
    >>> bool((sc.survival["time"] == 60).all())
    True
    """
    t_list = [float(t) for t in times]
    variables, reference, base, lp_ref = _model_parts(model, t_list, baseline)
    variables = [v for v in variables if v.range > 0 or v.kind == "levels"]
    widest = max((v.range for v in variables), default=0.0)
    if widest <= 0:
        raise ModelError("all coefficients are 0: a nomogram has nothing to show")
    k = 100.0 / widest
    max_total = float(sum(v.range for v in variables) * k)
    tot = nice_values(0.0, max_total, 8)
    # no survival scale where the model gives no survival (e.g. beyond follow-up)
    t_list = [t for t in t_list if 0 < float(base.get(t, np.nan)) < 1]
    return NomogramScales(
        points=_points_frame(variables, k),
        variables=_variables_frame(variables, k),
        total=pd.DataFrame({"points": tot, "linear_predictor": lp_ref + tot / k}),
        survival=_survival_frame(base, t_list, k, max_total, surv_ticks),
        baseline=base,
        points_per_unit=k,
        max_total=max_total,
        reference=reference,
        times=t_list,
        lp_reference=lp_ref,
        _vars=variables,
    )
