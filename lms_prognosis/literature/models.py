"""Published leiomyosarcoma prognostic models, applied to a cohort with a stated baseline.

Four models are shipped (``list_models()``):

``gustafson1992``
    Age >= 60 RR 8, vascular invasion RR 4, DNA aneuploidy RR 4, necrosis RR 3; death from
    tumour; n = 48. **Only age and vascular invasion were statistically significant.**
``lms_default``
    The moderate design set of the domain brief (section 6.2) [D], with the basis of each value.
``sin2003``
    The SIN counting rule (large size, vascular invasion, necrosis; 2-3 = high risk), endpoint
    metastasis-free survival.
``chapel2022``
    The Chapel 2022 stage I uterine LMS points score (groups 0-2 / 3-5 / 6-13).

Every number lives in :mod:`lms_prognosis.literature.data` next to its source and evidence
marker ([V] read, [V2] secondary, [U] unverified, [D] derived).

Examples
--------
>>> import pandas as pd
>>> m = published_model("gustafson1992")
>>> df = pd.DataFrame({"patient_id": ["a", "b"], "time": [10.0, 20.0], "event": [1, 0],
...                    "age": [70.0, 50.0], "vascular_invasion": [True, False],
...                    "aneuploidy": [False, False], "necrosis": ["none", "none"]})
>>> m.apply(df)[["patient_id", "relative_risk", "risk_group"]]
  patient_id  relative_risk    risk_group
0          a           32.0  intermediate
1          b            1.0           low
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._format import format_number
from lms_prognosis.exceptions import EndpointMismatchError
from lms_prognosis.literature import data as _lit
from lms_prognosis.literature.design import SITES as _SITES
from lms_prognosis.literature.design import column as _col
from lms_prognosis.literature.design import model_design
from lms_prognosis.literature.design import normalised_text as _text

__all__ = ["PublishedModel", "ModelApplication", "Baseline", "published_model", "list_models",
           "model_design", "EndpointMismatchError"]

_EXCL_COLUMNS = ["row", "patient_id", "column", "value", "reason"]


@dataclass(frozen=True)
class _Group:
    """A factor as the user sees it: one input column, one or more terms, marginal levels."""

    name: str
    column: str
    terms: tuple[str, ...]
    levels: tuple[tuple[float, tuple[float, ...]], ...] | None  # (prevalence, term values)


def _binary(term: str, column: str) -> _Group:
    p = _lit.constant(term)
    return _Group(term, column, (term,), ((1 - p, (0.0,)), (p, (1.0,))))


_COX_GROUPS: tuple[_Group, ...] = (
    _binary("age_ge_60", "age"),
    _binary("vascular_invasion", "vascular_invasion"),
    _binary("aneuploidy", "aneuploidy"),
    _binary("necrosis_any", "necrosis"),
    _binary("size_gt_5", "size_cm"),
    _binary("deep", "depth"),
    _Group("grade", "grade", ("grade[2]", "grade[3]"),
           tuple((_lit.constant(f"grade[{k}]"), (float(k == 2), float(k == 3))) for k in (1, 2, 3))),
    _binary("margin_positive", "margin"),
    _Group("site", "site", tuple(f"site_{s}" for s in _SITES),
           ((_lit.constant("site_extremity"), (0.0,) * 5),
            (_lit.constant("site_trunk"), (1.0, 0.0, 0.0, 0.0, 0.0)))),
)


# --------------------------------------------------------------------------------------------
# Baseline
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Baseline:
    """Baseline cumulative hazard H0(t) (t in months) for the reference patient (LP = 0).

    ``kind`` is "weibull" (literature, H0(t) = (t / scale)^shape), "breslow" (refitted on a
    cohort with the published linear predictor as offset), "groups" (published survival by
    risk group only) or "none".
    """

    kind: str
    label: str
    shape: float = math.nan
    scale: float = math.nan
    times: tuple[float, ...] = ()
    cumhaz: tuple[float, ...] = ()
    group_surv: dict[str, dict[float, float]] = field(default_factory=dict)

    def cumhaz_at(self, t: Sequence[float] | np.ndarray) -> np.ndarray:
        """H0 at times ``t`` (NaN past the last follow-up time for a refitted baseline)."""
        t = np.asarray(t, float)
        if self.kind == "weibull":
            return (t / self.scale) ** self.shape
        if self.kind == "breslow":
            times, ch = np.asarray(self.times), np.asarray(self.cumhaz)
            idx = np.searchsorted(times, t, side="right") - 1
            h = np.where(idx >= 0, ch[np.clip(idx, 0, None)], 0.0)
            return np.where(t > self.times[-1], np.nan, h)
        return np.full(t.shape, np.nan)


def _weibull_baseline(model: str) -> Baseline:
    k = _lit.constant("weibull_shape")
    s5 = _lit.constant(f"S0_60m[{model}]")
    scale = 60.0 / (-math.log(s5)) ** (1 / k)
    label = (f"literature Weibull [D]: H0(t) = (t/{scale:.0f} months)^{k:g}, reference-patient "
             f"S0(60 months) = {s5:g} (domain section 6.3)")
    return Baseline("weibull", label, shape=k, scale=scale)


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
@dataclass(repr=False)
class ModelApplication:
    """A published model applied to a cohort: per-patient risks plus who was excluded, and why."""

    model: str
    table: pd.DataFrame
    exclusions: pd.DataFrame
    baseline: str
    missing: str
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        lines = [f"ModelApplication({self.model}): {len(self.table)} patients scored, "
                 f"{self.exclusions['row'].nunique() if len(self.exclusions) else 0} excluded "
                 f"(missing={self.missing!r})", f"baseline: {self.baseline}"]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines + [self.table.head(10).to_string()])

    def _repr_html_(self) -> str:
        return f"<pre>{self.__repr__()}</pre>" + self.table.head(20).to_html()


def _cohort_parts(cohort: Any) -> tuple[pd.DataFrame, str | None, str]:
    if isinstance(cohort, pd.DataFrame):
        return cohort, None, "<frame>"
    data = getattr(cohort, "data", None)
    if not isinstance(data, pd.DataFrame):
        raise TypeError("expected a Cohort (with .data) or a pandas DataFrame")
    return data, getattr(cohort, "endpoint", None), getattr(cohort, "source", "<cohort>")


@dataclass(repr=False)
class PublishedModel:
    """A published (or proposed) prognostic model with its factors, sources and baseline.

    Use :func:`published_model` to get one. ``apply`` scores a cohort; ``recalibrate`` refits
    the baseline (and reports the calibration slope) on a local cohort.
    """

    name: str
    title: str
    kind: str
    endpoint: str
    population: str
    n: int | None
    source: str
    caveat: str
    records: tuple[_lit.Factor, ...]
    baseline: Baseline
    calibration_slope: float | None = None
    calibration_slope_se: float | None = None
    notes: list[str] = field(default_factory=list)

    # ---- description ------------------------------------------------------------------------
    @property
    def factors(self) -> pd.DataFrame:
        """Factors as a tidy table (factor, term, hr, points, lower, upper, significant, ...)."""
        rows = []
        for r in self.records:
            d = r.as_dict()
            d["points"] = r.value if r.measure == "points" else math.nan
            rows.append(d)
        cols = ["factor", "term", "hr", "points", "lower", "upper", "measure", "significant",
                "endpoint", "population", "n", "evidence", "basis", "source"]
        return pd.DataFrame(rows)[cols]

    @property
    def table(self) -> pd.DataFrame:
        return self.factors

    @property
    def coefficients(self) -> pd.Series:
        """Log hazard ratios (cox models) or points (points systems) by term."""
        vals = [math.log(r.value) if r.measure in ("HR", "RR") else r.value for r in self.records]
        return pd.Series(vals, index=[r.term for r in self.records], dtype=float)

    @property
    def risk_groups(self) -> str:
        """How risk groups are cut (stated)."""
        c = _lit.constant
        if self.name == "sin2003":
            return "low = 0-1 factors, high = 2-3 factors (published)"
        if self.name == "chapel2022":
            return "low = 0-2, intermediate = 3-5, high = 6-13 points (published)"
        c1, c2 = c(f"lp_tertile_1[{self.name}]"), c(f"lp_tertile_2[{self.name}]")
        return (f"low: LP <= {c1:.4f}; intermediate: {c1:.4f} < LP <= {c2:.4f}; high: LP > "
                f"{c2:.4f} (tertiles of the LP in the simulated somatic population [D])")

    def __repr__(self) -> str:
        lines = [f"PublishedModel {self.name!r}: {self.title}",
                 f"  endpoint: {self.endpoint}; population: {self.population}; n = {self.n}",
                 f"  source: {self.source}"]
        for r in self.records:
            val = (f"{r.measure} {format_number(r.value)}" if r.measure != "points"
                   else f"{r.value:g} point(s)")
            sig = "" if r.significant is None else (
                "  significant" if r.significant else "  NOT significant")
            lines.append(f"    {r.factor:<36} {val:<10} {r.evidence}{sig}")
        lines += [f"  caveat: {self.caveat}", f"  risk groups: {self.risk_groups}",
                  f"  baseline: {self.baseline.label}"]
        if self.calibration_slope is not None:
            what = ("per-point log HR estimated on the cohort" if self.kind == "points"
                    else "calibration slope")
            lines.append(f"  {what}: {self.calibration_slope:.3f} "
                         f"(SE {self.calibration_slope_se:.3f})")
        return "\n".join(lines + [f"  note: {n}" for n in self.notes])

    def _repr_html_(self) -> str:
        return f"<pre>{self.__repr__()}</pre>" + self.factors.drop(columns=["source"]).to_html()

    # ---- scoring -----------------------------------------------------------------------------
    def _groups(self) -> list[_Group]:
        terms = {r.term for r in self.records}
        if self.kind == "cox":
            return [g for g in _COX_GROUPS if terms & set(g.terms)]
        inputs = {"sin_size": "size_cm", "sin_vascular": "vascular_invasion",
                  "sin_necrosis": "necrosis", "chapel_necrosis": "necrosis",
                  "chapel_mitoses": "mitoses_per_2_4mm2", "chapel_atypical": "atypical_mitoses",
                  "chapel_lvi": "vascular_invasion", "chapel_serosa": "serosal_abutment"}
        return [_Group(r.term, inputs[r.term], (r.term,), None) for r in self.records]

    def _term_values(self, design: pd.DataFrame) -> pd.DataFrame:
        if self.kind == "cox":
            return design
        cut_size = _lit.constant("sin_size_cut_cm")
        cut_mit = _lit.constant("chapel_mitoses_cut")
        size, mit = design["size_cm"].to_numpy(), design["mitoses_per_2_4mm2"].to_numpy()
        return pd.DataFrame({
            "sin_size": np.where(np.isnan(size), np.nan, (size >= cut_size).astype(float)),
            "sin_vascular": design["vascular_invasion"],
            "sin_necrosis": design["necrosis_any"],
            "chapel_necrosis": design["necrosis_any"],
            "chapel_mitoses": np.where(np.isnan(mit), np.nan, (mit > cut_mit).astype(float)),
            "chapel_atypical": design["atypical_mitoses"],
            "chapel_lvi": design["vascular_invasion"],
            "chapel_serosa": design["serosal_abutment"]}, index=design.index)

    def score(self, cohort: Any, horizons: Sequence[float] = (12, 36, 60),
              missing: str = "exclude", allow_endpoint_mismatch: bool = False
              ) -> ModelApplication:
        """Score a cohort; like :meth:`apply` but also returns the exclusions table and notes."""
        if missing not in ("exclude", "marginalise"):
            raise ValueError(f"missing must be 'exclude' or 'marginalise', not {missing!r}")
        if missing == "marginalise" and self.kind != "cox":
            raise ValueError(f"{self.name} is a points system: no published prevalences to "
                             "marginalise over; use missing='exclude'")
        data, endpoint, _ = _cohort_parts(cohort)
        notes = self._check_endpoint(endpoint, allow_endpoint_mismatch)
        design = model_design(data)
        values = self._term_values(design)
        coef = self.coefficients
        lp = np.zeros(len(data))
        bad: dict[int, list[tuple[str, Any, str]]] = {}
        pid = (data["patient_id"].astype(str).to_numpy() if "patient_id" in data.columns
               else np.array([f"row-{i + 1}" for i in range(len(data))]))
        raw = {g.column: _col(data, g.column).to_numpy() for g in self._groups()}
        if self.name == "chapel2022":
            site = _text(_col(data, "site"))
            for i in np.flatnonzero(site != "uterus"):
                bad.setdefault(i, []).append(
                    ("site", site[i], "Chapel 2022 score is for stage I uterine LMS only"))
        for g in self._groups():
            terms = [t for t in g.terms if t in coef.index]
            x = values[terms].to_numpy(float)
            b = coef[terms].to_numpy()
            contrib = x @ b
            miss = np.isnan(x).any(axis=1)
            if miss.any() and missing == "marginalise":
                pos = [g.terms.index(t) for t in terms]
                marg = math.log(sum(p * math.exp(sum(v[j] * bj for j, bj in zip(pos, b, strict=True)))
                                    for p, v in g.levels))
                contrib = np.where(miss, marg, contrib)
                notes.append(f"{int(miss.sum())} patient(s) with missing {g.column}: "
                             f"{g.name} marginalised over its prevalence (domain 6.1)")
            elif miss.any():
                for i in np.flatnonzero(miss):
                    bad.setdefault(i, []).append(
                        (g.column, raw[g.column][i], f"missing {g.column} (needed for {g.name} "
                                                     f"in {self.name})"))
            lp = lp + np.where(miss & (missing == "exclude"), 0.0, contrib)
        keep = np.array([i not in bad for i in range(len(data))], bool)
        excl = pd.DataFrame(
            [{"row": i + 1, "patient_id": pid[i], "column": c, "value": v, "reason": r}
             for i in sorted(bad) for c, v, r in bad[i]], columns=_EXCL_COLUMNS)
        table = self._table(pid[keep], lp[keep], data.index[keep], horizons)
        return ModelApplication(self.name, table, excl, self.baseline.label, missing, notes)

    def _table(self, pid: np.ndarray, lp: np.ndarray, index: pd.Index,
               horizons: Sequence[float]) -> pd.DataFrame:
        eff = lp * (self.calibration_slope or 1.0) if self.kind == "points" else lp
        rr = np.exp(eff) if (self.kind == "cox" or self.calibration_slope) else np.nan * lp
        group = self._group_of(lp)
        cols: dict[str, Any] = {"patient_id": pid, "linear_predictor": lp, "relative_risk": rr,
                                "risk_group": group}
        for h in horizons:  # built in one go: one insert per horizon fragments the frame
            cols[f"surv_{h:g}m"] = self._surv(eff, np.asarray(group), float(h))
        cols["baseline"] = self.baseline.kind
        return pd.DataFrame(cols, index=index)

    def _group_of(self, lp: np.ndarray) -> pd.Categorical:
        c = _lit.constant
        if self.name == "sin2003":
            codes = (lp >= c("sin_high_from")).astype(int)
            return pd.Categorical.from_codes(codes, ["low", "high"])
        if self.name == "chapel2022":
            codes = (lp >= c("chapel_intermediate_from")).astype(int) + (lp >= c("chapel_high_from"))
            return pd.Categorical.from_codes(codes, ["low", "intermediate", "high"])
        c1, c2 = c(f"lp_tertile_1[{self.name}]"), c(f"lp_tertile_2[{self.name}]")
        codes = (lp > c1 + 1e-9).astype(int) + (lp > c2 + 1e-9)
        return pd.Categorical.from_codes(codes, ["low", "intermediate", "high"])

    def _surv(self, eff: np.ndarray, group: np.ndarray, t: float) -> np.ndarray:
        if self.baseline.kind == "groups":
            return np.array([self.baseline.group_surv.get(g, {}).get(t, np.nan) for g in group])
        h0 = float(self.baseline.cumhaz_at([t])[0])
        return np.exp(-h0 * np.exp(eff))

    def _check_endpoint(self, endpoint: str | None, allow: bool) -> list[str]:
        if endpoint is None:
            return [f"no cohort endpoint given (a DataFrame): assumed {self.endpoint}"]
        if endpoint == self.endpoint:
            return []
        msg = (f"cohort endpoint {endpoint} differs from the {self.name} model's endpoint "
               f"{self.endpoint}: published effects are not interchangeable across endpoints")
        if not allow:
            raise EndpointMismatchError(msg + "; pass allow_endpoint_mismatch=True to proceed")
        warnings.warn(msg, UserWarning, stacklevel=3)
        return [msg]

    def apply(self, cohort: Any, horizons: Sequence[float] = (12, 36, 60),
              missing: str = "exclude", allow_endpoint_mismatch: bool = False) -> pd.DataFrame:
        """Per-patient linear predictor, relative risk, risk group and survival at horizons.

        Parameters
        ----------
        cohort : Cohort or DataFrame
            Canonical columns. A DataFrame carries no endpoint (the model's is assumed).
        horizons : sequence of float
            Months at which survival is given (columns ``surv_<h>m``).
        missing : {"exclude", "marginalise"}
            Default ``"exclude"``: a patient missing any model input is left out and listed in
            ``.attrs["exclusions"]`` (a list of row records; :meth:`score` returns the same as
            a DataFrame) with the reason. ``"marginalise"``: the factor's
            contribution is replaced by log(sum_k p_k exp(beta_k)) over its prevalence p_k in
            the somatic population (domain section 6.1), ignoring its correlation with other
            factors (cox models only).
        allow_endpoint_mismatch : bool
            The cohort's endpoint must equal the model's unless True (then a warning).

        Returns
        -------
        DataFrame
            patient_id, linear_predictor (sum of log HRs vs the reference patient; points for
            points systems), relative_risk (exp(LP) vs the reference patient), risk_group,
            surv_<h>m, baseline (which baseline was used). ``.attrs`` holds ``exclusions``
            (records: row, patient_id, column, value, reason), ``baseline_label``, ``notes``.

        Notes
        -----
        S(t | x) = exp(-H0(t) exp(LP)). H0 is the literature Weibull of domain section 6.3 (a
        derived [D] baseline) unless the model was recalibrated. Risk groups: see
        ``model.risk_groups``.
        """
        res = self.score(cohort, horizons, missing, allow_endpoint_mismatch)
        out = res.table.reset_index(drop=True)
        out.attrs.update(exclusions=res.exclusions.to_dict("records"),
                         baseline_label=res.baseline, notes=list(res.notes))
        return out

    def predict_risk(self, newdata: Any, missing: str = "exclude") -> pd.DataFrame:
        """Linear predictor and relative risk indexed like ``newdata`` (NaN if excluded)."""
        data, _, _ = _cohort_parts(newdata)
        res = self.score(data, (), missing, allow_endpoint_mismatch=True)
        return res.table[["linear_predictor", "relative_risk"]].reindex(data.index)

    def predict_survival(self, cohort: Any, times: Sequence[float], missing: str = "exclude",
                         allow_endpoint_mismatch: bool = False) -> pd.DataFrame:
        """Long table: patient (the frame's index), patient_id, time, surv, std_err, lower,
        upper, cumhaz. No CIs: published values carry no usable variance (NaN)."""
        res = self.score(cohort, tuple(times), missing, allow_endpoint_mismatch)
        tab = res.table
        rows = []
        for t in times:
            s = tab[f"surv_{t:g}m"].to_numpy()
            rows.append(pd.DataFrame({"patient": tab.index, "patient_id": tab["patient_id"],
                                      "time": float(t), "surv": s, "std_err": np.nan,
                                      "lower": np.nan, "upper": np.nan, "cumhaz": -np.log(s)}))
        return pd.concat(rows, ignore_index=True).sort_values(["patient", "time"],
                                                              kind="stable").reset_index(drop=True)

    def recalibrate(self, cohort: Any, missing: str = "exclude",
                    allow_endpoint_mismatch: bool = False) -> PublishedModel:
        """Refit the baseline on a local cohort, keeping the published linear predictor.

        The baseline cumulative hazard is the Breslow estimator with the published linear
        predictor as a fixed offset, H0(t) = sum_{t_i <= t} d_i / sum_{j: t_j >= t_i}
        exp(LP_j) (Breslow handling of ties; event codes >= 2 count as censored). The
        calibration slope is the coefficient of a Cox model (Efron ties) of the outcome on the
        linear predictor: 1 = effects transport, < 1 = too extreme. For points systems the
        per-point log HR is estimated by that Cox fit (reported as the slope) and used as the
        offset's coefficient.

        Returns
        -------
        PublishedModel
            Same factors; ``baseline`` refitted (kind "breslow"); ``calibration_slope`` set.
        """
        data, _, source = _cohort_parts(cohort)
        res = self.score(cohort, (), missing, allow_endpoint_mismatch)
        idx = res.table.index
        time = pd.to_numeric(data.loc[idx, "time"]).to_numpy(float)
        event = (pd.to_numeric(data.loc[idx, "event"]).to_numpy() == 1).astype(int)
        lp = res.table["linear_predictor"].to_numpy(float)
        slope, se, how = _cox_slope(time, event, lp)
        off = lp * slope if self.kind == "points" else lp
        times, ch = _breslow_offset(time, event, off)
        what = ("the estimated per-point log HR x points" if self.kind == "points"
                else "the published linear predictor")
        label = (f"Breslow estimator with {what} as offset, refitted on {source} (n = "
                 f"{len(lp)}, events = {int(event.sum())}); slope by {how}")
        notes = [*self.notes, *res.notes]
        if len(res.exclusions):
            notes.append(f"recalibration excluded {res.exclusions['row'].nunique()} patient(s)")
        return dataclasses.replace(
            self, baseline=Baseline("breslow", label, times=tuple(times), cumhaz=tuple(ch)),
            calibration_slope=slope, calibration_slope_se=se, notes=notes)


def _breslow_offset(time: np.ndarray, event: np.ndarray, lp: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(time, kind="stable")
    t, d, r = time[order], event[order], np.exp(lp[order])
    risk = np.cumsum(r[::-1])[::-1]  # sum over j with t_j >= t_i (sorted, ties: first index)
    ut, first = np.unique(t, return_index=True)
    dk = np.add.reduceat(d, first)
    inc = dk / risk[first]
    ch = np.cumsum(inc)
    return ut, ch


def _cox_slope(time: np.ndarray, event: np.ndarray, lp: np.ndarray) -> tuple[float, float, str]:
    from lms_prognosis.cox.fit import fit_cox  # noqa: PLC0415  (cox imports nothing from here)

    df = pd.DataFrame({"time": time, "event": event, "lp": lp})
    hr = fit_cox(df, ["lp"], time="time", event="event").hazard_ratios.set_index("term")
    return float(hr.loc["lp", "coef"]), float(hr.loc["lp", "se"]), "lms_prognosis.fit_cox"


def published_model(name: str) -> PublishedModel:
    """Return a published model by name: see :func:`list_models`.

    Examples
    --------
    >>> published_model("gustafson1992").factors[["factor", "hr", "significant"]]
                               factor   hr  significant
    0                 age >= 60 years  8.0         True
    1  intratumoral vascular invasion  4.0         True
    2                  DNA aneuploidy  4.0        False
    3           tumour necrosis (any)  3.0        False
    """
    alias = {"default": "lms_default", "sin": "sin2003", "chapel": "chapel2022",
             "gustafson": "gustafson1992"}
    key = alias.get(name, name)
    if key not in _lit.MODEL_INFO:
        raise ValueError(f"unknown model {name!r}; available: {', '.join(_lit.MODEL_INFO)}")
    info = _lit.MODEL_INFO[key]
    recs = tuple(r for r in _lit.FACTORS if r.model == key)
    if info["kind"] == "cox":
        base = _weibull_baseline(key)
    elif key == "sin2003":
        base = Baseline("groups", "published 5-y MFS by SIN group (midpoint of the observer "
                        "range 0.80-0.85 low, 0.43-0.48 high) [V]; other horizons not published",
                        group_surv={"low": {60.0: _lit.constant("sin_5y_mfs[low]")},
                                    "high": {60.0: _lit.constant("sin_5y_mfs[high]")}})
    else:
        base = Baseline("none", "none published (score and groups only): use "
                                "recalibrate(cohort) for absolute risks")
    return PublishedModel(key, info["title"], info["kind"], info["endpoint"],
                          info["population"], info["n"], info["source"], info["caveat"], recs,
                          base)


def list_models() -> pd.DataFrame:
    """Table of the shipped models with endpoint, population, baseline and source.

    Examples
    --------
    >>> list_models()["name"].tolist()
    ['gustafson1992', 'lms_default', 'sin2003', 'chapel2022']
    """
    rows = []
    for key in _lit.MODEL_INFO:
        m = published_model(key)
        rows.append({"name": key, "title": m.title, "kind": m.kind, "endpoint": m.endpoint,
                     "population": m.population, "n": m.n, "n_factors": len(m.records),
                     "risk_groups": m.risk_groups, "baseline": m.baseline.label,
                     "caveat": m.caveat, "source": m.source})
    return pd.DataFrame(rows)
