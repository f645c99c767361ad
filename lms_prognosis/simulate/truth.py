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
from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.literature.design import column, model_design
from lms_prognosis.simulate.covariates import SITE_SHARES, UTERINE_MITOSES_CUT
from lms_prognosis.simulate.events import (
    LOCAL_RECURRENCE_TERMS,
    LR_SHAPE,
    lr_scale,
    mfs_survival,
)
from lms_prognosis.simulate.hazards import OTHER_CAUSE, other_cause_cumhaz, true_cif

__all__ = ["Truth", "make_truth", "fit_terms"]


@dataclass(repr=False, eq=False)
class Truth(Result):
    """What generated a simulated cohort: true effects, baseline and per-patient survival.

    ``log_hr``/``hr`` are indexed by the term names ``fit_cox`` produces on
    :meth:`design_frame` (e.g. ``age_ge_60``, ``grade[2]``); ``survival`` has patient_id,
    linear_predictor and the true disease-specific survival ``surv_12m``, ``surv_36m``,
    ``surv_60m`` (net of other causes; for endpoint OS also ``os_surv_*``; with competing
    risks also the true cumulative incidences ``cif1_*`` of LMS death and ``cif2_*`` of
    other-cause death at 12/36/60 months). :meth:`cif` and :meth:`population_cif` give the
    true cumulative incidences at any times; ``other_cause`` is the other-cause mortality
    with its provenance. ``table`` is term, log_hr, hr.

    Examples
    --------
    >>> from lms_prognosis.simulate import simulate_cohort
    >>> t = simulate_cohort(100, seed=1).truth
    >>> t.table.loc[t.table["term"] == "grade[3]", "hr"].round(2).tolist()
    [2.54]
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
    age: np.ndarray | None = None
    other_cause: dict[str, Any] | None = None

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

    def cif(self, times: Any) -> pd.DataFrame:
        """True cumulative incidence per patient: patient_id, time, cause, cif (long).

        Cause 1 is death from LMS, cause 2 death from other causes (the Gompertz design
        value of ``other_cause``); without other-cause deaths (``competing_risks=False``,
        endpoint DSS) cause 2 is 0 and cause 1 is 1 - S(t).

        Examples
        --------
        >>> from lms_prognosis.simulate import simulate_cohort
        >>> t = simulate_cohort(5, competing_risks=True, seed=1).truth
        >>> t.cif([12, 60]).shape
        (20, 4)
        """
        times_a = np.atleast_1d(np.asarray(times, dtype=float))
        f1, f2 = self._cif_arrays(times_a)
        ids = self.survival["patient_id"].to_numpy()
        parts = [
            pd.DataFrame(
                {
                    "patient_id": np.repeat(ids, times_a.size),
                    "time": np.tile(times_a, ids.size),
                    "cause": k,
                    "cif": f.ravel(),
                }
            )
            for k, f in ((1, f1), (2, f2))
        ]
        return pd.concat(parts, ignore_index=True)

    def population_cif(self, times: Any) -> pd.DataFrame:
        """True cumulative incidence averaged over this cohort's patients: time, cif1, cif2.

        This is what an Aalen-Johansen estimate on the cohort targets (the expectation over
        the drawn covariates), whatever the censoring.

        Examples
        --------
        >>> from lms_prognosis.simulate import simulate_cohort
        >>> pc = simulate_cohort(200, competing_risks=True, seed=1).truth.population_cif([60])
        >>> list(pc.columns), bool(pc["cif1"].iloc[0] > pc["cif2"].iloc[0] > 0)
        (['time', 'cif1', 'cif2'], True)
        """
        times_a = np.atleast_1d(np.asarray(times, dtype=float))
        f1, f2 = self._cif_arrays(times_a)
        return pd.DataFrame({"time": times_a, "cif1": f1.mean(axis=0), "cif2": f2.mean(axis=0)})

    def _cif_arrays(self, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.endpoint == "OS":
            raise LMSPrognosisError(
                "endpoint 'OS' counts every death as event 1: there is no competing cause; "
                "simulate with endpoint='DSS', competing_risks=True"
            )
        if self.endpoint != "DSS":
            raise LMSPrognosisError(
                f"the true cumulative incidence is given for endpoint 'DSS' only, not "
                f"{self.endpoint!r}; the net survival of the endpoint is in truth.survival "
                f"({self.endpoint.lower()}_surv_*)"
            )
        lp = self.linear_predictor
        scale, shape = self.baseline["scale_months"], self.baseline["shape"]
        if self.other_cause is None or self.age is None:
            s1 = np.exp(-((times[None, :] / scale) ** shape) * np.exp(lp)[:, None])
            return 1.0 - s1, np.zeros_like(s1)
        return true_cif(lp, self.age, scale, shape, times)

    def design_matrix(self, data: pd.DataFrame) -> pd.DataFrame:
        """The true model's terms (floats) computed from the cohort's columns.

        As :func:`~lms_prognosis.literature.model_design`, except that uterine rows have
        grade terms 0 (the FNCLCC grade is not assigned to them) and the uterine-specific
        terms ``uterus_mitoses_ge_20`` and ``uterus_stage_ii`` are added (all-site profile).
        ``design_matrix(data)[log_hr.index] @ log_hr`` is the true linear predictor.

        Examples
        --------
        >>> from lms_prognosis.simulate import simulate_cohort
        >>> c = simulate_cohort(300, profile="all_site", seed=2)
        >>> x = c.truth.design_matrix(c.data)[c.truth.log_hr.index]
        >>> bool(np.allclose(x.to_numpy() @ c.truth.log_hr.to_numpy(), c.truth.linear_predictor))
        True
        """
        d = model_design(data)
        uterine = (d["site_uterus"] == 1).to_numpy()
        for g in ("grade[2]", "grade[3]"):
            d[g] = np.where(uterine, 0.0, d[g].to_numpy())
        mit = pd.to_numeric(column(data, "mitoses_per_10hpf"), errors="coerce").to_numpy(float)
        d["uterus_mitoses_ge_20"] = np.where(
            uterine,
            np.where(np.isnan(mit), np.nan, (mit >= UTERINE_MITOSES_CUT).astype(float)),
            0.0,
        )
        stage = data["figo_stage"].astype(object) if "figo_stage" in data else None
        d["uterus_stage_ii"] = np.where(
            uterine, (stage == "II").to_numpy(float) if stage is not None else np.nan, 0.0
        )
        return d

    def design_frame(self, data: pd.DataFrame) -> pd.DataFrame:
        """time, event and the model covariates (booleans, categorical grade) for ``fit_cox``.

        Examples
        --------
        >>> from lms_prognosis.simulate import simulate_cohort
        >>> c = simulate_cohort(50, seed=2)
        >>> list(c.truth.design_frame(c.data).columns)[:4]
        ['time', 'event', 'age_ge_60', 'vascular_invasion']
        """
        d = self.design_matrix(data)
        out = pd.DataFrame(
            {"time": data["time"].to_numpy(), "event": data["event"].to_numpy()}, index=data.index
        )
        for cov in self.covariates:
            if cov == "grade":  # uterine rows: not applicable, coded as the reference level
                grade = data["grade"].astype(pd.CategoricalDtype(["1", "2", "3"]))
                out["grade"] = grade.where(d["site_uterus"].to_numpy() != 1, "1")
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
    lp_lr: np.ndarray | None = None,
) -> Truth:
    """The :class:`Truth` of a drawn cohort: true survival at 12/36/60 months per patient
    (``surv_*`` disease-specific; ``mfs_surv_*`` / ``lrfs_surv_*`` for those endpoints, net
    of death from other causes)."""
    surv = pd.DataFrame({"patient_id": data["patient_id"].to_numpy(), "linear_predictor": lp})
    elp = np.exp(lp)
    for t in (12, 36, 60):
        surv[f"surv_{t}m"] = np.exp(-((t / scale) ** shape) * elp)
    age = data["age"].to_numpy(dtype=float)
    if endpoint == "OS":
        for t in (12, 36, 60):
            s_oth = np.exp(-other_cause_cumhaz(age, np.array(float(t))))
            surv[f"os_surv_{t}m"] = surv[f"surv_{t}m"] * s_oth
    if endpoint == "MFS":
        mfs = mfs_survival(lp, scale, shape, np.array([12.0, 36.0, 60.0]))
        for j, t in enumerate((12, 36, 60)):
            surv[f"mfs_surv_{t}m"] = mfs[:, j]
    if endpoint == "LRFS" and lp_lr is not None:
        surv["lr_linear_predictor"] = lp_lr
        for t in (12, 36, 60):
            surv[f"lrfs_surv_{t}m"] = np.exp(-((t / lr_scale()) ** LR_SHAPE) * np.exp(lp_lr))
        params = {
            **params,
            "local_recurrence": {
                "hazard_ratios": {k: v[0] for k, v in LOCAL_RECURRENCE_TERMS.items()},
                "shape": LR_SHAPE,
                "scale_months": lr_scale(),
            },
        }
    competing = bool(params.get("competing_risks"))
    if competing and endpoint == "DSS":
        f1, f2 = true_cif(lp, age, scale, shape, np.array([12.0, 36.0, 60.0]))
        for j, t in enumerate((12, 36, 60)):
            surv[f"cif1_{t}m"] = f1[:, j]
            surv[f"cif2_{t}m"] = f2[:, j]
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
    simulated_other = (competing and endpoint == "DSS") or endpoint == "OS"
    return Truth(
        model,
        profile,
        endpoint,
        log_hr,
        fit_terms(profile, model, log_hr),
        base,
        surv,
        params,
        age=age if simulated_other else None,
        other_cause=dict(OTHER_CAUSE) if simulated_other else None,
    )
