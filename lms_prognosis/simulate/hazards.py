"""The true hazards of a simulated cohort: the parameter set's log hazard ratios, the linear
predictor, the Weibull baseline calibrated to a population 5-y DSS, and the Gompertz
other-cause hazard.

The disease-specific hazard is h(t | x) = h0(t) exp(x'beta) with H0(t) = (t / scale)^shape
(t in months, shape 0.8, domain brief section 6.3 [D]); the HRs are the published parameter sets
of :data:`lms_prognosis.literature.data.FACTORS` (``lms_default`` or ``gustafson1992``, domain
section 6.2).

Other-cause mortality is a Gompertz hazard in attained age, h(age) = 0.008 exp(0.09 (age - 60))
per year (:data:`OTHER_CAUSE`). It is a **design value [D]**: the domain brief (section 6)
proposes "a Gompertz hazard or a national life table" but cites no life table. As a check, not
a source: at ages 60-80 it lies between the female and male rates of the US 2010 life table
shipped with R (``survival::survexp.us``; within 10% of their mean), and below both at 85+
(tests/reference/other_cause_mortality.R). :func:`true_cif` gives the true cumulative
incidence of both causes.

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

from lms_prognosis.exceptions import LMSPrognosisError, PopulationError
from lms_prognosis.literature import data as _lit
from lms_prognosis.simulate.covariates import SITE_SHARES, draw_covariates

__all__ = [
    "log_hazard_ratios",
    "check_population",
    "UTERINE_TERMS",
    "linear_predictor",
    "baseline_scale",
    "OTHER_CAUSE",
    "other_cause_cumhaz",
    "true_cif",
]

GOMPERTZ_H60, GOMPERTZ_B = 0.008, 0.09  # [D] other-cause hazard per year at 60, log-slope/year
#: the other-cause (background) mortality of simulated cohorts, with its provenance
OTHER_CAUSE = {
    "distribution": "gompertz",
    "hazard_per_year_at_60": GOMPERTZ_H60,
    "log_slope_per_year_of_age": GOMPERTZ_B,
    "source": "design value [D]: domain brief section 6 proposes a Gompertz hazard or a "
    "national life table but cites no life table; 0.008/year at age 60 rising 9% per year "
    "of age is a round value. Checked, not fitted: between the female and male rates of the "
    "US 2010 life table (R survival::survexp.us) at ages 60-80",
}
#: true effects of the uterine-specific terms (all-site profile; uterine rows only, where the
#: FNCLCC grade terms are 0): (HR, basis). Design values [D]; the HRs were calibrated
#: (benchmarks/bench_simulate_targets.py) so that, with the lms_default site term for uterus
#: (2.0), the uterine 5-y DSS is about 0.50 (domain 6.3: uterine 5-y OS 46-50% [V]).
UTERINE_TERMS: dict[str, tuple[float, str]] = {
    "uterus_mitoses_ge_20": (
        2.5,
        "design value [D]: mitoses >= 20/10 HPF vs fewer, uterine LMS; domain 6.2 gives HR about "
        "1.8 for >= 20 vs < 10 without grade [U]; mitotic count prognostic in uterine LMS "
        "(Pautier 2000; Gynecol Oncol 1999 [V]); raised to 2.5, with stage II 2.5, so that uterine 5-y DSS is 0.50 (was 0.539 with 2.2 / 2.0)",
    ),
    "uterus_stage_ii": (
        2.5,
        "design value [D]: FIGO stage II vs I; stage independent in Rare Cancer Network 2017 "
        "and Pautier 2000 [V]; size of effect [U]",
    ),
}
_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
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


def check_population(model: str, profile: str) -> None:
    """Refuse a parameter set outside the population it describes.

    A profile may include a site only if the model's population covers it or the model has a
    term for that site. ``gustafson1992`` (extremity and trunk wall, no site terms) is refused
    for the all-site profile: inventing site terms would no longer be Gustafson's model, and
    without them its uterine and retroperitoneal patients get somatic survival (uterine 5-y DSS
    0.83 against about 0.50). ``default`` (``lms_default``) has design-value site terms.
    """
    key = "lms_default" if model in ("default", "lms_default") else model
    info = _lit.MODEL_INFO[key]
    terms = {r.term for r in _lit.FACTORS if r.model == key}
    outside = [
        s
        for s in SITE_SHARES[profile]
        if s not in info["population"].sites and f"site_{s}" not in terms
    ]
    if outside:
        raise PopulationError(
            f"model={model!r} was developed in {info['population'].description} and has no "
            f"terms for {', '.join(outside)}, which profile={profile!r} includes; simulate "
            f"profile='somatic' with it, or model='default' (design values with site terms)"
        )


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

    # here, not at the top: scipy.optimize costs 0.2-0.3 s to import, and the report and
    # the command line import this module without simulating
    from scipy.optimize import brentq

    return math.exp(brentq(gap, math.log(10.0), math.log(1e9), xtol=1e-12))


def other_cause_cumhaz(age: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Other-cause cumulative hazard from diagnosis at ``age`` (years) to ``t`` months after.

    Gompertz in attained age: H(t) = h(age) / b (exp(b t / 12) - 1), h(age) = 0.008
    exp(0.09 (age - 60)) per year ([D], :data:`OTHER_CAUSE`). Broadcasts ``age`` against ``t``.

    Examples
    --------
    >>> round(float(other_cause_cumhaz(np.array(60.0), np.array(12.0))), 5)
    0.00837
    """
    h_age = GOMPERTZ_H60 * np.exp(GOMPERTZ_B * (np.asarray(age, float) - 60.0))
    return h_age / GOMPERTZ_B * np.expm1(GOMPERTZ_B * np.asarray(t, float) / 12.0)


def true_cif(
    lp: np.ndarray, age: np.ndarray, scale: float, shape: float, times: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """True cumulative incidence of LMS death (cause 1) and other-cause death (cause 2).

    Returns two arrays of shape (patients, times). With S1 the disease-specific and S2 the
    other-cause survival, F2(t) = int_0^t h2(u) S1(u) S2(u) du (64-point Gauss-Legendre in
    v = sqrt(u / t), which removes the u^0.8 kink of S1 at 0) and F1(t) = 1 - S1(t) S2(t) -
    F2(t). Censoring plays no part: these are the quantities an Aalen-Johansen estimate
    targets.

    Examples
    --------
    >>> f1, f2 = true_cif(np.zeros(1), np.full(1, 60.0), 600.0, 1.0, np.array([60.0]))
    >>> round(float(f1[0, 0]), 4), round(float(f2[0, 0]), 4)
    (0.093, 0.0467)
    """
    lp = np.asarray(lp, float)[:, None, None]
    age = np.asarray(age, float)[:, None, None]
    t = np.asarray(times, float)[None, :, None]
    v = (_NODES[None, None, :] + 1.0) / 2.0  # (0, 1)
    u = t * v**2
    h_age = GOMPERTZ_H60 * np.exp(GOMPERTZ_B * (age - 60.0))
    h2 = h_age * np.exp(GOMPERTZ_B * u / 12.0) / 12.0  # per month
    s1 = np.exp(-((u / scale) ** shape) * np.exp(lp))
    s2 = np.exp(-other_cause_cumhaz(age, u))
    f2 = np.sum(_WEIGHTS * h2 * s1 * s2 * 2.0 * t * v, axis=-1) / 2.0
    t2 = t[..., 0]
    s_all = np.exp(-((t2 / scale) ** shape) * np.exp(lp[..., 0])) * np.exp(
        -other_cause_cumhaz(age[..., 0], t2)
    )
    return 1.0 - s_all - f2, f2
