"""Calibrated synthetic LMS cohorts with known truth: :func:`simulate_cohort`.

``simulate_cohort`` draws covariates as in the domain brief (section 6.1), derives the FNCLCC
grade from its components (section 3.3), and draws disease-specific death times from a Weibull
proportional-hazards model (shape 0.8, section 6.3) whose linear predictor uses one of the
published parameter sets (``"default"`` = ``lms_default`` or ``"gustafson1992"``). The truth
(HRs, baseline, per-patient linear predictor and survival) travels with the cohort.

The parts live next door: covariates in :mod:`~lms_prognosis.simulate.covariates`, the true
hazards and the baseline calibration in :mod:`~lms_prognosis.simulate.hazards`, the
:class:`~lms_prognosis.simulate.truth.Truth` in :mod:`~lms_prognosis.simulate.truth`; the shipped
cohort (:func:`~lms_prognosis.simulate.synthetic.load_synthetic`) in
:mod:`~lms_prognosis.simulate.synthetic`.

Examples
--------
>>> c = simulate_cohort(200, seed=1)
>>> c.data.shape[0], c.endpoint
(200, 'DSS')
>>> simulate_cohort(50, seed=7).data.equals(simulate_cohort(50, seed=7).data)
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis.cohort import Cohort
from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.simulate.covariates import SITE_PARAMETERS, SITE_SHARES, draw_covariates
from lms_prognosis.simulate.events import (
    LR_SHAPE,
    lr_linear_predictor,
    lr_scale,
    metastasis_times,
)
from lms_prognosis.simulate.hazards import (
    GOMPERTZ_B,
    GOMPERTZ_H60,
    UTERINE_TERMS,
    baseline_scale,
    check_population,
    linear_predictor,
    log_hazard_ratios,
)
from lms_prognosis.simulate.missing import add_missing
from lms_prognosis.simulate.truth import Truth, make_truth

#: ``Truth`` and ``SITE_PARAMETERS`` are re-exported: they were defined here before the split
__all__ = ["simulate_cohort", "Truth", "SITE_PARAMETERS", "ENDPOINTS"]
ENDPOINTS = ("DSS", "OS", "MFS", "LRFS")
_EVENT_NOTES = {
    "DSS": "event 1 = death from LMS",
    "OS": "event 1 = death from any cause (other causes: Gompertz hazard, a design value [D])",
    "MFS": "event 1 = distant metastasis (before death from LMS, simulate/events.py)",
    "LRFS": "event 1 = local recurrence",
}
_NET_NOTES = {
    "DSS": " (no other-cause deaths simulated)",
    "OS": "",
    "MFS": " (no other-cause deaths simulated)",
    "LRFS": "; death from LMS before it ends follow-up (event 0); no other-cause deaths simulated",
}
_COMPETING_NOTES = {
    "DSS": "; event 2 = death from other causes (Gompertz hazard, a design value [D])",
    "OS": "",
    "MFS": "; event 2 = death from other causes before metastasis (Gompertz hazard [D])",
    "LRFS": "; event 2 = death (LMS or other causes) before local recurrence",
}


def simulate_cohort(
    n: int,
    profile: str = "somatic",
    model: str = "default",
    seed: int | np.random.Generator | None = 1,
    accrual_years: float = 5.0,
    follow_up_years: float = 5.0,
    endpoint: str = "DSS",
    competing_risks: bool = False,
    loss_rate: float = 0.02,
    target_5y_dss: float = 0.75,
    shape: float = 0.8,
    hazard_ratios: dict[str, float] | None = None,
    marker_hr: float | None = None,
    marker_prevalence: float = 0.5,
    missing: dict[str, float] | None = None,
    missing_mechanism: str = "MCAR",
) -> Cohort:
    """Simulate an LMS cohort whose true prognostic model is known.

    Parameters
    ----------
    n : int
        Number of patients.
    profile : {"somatic", "all_site"}
        Somatic = extremity 0.75 / trunk 0.25; all-site adds RP/abdominal, uterine and H&N with
        the site overrides of domain section 6.1.
    model : {"default", "gustafson1992"}
        Parameter set of the true linear predictor (domain 6.2). A model is refused for a
        profile with sites outside its population that it has no terms for:
        ``gustafson1992`` (extremity and trunk wall) only with ``profile="somatic"``
        (:class:`~lms_prognosis.exceptions.PopulationError`).
    seed : int or numpy Generator
        Same seed, same cohort on any machine (``np.random.default_rng(seed)``).
    accrual_years, follow_up_years : float
        Uniform accrual over ``accrual_years``; administrative end ``follow_up_years`` after
        the last entry (so follow-up is between ``follow_up_years`` and the sum).
    endpoint : {"DSS", "OS", "MFS", "LRFS"}
        DSS: event 1 = death from LMS. OS: other-cause death (Gompertz) is added and every
        death is event 1. MFS: event 1 = distant metastasis, which precedes every death from
        LMS. LRFS: event 1 = local recurrence, whose own design-value effects (margin above
        all) are in :data:`~lms_prognosis.simulate.events.LOCAL_RECURRENCE_TERMS`; a death
        before it ends follow-up. See :mod:`~lms_prognosis.simulate.events`.
    competing_risks : bool
        Other-cause deaths are simulated and coded ``event = 2`` (DSS, MFS); for LRFS every
        death before local recurrence is coded 2 (without it, event 0).
    loss_rate : float
        Loss to follow-up, exponential rate per year.
    target_5y_dss : float
        Population 5-y DSS of the somatic profile the baseline is scaled to (0.75, domain 6.3;
        0.64 reproduces Gustafson's 5-y survival).
    shape : float
        Weibull shape of the baseline hazard (0.8, domain 6.3 [D]).
    hazard_ratios : dict, optional
        Override true HRs by term name (e.g. ``{"vascular_invasion": 3.0}``).
    marker_hr, marker_prevalence : float, optional
        Add a new binary prognostic marker (extra boolean column ``marker``, term ``marker``),
        independent of every other covariate, with this true HR and prevalence: the study
        question of :func:`power_simulation`. Without it no marker is drawn.
    missing, missing_mechanism : dict and {"MCAR", "MAR"}, optional
        Expected fraction of each covariate set missing after the cohort is drawn, e.g.
        ``{"aneuploidy": 0.6}``; MAR depends on grade and the outcome. The removed values are
        in ``truth.parameters["removed"]`` (:mod:`~lms_prognosis.simulate.missing`).

    Returns
    -------
    Cohort
        Canonical columns and dtypes (design section 3) plus ``fnclcc_differentiation``;
        ``truth`` is a :class:`Truth`.

    Notes
    -----
    Disease-specific hazard h(t | x) = h0(t) exp(x'beta) with H0(t) = (t / scale)^shape (t in
    months); the scale solves mean_i S(60 | x_i) = ``target_5y_dss`` over a fixed reference
    draw of 200,000 somatic patients (seed 20261124) under the chosen parameter set, so every
    profile and seed shares one baseline. Covariates per domain 6.1, FNCLCC grade derived from
    its components (3.3); vascular invasion and aneuploidy depend on grade. Other-cause hazard
    (Gompertz in attained age) 0.008 per year at age 60, times exp(0.09 per year of age): a
    design value [D] (the domain brief cites no life table; ``truth.other_cause`` carries
    this provenance). With ``competing_risks=True`` the truth carries the true cumulative
    incidence of both causes (``truth.cif(times)``, ``truth.population_cif(times)``, columns
    ``cif1_*``/``cif2_*``). Uterine LMS (all-site profile) is simulated with its own
    predictors (domain 2.3, 6.1): no FNCLCC grade (``grade`` is missing for uterine rows and the
    grade terms do not apply), and the terms ``uterus_mitoses_ge_20`` and ``uterus_stage_ii``
    (extra column ``figo_stage``) beside necrosis, size and the other shared terms
    (:data:`~lms_prognosis.simulate.hazards.UTERINE_TERMS`). MFS and LRFS truths are in
    ``truth.survival`` as ``mfs_surv_*`` / ``lrfs_surv_*`` (net of other causes).

    References
    ----------
    Bender R, Augustin T, Blettner M. Generating survival times to simulate Cox proportional
    hazards models. Stat Med 2005;24:1713-1723.

    Examples
    --------
    >>> c = simulate_cohort(1000, model="gustafson1992", seed=3)
    >>> sorted(c.truth.hr.round(1).to_dict().items())
    [('age_ge_60', 8.0), ('aneuploidy', 4.0), ('necrosis_any', 3.0), ('vascular_invasion', 4.0)]
    """
    n = _check_n(n)
    marker = _check_arguments(
        profile,
        endpoint,
        competing_risks,
        accrual_years,
        follow_up_years,
        loss_rate,
        target_5y_dss,
        marker_hr,
        marker_prevalence,
    )
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    log_hr = log_hazard_ratios(model, hazard_ratios)
    check_population(model, profile)
    overrides = tuple(sorted((hazard_ratios or {}).items()))
    scale = baseline_scale(model, overrides, float(target_5y_dss), float(shape), marker)

    cov, design = draw_covariates(n, profile, rng)
    if profile == "all_site":  # uterine rows: own predictors, no grade (covariates.py)
        log_hr = pd.concat(
            [log_hr, pd.Series({k: math.log(v[0]) for k, v in UTERINE_TERMS.items()})]
        )
    lp = linear_predictor(design, log_hr)
    lp_lr = lr_linear_predictor(design) if endpoint == "LRFS" else None
    if marker is not None:
        log_hr, lp = _add_marker(rng, marker, cov, log_hr, lp)
    time, event = _outcomes(
        rng,
        lp,
        cov["age"].to_numpy(),
        scale,
        shape,
        accrual_years,
        follow_up_years,
        loss_rate,
        endpoint,
        competing_risks,
        lp_lr,
    )

    params = dict(
        n=n,
        profile=profile,
        model=model,
        seed=seed if not isinstance(seed, np.random.Generator) else "<Generator>",
        accrual_years=accrual_years,
        follow_up_years=follow_up_years,
        endpoint=endpoint,
        competing_risks=competing_risks,
        loss_rate=loss_rate,
        target_5y_dss=target_5y_dss,
        shape=shape,
        hazard_ratios=hazard_ratios,
        marker_hr=marker_hr,
        marker_prevalence=marker_prevalence,
    )
    cohort = _assemble(time, event, cov, lp, log_hr, scale, params, seed, lp_lr)
    return add_missing(cohort, missing, missing_mechanism, rng)


def _add_marker(
    rng: np.random.Generator,
    marker: tuple[float, float],
    cov: pd.DataFrame,
    log_hr: pd.Series,
    lp: np.ndarray,
) -> tuple[pd.Series, np.ndarray]:
    """Draw the new binary marker (HR, prevalence) into ``cov`` (column ``marker``, in place);
    return the log-HRs and the linear predictor with the marker term added."""
    has_marker = rng.random(len(lp)) < marker[1]
    cov["marker"] = pd.array(has_marker, dtype="boolean")
    log_hr = pd.concat([log_hr, pd.Series({"marker": math.log(marker[0])})])
    return log_hr, lp + log_hr["marker"] * has_marker


def _assemble(
    time: np.ndarray,
    event: np.ndarray,
    cov: pd.DataFrame,
    lp: np.ndarray,
    log_hr: pd.Series,
    scale: float,
    params: dict[str, Any],
    seed: int | np.random.Generator | None,
    lp_lr: np.ndarray | None = None,
) -> Cohort:
    """The simulated :class:`Cohort`: patient ids, outcomes and covariates, the truth, the
    source line and the notes. ``params`` are the arguments of :func:`simulate_cohort` (as
    recorded in the truth); ``seed`` is the one given, for the source line."""
    n, profile, model = params["n"], params["profile"], params["model"]
    endpoint, competing_risks = params["endpoint"], params["competing_risks"]
    shape, target_5y_dss = params["shape"], params["target_5y_dss"]
    width = max(6, len(str(n)))
    ids = np.char.add("SIM-", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    data = pd.concat(
        [pd.DataFrame({"patient_id": ids.astype(object), "time": time, "event": event}), cov],
        axis=1,
    )
    truth = make_truth(
        data, lp, log_hr, scale, shape, model, profile, endpoint, target_5y_dss, params, lp_lr
    )
    source = (
        f"simulate_cohort(n={n}, profile={profile!r}, model={model!r}, seed={seed!r}, "
        f"endpoint={endpoint!r}, competing_risks={competing_risks})"
    )
    excl = pd.DataFrame(columns=["row", "patient_id", "column", "value", "reason"])
    notes = [
        f"simulated; true baseline Weibull shape {shape:g}, scale {scale:.1f} months",
        _EVENT_NOTES[endpoint] + (_COMPETING_NOTES if competing_risks else _NET_NOTES)[endpoint],
    ]
    return Cohort(
        data=data,
        exclusions=excl,
        endpoint=endpoint,
        source=source,
        n_read=n,
        truth=truth,
        notes=notes,
    )


def _check_arguments(
    profile: str,
    endpoint: str,
    competing_risks: bool,
    accrual_years: float,
    follow_up_years: float,
    loss_rate: float,
    target_5y_dss: float,
    marker_hr: float | None,
    marker_prevalence: float,
) -> tuple[float, float] | None:
    """Refuse impossible arguments; return the marker's (HR, prevalence) or None."""
    if profile not in SITE_SHARES:
        raise LMSPrognosisError(f"profile must be 'somatic' or 'all_site', not {profile!r}")
    if endpoint not in ENDPOINTS:
        raise LMSPrognosisError(f"endpoint must be one of {ENDPOINTS}, not {endpoint!r}")
    if competing_risks and endpoint == "OS":
        raise LMSPrognosisError("competing_risks=True needs endpoint='DSS' (OS counts every death)")
    for name, v in (
        ("accrual_years", accrual_years),
        ("follow_up_years", follow_up_years),
        ("loss_rate", loss_rate),
    ):
        if not (v >= 0 and math.isfinite(v)):
            raise LMSPrognosisError(f"{name} must be a finite number >= 0, got {v!r}")
    if not 0 < target_5y_dss < 1:
        raise LMSPrognosisError(f"target_5y_dss must be in (0, 1), got {target_5y_dss!r}")
    if marker_hr is None:
        return None
    if not (marker_hr > 0 and math.isfinite(marker_hr)) or not 0 < marker_prevalence < 1:
        raise LMSPrognosisError(
            "marker_hr must be > 0 and marker_prevalence in (0, 1), got "
            f"{marker_hr!r} and {marker_prevalence!r}"
        )
    return float(marker_hr), float(marker_prevalence)


def _outcomes(
    rng: np.random.Generator,
    lp: np.ndarray,
    age: np.ndarray,
    scale: float,
    shape: float,
    accrual_years: float,
    follow_up_years: float,
    loss_rate: float,
    endpoint: str,
    competing_risks: bool,
    lp_lr: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Observed time (months) and event code: Weibull PH disease-specific death (Bender 2005),
    Gompertz other-cause death, uniform accrual with administrative end, exponential loss;
    for MFS the metastasis before LMS death and for LRFS the local recurrence
    (:mod:`~lms_prognosis.simulate.events`), drawn last so DSS/OS cohorts are unchanged."""
    n = lp.shape[0]
    t_dss = scale * (rng.standard_exponential(n) * np.exp(-lp)) ** (1.0 / shape)
    entry = rng.random(n) * accrual_years * 12.0
    admin = (accrual_years + follow_up_years) * 12.0 - entry
    lost = rng.standard_exponential(n) / loss_rate * 12.0 if loss_rate > 0 else np.full(n, np.inf)
    censor = np.minimum(admin, lost)
    if endpoint == "OS" or competing_risks:
        e = rng.standard_exponential(n)
        h_age = GOMPERTZ_H60 * np.exp(GOMPERTZ_B * (age - 60.0))
        t_oth = np.log1p(GOMPERTZ_B * e / h_age) / GOMPERTZ_B * 12.0
    else:
        t_oth = np.full(n, np.inf)
    if endpoint == "MFS":
        t_event, t_compete = metastasis_times(t_dss, rng), t_oth
    elif endpoint == "LRFS":
        b_lr = np.zeros(n) if lp_lr is None else lp_lr
        t_event = lr_scale() * (rng.standard_exponential(n) * np.exp(-b_lr)) ** (1 / LR_SHAPE)
        t_compete = np.minimum(t_dss, t_oth)  # any death ends follow-up for local recurrence
    else:
        t_event, t_compete = t_dss, t_oth
    time = np.minimum(np.minimum(t_event, t_compete), censor)
    event = np.where(t_event <= np.minimum(t_compete, censor), 1, 0)
    code2 = 1 if endpoint == "OS" else (2 if competing_risks else 0)
    event = np.where((t_compete < t_event) & (t_compete <= censor), code2, event)
    return time, event.astype(np.int64)


def _check_n(n: Any) -> int:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
        raise LMSPrognosisError(f"n must be a positive integer, got {n!r}")
    return int(n)
