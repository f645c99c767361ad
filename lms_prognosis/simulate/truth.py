"""What generated a simulated cohort: :class:`Truth` (true HRs, baseline and per-patient
survival), built by :func:`make_truth` and carried by the cohort as ``Cohort.truth``.

Examples
--------
>>> from lms_prognosis.simulate import simulate_cohort
>>> simulate_cohort(20, seed=1).truth.endpoint
'DSS'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from lms_prognosis._results import Result
from lms_prognosis.literature.design import model_design
from lms_prognosis.simulate.covariates import SITE_SHARES
from lms_prognosis.simulate.hazards import GOMPERTZ_B, GOMPERTZ_H60

__all__ = ["Truth", "make_truth", "fit_terms"]


@dataclass(repr=False, eq=False)
class Truth(Result):
    """What generated a simulated cohort: true effects, baseline and per-patient survival.

    ``log_hr``/``hr`` are indexed by the term names ``fit_cox`` produces on
    :meth:`design_frame` (e.g. ``age_ge_60``, ``grade[2]``); ``survival`` has patient_id,
    linear_predictor and the true disease-specific survival ``surv_12m``, ``surv_36m``,
    ``surv_60m`` (net of other causes; for endpoint OS also ``os_surv_*``). ``table`` is
    term, log_hr, hr.

    Examples
    --------
    >>> from lms_prognosis.simulate import simulate_cohort
    >>> t = simulate_cohort(100, seed=1).truth
    >>> t.table.loc[t.table["term"] == "grade[3]", "hr"].round(2).tolist()
    [3.0]
    """

    _title: ClassVar[str] = "Truth"

    model: str
    profile: str
    endpoint: str
    log_hr: pd.Series
    covariates: list[str]
    baseline: dict[str, Any]
    survival: pd.DataFrame
    parameters: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def hr(self) -> pd.Series:
        """True hazard ratios by term."""
        return pd.Series(np.exp(self.log_hr.to_numpy(float)), index=self.log_hr.index)

    @property
    def linear_predictor(self) -> np.ndarray:
        """True linear predictor of every patient."""
        return self.survival["linear_predictor"].to_numpy()

    @property
    def table(self) -> pd.DataFrame:
        """term, log_hr, hr."""
        return pd.DataFrame(
            {"term": self.log_hr.index, "log_hr": self.log_hr.to_numpy(), "hr": self.hr.to_numpy()}
        )

    def design_frame(self, data: pd.DataFrame) -> pd.DataFrame:
        """time, event and the model covariates (booleans, categorical grade) for ``fit_cox``.

        Examples
        --------
        >>> from lms_prognosis.simulate import simulate_cohort
        >>> c = simulate_cohort(50, seed=2)
        >>> list(c.truth.design_frame(c.data).columns)[:4]
        ['time', 'event', 'age_ge_60', 'vascular_invasion']
        """
        d = model_design(data)
        out = pd.DataFrame(
            {"time": data["time"].to_numpy(), "event": data["event"].to_numpy()}, index=data.index
        )
        for cov in self.covariates:
            if cov == "grade":
                out["grade"] = data["grade"].astype(pd.CategoricalDtype(["1", "2", "3"]))
            elif cov == "marker":
                out["marker"] = data["marker"].astype("boolean")
            else:
                out[cov] = d[cov].astype("boolean")
        return out

    def _heading(self) -> str:
        return (
            f"Truth: model={self.model!r}, profile={self.profile!r}, endpoint="
            f"{self.endpoint}, n={len(self.survival)}"
        )

    def _summary_lines(self) -> list[str]:
        return [
            f"baseline: {self.baseline['description']}",
            f"mean true 5-y DSS in this sample: {self.survival['surv_60m'].mean():.3f}",
        ]


def fit_terms(profile: str, model: str, log_hr: pd.Series) -> list[str]:
    """``fit_cox`` covariates for the true terms (grade once; sites absent from the profile out)."""
    covs = []
    for term in log_hr.index:
        if term.startswith("grade["):
            if "grade" not in covs:
                covs.append("grade")
        elif term == "marker":
            covs.append(term)
        elif term.startswith("site_"):
            if term[5:] in SITE_SHARES[profile]:
                covs.append(term)
        else:
            covs.append(term)
    return covs


def make_truth(
    data: pd.DataFrame,
    lp: np.ndarray,
    log_hr: pd.Series,
    scale: float,
    shape: float,
    model: str,
    profile: str,
    endpoint: str,
    target: float,
    params: dict[str, Any],
) -> Truth:
    """The :class:`Truth` of a drawn cohort: true survival at 12/36/60 months per patient."""
    surv = pd.DataFrame({"patient_id": data["patient_id"].to_numpy(), "linear_predictor": lp})
    elp = np.exp(lp)
    for t in (12, 36, 60):
        surv[f"surv_{t}m"] = np.exp(-((t / scale) ** shape) * elp)
    if endpoint == "OS":
        h_age = GOMPERTZ_H60 * np.exp(GOMPERTZ_B * (data["age"].to_numpy() - 60.0))
        for t in (12, 36, 60):
            s_oth = np.exp(-h_age / GOMPERTZ_B * np.expm1(GOMPERTZ_B * t / 12.0))
            surv[f"os_surv_{t}m"] = surv[f"surv_{t}m"] * s_oth
    base = {
        "distribution": "weibull",
        "shape": shape,
        "scale_months": scale,
        "S0_60m": math.exp(-((60 / scale) ** shape)),
        "target_population_5y_dss": target,
        "description": f"Weibull H0(t) = (t/{scale:.1f})^{shape:g} (t in months), reference "
        f"S0(60) = {math.exp(-((60 / scale) ** shape)):.4f}, scaled to somatic "
        f"population 5-y DSS {target:g} [D]",
    }
    return Truth(
        model, profile, endpoint, log_hr, fit_terms(profile, model, log_hr), base, surv, params
    )
