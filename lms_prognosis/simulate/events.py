"""Local recurrence and distant metastasis in simulated cohorts: the MFS and LRFS endpoints.

**Distant metastasis** lies on the path to death from LMS: every LMS death is preceded by a
metastasis, found a post-metastasis survival W earlier. W is exponential with median 18
months (somatic LMS that later metastasised: median survival 1.5 years after the metastasis,
domain 2.1 [V]; the exponential shape is a design value [D]), capped at 90% of the time to
LMS death so that a metastasis never falls at surgery (a localised cohort): T_m = T_d -
min(W, 0.9 T_d). The disease-specific death time T_d is the Weibull proportional-hazards time
of :mod:`~lms_prognosis.simulate.cohorts`, so the DSS truth is untouched; the metastasis-free
survival of a patient is then S_M(t) = S_d(t) - int_t^{10 t} exp(-lambda (s - t)) f_d(s) ds
(:func:`mfs_survival`), not proportional hazards in general.

**Local recurrence** is a second Weibull proportional-hazards process (shape 0.8 [D]),
independent of metastasis and death given the covariates, with its own design-value effects
(:data:`LOCAL_RECURRENCE_TERMS`: margin above all, domain 2.1-2.2, 6.2) and a baseline
scaled so that the somatic population is free of local recurrence at 5 years with probability
0.88 (:data:`LR_TARGET_5Y`; Svarvar 2007: 84% free of local recurrence at 10 years [V]; the
5-year value is derived [D]).

Examples
--------
>>> import numpy as np
>>> t_m = metastasis_times(np.array([100.0, 5.0]), np.random.default_rng(1))
>>> bool(t_m[0] < 100.0 and 0.5 <= t_m[1] < 5.0)
True
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd

from lms_prognosis.simulate.covariates import draw_covariates

__all__ = [
    "POST_METASTASIS_MEDIAN_MONTHS",
    "METASTASIS_LEAD_CAP",
    "LOCAL_RECURRENCE_TERMS",
    "LR_TARGET_5Y",
    "LR_SHAPE",
    "metastasis_times",
    "lr_log_hazard_ratios",
    "lr_linear_predictor",
    "lr_scale",
    "mfs_survival",
]

POST_METASTASIS_MEDIAN_MONTHS = 18.0  # [V] median 1.5 y after metastasis (somatic 164 series)
METASTASIS_LEAD_CAP = 0.9  # [D] metastasis found no earlier than 10% of the way to LMS death
LR_TARGET_5Y = 0.88  # [D] from Svarvar 2007, 84% free of local recurrence at 10 y [V]
LR_SHAPE = 0.8  # [D] as the DSS baseline (domain 6.3)
#: true effects on local recurrence: term -> (HR, basis); design values [D]
LOCAL_RECURRENCE_TERMS: dict[str, tuple[float, str]] = {
    "margin_positive": (
        3.0,
        "design value [D]: domain 6.2 'use about 3-5 for local recurrence'; uterine LMS "
        "positive margin HR 5.6 for local recurrence (Wong 2013 [V]); local recurrence "
        "predicted by margin (Gladdy 2013) and inadequate local treatment (Svarvar 2007) [V]",
    ),
    "size_gt_5": (
        1.5,
        "design value [D]: local recurrence predicted by size (Gladdy 2013 [V]); size of "
        "effect [U]",
    ),
    "grade[3]": (1.5, "design value [D]: grade 3 vs 1; size of effect [U]"),
    "site_retroperitoneum": (
        2.5,
        "design value [D]: recurrence 51% abdominal/RP vs 33% extremity (Gladdy 2013 [V]), "
        "mostly local in the retroperitoneum",
    ),
}
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
_REFERENCE_SEED, _REFERENCE_N = 20261124, 200_000  # as the DSS baseline (hazards.py)


def metastasis_times(t_dss: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Time of distant metastasis (months) from the time of LMS death: T_d - min(W, 0.9 T_d)."""
    w = rng.standard_exponential(t_dss.shape[0]) * POST_METASTASIS_MEDIAN_MONTHS / math.log(2)
    return np.asarray(t_dss - np.minimum(w, METASTASIS_LEAD_CAP * t_dss))


def lr_log_hazard_ratios() -> pd.Series:
    """True log-HRs of local recurrence by term (:data:`LOCAL_RECURRENCE_TERMS`)."""
    return pd.Series({k: math.log(v[0]) for k, v in LOCAL_RECURRENCE_TERMS.items()})


def lr_linear_predictor(design: dict[str, np.ndarray]) -> np.ndarray:
    """x'beta of local recurrence from the design indicators of ``draw_covariates``."""
    b = lr_log_hazard_ratios()
    lp = np.zeros(len(design["deep"]))
    for term, coef in b.items():
        lp += coef * design[str(term)]
    return lp


@functools.lru_cache(maxsize=4)
def lr_scale(target: float = LR_TARGET_5Y, shape: float = LR_SHAPE) -> float:
    """Weibull scale (months) of local recurrence: mean S_LR(60) = ``target``, somatic."""
    rng = np.random.default_rng(_REFERENCE_SEED)
    elp = np.exp(lr_linear_predictor(draw_covariates(_REFERENCE_N, "somatic", rng)[1]))

    def gap(log_scale: float) -> float:
        return float(np.mean(np.exp(-((60.0 / math.exp(log_scale)) ** shape) * elp)) - target)

    # here, not at the top: scipy.optimize costs 0.2-0.3 s to import, and the report and
    # the command line import this module without simulating
    from scipy.optimize import brentq

    return math.exp(brentq(gap, math.log(10.0), math.log(1e9), xtol=1e-12))


def mfs_survival(lp: np.ndarray, scale: float, shape: float, times: np.ndarray) -> np.ndarray:
    """True metastasis-free survival (net of other causes), shape (patients, times).

    S_M(t) = S_d(t) - int_t^{t / (1 - cap)} exp(-lambda (s - t)) f_d(s) ds with f_d the
    Weibull PH density of LMS death and lambda = log 2 / 18 per month (64-point
    Gauss-Legendre).

    Examples
    --------
    >>> s = mfs_survival(np.zeros(1), 600.0, 1.0, np.array([60.0]))
    >>> bool(s[0, 0] < float(np.exp(-0.1)))
    True
    """
    lam = math.log(2) / POST_METASTASIS_MEDIAN_MONTHS
    elp = np.exp(np.asarray(lp, float))[:, None, None]
    t = np.asarray(times, float)[None, :, None]
    hi = t / (1.0 - METASTASIS_LEAD_CAP)
    s = t + (hi - t) * (_NODES[None, None, :] + 1.0) / 2.0
    cum = (s / scale) ** shape * elp
    dens = shape / scale * (s / scale) ** (shape - 1.0) * elp * np.exp(-cum)
    integral = np.sum(_WEIGHTS * np.exp(-lam * (s - t)) * dens, axis=-1) * (hi - t)[..., 0] / 2
    s_d = np.exp(-((t[..., 0] / scale) ** shape) * elp[..., 0])
    return np.asarray(s_d - integral)
