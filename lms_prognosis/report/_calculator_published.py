"""What the calculator page needs from a published model, as JSON-ready rules and numbers.

Private to :mod:`lms_prognosis.report.calculator`. The page recomputes
:meth:`lms_prognosis.literature.PublishedModel.predict_survival` from:

* one rule per model term, saying how the term's value comes from one canonical input
  column, as :func:`lms_prognosis.literature.model_design` derives it (age >= 60, size > 5 cm,
  any necrosis, grade 2 and grade 3 vs 1, ...; the points systems' cut-points are the
  constants of :mod:`lms_prognosis.literature.data`);
* the coefficients (log hazard ratios, or points), the calibration slope if recalibrated;
* the baseline: the literature Weibull, the refitted step function, published survival by
  risk group, or none;
* the risk-group cut-points (the constants the package's groups use).

The population a model declares is read through the model's own scoring: each level of each
categorical input is scored once, and a level the model leaves out as "outside the model's
population" is shipped as one the page warns about.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from lms_prognosis.exceptions import ExportError
from lms_prognosis.literature import data as _lit
from lms_prognosis.literature.design import SITES
from lms_prognosis.report._calculator_fields import field

__all__ = ["published_spec", "TERM_RULES", "CHOICES"]

_BOOL = {"true": 1.0, "1": 1.0, "yes": 1.0, "false": 0.0, "0": 0.0, "no": 0.0}
_NECROSIS = {"none": 0.0, "<50%": 1.0, ">=50%": 1.0}
_ALL_SITES = ("extremity", *SITES)
_SIGN = {"ge": "\u2265", "gt": ">"}

#: levels of the canonical categorical inputs, in the order the form lists them
CHOICES: dict[str, list[str]] = {
    "vascular_invasion": ["False", "True"],
    "aneuploidy": ["False", "True"],
    "atypical_mitoses": ["False", "True"],
    "serosal_abutment": ["False", "True"],
    "necrosis": ["none", "<50%", ">=50%"],
    "depth": ["superficial", "deep"],
    "grade": ["1", "2", "3"],
    "margin": ["R0", "R1", "R2"],
    "site": list(_ALL_SITES),
    "sex": ["female", "male"],
}


def _map(column: str, values: Mapping[str, float]) -> dict[str, Any]:
    return {"type": "map", "column": column, "map": dict(values)}


def _rules() -> dict[str, dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {
        "age_ge_60": {"type": "ge", "column": "age", "cut": 60.0},
        "size_gt_5": {"type": "gt", "column": "size_cm", "cut": 5.0},
        "vascular_invasion": _map("vascular_invasion", _BOOL),
        "aneuploidy": _map("aneuploidy", _BOOL),
        "necrosis_any": _map("necrosis", _NECROSIS),
        "deep": _map("depth", {"deep": 1.0, "superficial": 0.0}),
        "grade[2]": _map("grade", {"1": 0.0, "2": 1.0, "3": 0.0}),
        "grade[3]": _map("grade", {"1": 0.0, "2": 0.0, "3": 1.0}),
        "margin_positive": _map("margin", {"r0": 0.0, "r1": 1.0, "r2": 1.0}),
        "sin_size": {"type": "ge", "column": "size_cm", "cut": _lit.constant("sin_size_cut_cm")},
        "sin_vascular": _map("vascular_invasion", _BOOL),
        "sin_necrosis": _map("necrosis", _NECROSIS),
        "chapel_necrosis": _map("necrosis", _NECROSIS),
        "chapel_mitoses": {
            "type": "gt",
            "column": "mitoses_per_2_4mm2",
            "cut": _lit.constant("chapel_mitoses_cut"),
        },
        "chapel_atypical": _map("atypical_mitoses", _BOOL),
        "chapel_lvi": _map("vascular_invasion", _BOOL),
        "chapel_serosa": _map("serosal_abutment", _BOOL),
    }
    for s in SITES:
        rules[f"site_{s}"] = _map("site", {v: float(v == s) for v in _ALL_SITES})
    return rules


#: term -> how its value comes from one input column (as ``literature.model_design``)
TERM_RULES: dict[str, dict[str, Any]] = _rules()


def _groups(model: Any) -> dict[str, Any] | None:
    """Risk-group cut-points of the model (the constants its ``risk_groups`` states)."""
    c = _lit.constant
    if model.name == "sin2003":
        return {"labels": ["low", "high"], "cuts": [c("sin_high_from")], "strict": False, "tol": 0}
    if model.name == "chapel2022":
        cuts = [c("chapel_intermediate_from"), c("chapel_high_from")]
        return {"labels": ["low", "intermediate", "high"], "cuts": cuts, "strict": False, "tol": 0}
    try:
        # a slope-recalibrated model's LP is lp_scale x the published LP the cuts were set on
        scale = float(getattr(model, "lp_scale", 1.0))
        cuts = [scale * c(f"lp_tertile_{k}[{model.name}]") for k in (1, 2)]
    except (KeyError, LookupError):
        return None
    return {"labels": ["low", "intermediate", "high"], "cuts": cuts, "strict": True, "tol": 1e-9}


def _baseline(model: Any) -> dict[str, Any]:
    b = model.baseline
    if b.kind == "weibull":
        return {"kind": "weibull", "shape": float(b.shape), "scale": float(b.scale)}
    if b.kind in ("breslow", "efron"):
        return {"kind": "step", "time": list(map(float, b.times)), "cumhaz": list(b.cumhaz)}
    if b.kind == "groups":
        surv = [
            {"group": g, "time": float(t), "surv": float(s)}
            for g, by_t in b.group_surv.items()
            for t, s in by_t.items()
        ]
        return {"kind": "groups", "surv": surv}
    return {"kind": "none"}


def _default_patient() -> dict[str, Any]:
    patient: dict[str, Any] = {"age": 50.0, "size_cm": 3.0, "mitoses_per_2_4mm2": 0.0}
    patient.update({c: levels[0] for c, levels in CHOICES.items()})
    return patient


def _population(model: Any) -> dict[str, dict[str, Any]]:
    """Levels of each categorical input that the model scores as outside its population."""
    rows = []
    for col, levels in CHOICES.items():
        for lv in levels:
            rows.append({**_default_patient(), col: lv, "_probe": col})
    frame = pd.DataFrame(rows)
    res = model.score(frame, horizons=(), allow_endpoint_mismatch=True, time=None)
    out: dict[str, dict[str, Any]] = {}
    for r in res.dropped.itertuples(index=False):
        probed = frame.loc[r.row, "_probe"]
        if "population" not in str(r.reason) or r.column != probed:
            continue
        entry = out.setdefault(str(r.column), {"outside": [], "reason": str(r.reason)})
        entry["outside"].append(str(frame.loc[r.row, r.column]))
    return out


def _fields(
    columns: list[str],
    rules: list[dict[str, Any]],
    population: dict[str, dict[str, Any]],
    labels: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
) -> list[dict[str, Any]]:
    fields = []
    for col in columns:
        if col in CHOICES:
            f = field(col, "choice", levels=CHOICES[col], labels=labels)
        else:
            f = field(col, "number", labels=labels, units=units)
            cuts = sorted(
                {(r["type"], r["cut"]) for r in rules if r["column"] == col and "cut" in r},
                key=lambda rc: rc[1],
            )
            unit = f" {f['unit']}" if f["unit"] else ""
            f["hint"] = "the model uses: " + "; ".join(
                f"{_SIGN[kind]} {cut:g}{unit}" for kind, cut in cuts
            )
        if col in population:
            f["population"] = population[col]
            inside = [
                o["label"] for o in f["options"] if o["value"] not in population[col]["outside"]
            ]
            f["hint"] = "the model is for: " + ", ".join(inside)
        fields.append(f)
    return fields


def published_spec(
    model: Any,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The rules and numbers the page needs to recompute ``model.predict_survival``.

    Examples
    --------
    >>> from lms_prognosis.literature import published_model
    >>> spec = published_spec(published_model("gustafson1992"))
    >>> [t["rule"]["column"] for t in spec["terms"]]
    ['age', 'vascular_invasion', 'aneuploidy', 'necrosis']
    >>> spec["baseline"]["kind"], spec["groups"]["labels"]
    ('weibull', ['low', 'intermediate', 'high'])
    """
    coef = model.coefficients
    unknown = [t for t in coef.index if t not in TERM_RULES]
    if unknown:
        raise ExportError(
            f"{model.name}: the calculator page cannot code the term(s) {unknown} yet"
        )
    terms = [{"term": t, "coef": float(b), "rule": TERM_RULES[t]} for t, b in coef.items()]
    population = _population(model)
    inputs = list(dict.fromkeys(t["rule"]["column"] for t in terms))
    columns = inputs + [c for c in population if c not in inputs]
    slope = model.calibration_slope
    return {
        "type": "published",
        "model_kind": getattr(model, "model_type", model.kind),  # "cox" or "points"
        "terms": terms,
        "slope": None if slope is None or math.isnan(slope) else float(slope),
        "baseline": _baseline(model),
        "groups": _groups(model),
        "fields": _fields(columns, [t["rule"] for t in terms], population, labels, units),
        "conf_type": None,
    }
