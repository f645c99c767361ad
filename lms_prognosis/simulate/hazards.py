"""The true hazards of a simulated cohort: the parameter set's log hazard ratios, the linear
predictor, the Weibull baseline calibrated to a population 5-y DSS, and the Gompertz
other-cause hazard.

The disease-specific hazard is h(t | x) = h0(t) exp(x'beta) with H0(t) = (t / scale)^shape
(t in months, shape 0.8, domain brief section 6.3 [D]); the HRs are the published parameter sets
of :data:`lms_prognosis.literature.data.FACTORS` (``lms_default`` or ``gustafson1992``, domain
section 6.2).

Examples
--------
>>> log_hazard_ratios("gustafson1992", None).round(3).to_dict()["age_ge_60"]
2.079
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
from scipy import optimize

from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.literature import data as _lit
from lms_prognosis.simulate.covariates import draw_covariates

__all__ = ["log_hazard_ratios", "linear_predictor", "baseline_scale"]

GOMPERTZ_H60, GOMPERTZ_B = 0.008, 0.09  # [D] other-cause hazard per year at 60, log-slope/year
#: the fixed somatic reference draw the baseline is calibrated on (shared by every profile and seed)
REFERENCE_SEED, REFERENCE_N = 20261124, 200_000


def log_hazard_ratios(model: str, hazard_ratios: dict[str, float] | None) -> pd.Series:
    """True log-HRs by term of parameter set ``model``, with ``hazard_ratios`` overriding."""
    key = {
        "default": "lms_default",
        "lms_default": "lms_default",
        "gustafson1992": "gustafson1992",
    }.get(model)
    if key is None:
        raise LMSPrognosisError(f"model must be 'default' or 'gustafson1992', not {model!r}")
    b = pd.Series({r.term: math.log(r.value) for r in _lit.FACTORS if r.model == key})
    for term, hr in (hazard_ratios or {}).items():
        if term not in b.index:
            raise LMSPrognosisError(
                f"unknown term {term!r} for model {model!r}; terms: {list(b.index)}"
            )
        if not hr > 0:
            raise LMSPrognosisError(f"hazard ratio for {term!r} must be > 0, got {hr!r}")
        b[term] = math.log(hr)
    return b


def linear_predictor(design: dict[str, np.ndarray], log_hr: pd.Series) -> np.ndarray:
    """x'beta of every patient from the model-design indicators of :func:`draw_covariates`."""
    lp = np.zeros(len(design["deep"]))
    for term, b in zip(log_hr.index, log_hr.to_numpy(), strict=True):
        lp += b * design[str(term)]
    return lp


@functools.lru_cache(maxsize=32)
def baseline_scale(
    model: str,
    overrides: tuple,
    target: float,
    shape: float,
    marker: tuple[float, float] | None = None,
) -> float:
    """Weibull scale (months) giving mean S(60 months) = target in the somatic population
    (averaged exactly over an independent marker (hr, prevalence) when one is added)."""
    rng = np.random.default_rng(REFERENCE_SEED)
    lp = linear_predictor(
        draw_covariates(REFERENCE_N, "somatic", rng)[1], log_hazard_ratios(model, dict(overrides))
    )
    elp = np.exp(lp)
    m_hr, m_p = marker if marker is not None else (1.0, 0.0)

    def gap(log_scale: float) -> float:
        h = (60.0 / math.exp(log_scale)) ** shape * elp
        return float(np.mean((1 - m_p) * np.exp(-h) + m_p * np.exp(-h * m_hr)) - target)

    return math.exp(optimize.brentq(gap, math.log(10.0), math.log(1e9), xtol=1e-12))
