"""The per-patient table a published model returns, with where its numbers come from.

Private to :mod:`lms_prognosis.literature`. Each row carries the model's name, kind
(``published`` or ``design``), endpoint, population and source as columns, so a predictions
file read on its own (or sorted, filtered, merged) still says which model made it, for whom,
for which endpoint, and on what evidence. Probabilities are kept at full precision here (the
data); tables printed for people round them (:func:`display_frame`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.literature._risk_groups import risk_group
from lms_prognosis.literature._scoring import Marginal

#: provenance columns of every per-patient table (after the risks)
PROVENANCE = ("model", "model_kind", "endpoint", "population", "source")
#: decimals of probabilities in tables shown to people (files keep full precision)
DISPLAY_DECIMALS = 3


def provenance(model: Any) -> dict[str, str]:
    """Model name, kind, endpoint, population and short source of a published model.

    Examples
    --------
    >>> from lms_prognosis.literature import published_model
    >>> provenance(published_model("gustafson1992"))["population"]
    'extremity, trunk wall leiomyosarcoma'
    """
    pop = model.population
    return {
        "model": model.name,
        "model_kind": model.kind,
        "endpoint": model.endpoint,
        "population": f"{pop.sites_text} {pop.histology}",
        "source": model.citation,
    }


def _survival(model: Any, eff: np.ndarray, group: np.ndarray, t: float, marg: Marginal) -> Any:
    base = model.baseline
    if base.kind == "groups":
        return np.array([base.group_surv.get(g, {}).get(t, np.nan) for g in group])
    h0 = float(base.cumhaz_at([t])[0])
    s = np.exp(-h0 * np.exp(eff))
    for i in np.flatnonzero(marg.index >= 0):  # S(t) = sum_k w_k S(t | x_k)
        mix = marg.mixes[marg.index[i]]
        s[i] = float(mix.weights @ np.exp(-h0 * np.exp(eff[i] - mix.mean + mix.deltas)))
    return s


def risk_table(
    model: Any,
    pid: np.ndarray,
    lp: np.ndarray,
    index: pd.Index,
    horizons: Sequence[float],
    marg: Marginal,
) -> pd.DataFrame:
    """patient_id, linear_predictor, relative_risk, risk_group, surv_<h>m, baseline,
    marginalised, then the provenance columns."""
    points = model.model_type == "points"
    eff = lp * (model.calibration_slope or 1.0) if points else lp
    rr = np.exp(eff) if (not points or model.calibration_slope) else np.nan * lp
    # after a slope recalibration (lp = b x published LP) the groups stay those of the
    # published linear predictor, on which their cut-points were set
    group = risk_group(model.name, lp / getattr(model, "lp_scale", 1.0))
    cols: dict[str, Any] = {
        "patient_id": pid,
        "linear_predictor": lp,
        "relative_risk": rr,
        "risk_group": group,
    }
    for h in horizons:  # built in one go: one insert per horizon fragments the frame
        cols[f"surv_{h:g}m"] = _survival(model, eff, np.asarray(group), float(h), marg)
    cols["baseline"] = model.baseline.kind
    cols["marginalised"] = marg.columns
    cols.update(provenance(model))
    return pd.DataFrame(cols, index=index)


def long_survival(table: pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
    """Long table from a risk table: patient (index), patient_id, time, surv, std_err, lower,
    upper, cumhaz (no CIs: published values carry no usable variance)."""
    rows = []
    for t in times:
        s = table[f"surv_{t:g}m"].to_numpy()
        rows.append(
            pd.DataFrame(
                {
                    "patient": table.index,
                    "patient_id": table["patient_id"],
                    "time": float(t),
                    "surv": s,
                    "std_err": np.nan,
                    "lower": np.nan,
                    "upper": np.nan,
                    "cumhaz": -np.log(s),
                }
            )
        )
    return (
        pd.concat(rows, ignore_index=True)
        .sort_values(["patient", "time"], kind="stable")
        .reset_index(drop=True)
    )


def display_frame(table: pd.DataFrame, decimals: int = DISPLAY_DECIMALS) -> pd.DataFrame:
    """The table for people: probabilities and risks rounded, provenance columns left out.

    Examples
    --------
    >>> display_frame(pd.DataFrame({"surv_60m": [0.123456], "model": ["m"]}))
       surv_60m
    0     0.123
    """
    out = table.drop(columns=[c for c in PROVENANCE if c in table.columns])
    num = out.select_dtypes("number").columns
    return out.assign(**{c: out[c].round(decimals) for c in num})
