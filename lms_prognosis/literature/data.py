"""Published LMS prognostic factors and the numbers around them, each with its source.

Every number used by :mod:`lms_prognosis.literature.models` and :mod:`lms_prognosis.simulate.cohorts` lives
in a record here, next to its citation and an evidence marker:

``[V]``  read in retrieved public text (abstract, landing page, review table);
``[V2]`` read in a secondary source (review or news page quoting the paper);
``[U]``  unverified (recalled or inferred; check against the full text);
``[D]``  derived: a design proposal or a number computed by simulation, not a literature value.

The markers and values were first collected in the project's domain brief, written from
retrieved public text (full texts of the key papers were not available). The package's own
record of them is the evidence page ``docs/evidence.md``, generated from these records by
:func:`lms_prognosis.literature.evidence.evidence_page` (sections 6.1 covariates, 6.2 factor
effects, 6.3 baseline and cut-points); sources cite that page, never a file outside the
package.

The record types and markers are in :mod:`~lms_prognosis.literature._data_records`, the
references in :mod:`~lms_prognosis.literature._data_sources`, the factor records in
:mod:`~lms_prognosis.literature._data_factors`; all are re-exported here, with the constants
(prevalences, baseline numbers, cut-points) and the model descriptions defined below.
"""

from __future__ import annotations

from typing import Any

from lms_prognosis.exceptions import ModelError
from lms_prognosis.literature._data_covariates import COVARIATE_MODEL
from lms_prognosis.literature._data_factors import (
    DEFAULT_POPULATION,
    DEFAULT_SOURCE,
    FACTORS,
    GUSTAFSON_POPULATION,
)
from lms_prognosis.literature._data_records import EVIDENCE_MARKERS, Constant, Factor
from lms_prognosis.literature._data_sources import (
    CARNEIRO_2011,
    CHAPEL_2022,
    DNA_102,
    DOMAIN_BRIEF,
    FNCLCC_FLOW,
    GLADDY_2013,
    GRONCHI_2013,
    GUSTAFSON_1992,
    IASONOS_2013,
    KANNAN_2022,
    KOBAYASHI_2022,
    MIYAJIMA_2002,
    NCI_1989,
    SIN_2003,
    SOMATIC_164,
    SVARVAR_2007,
    WONG_2013,
    XUE_2019,
)
from lms_prognosis.literature.population import Population

__all__ = [
    "EVIDENCE_MARKERS",
    "GUSTAFSON_1992",
    "SIN_2003",
    "CHAPEL_2022",
    "CARNEIRO_2011",
    "XUE_2019",
    "KOBAYASHI_2022",
    "DNA_102",
    "FNCLCC_FLOW",
    "GLADDY_2013",
    "MIYAJIMA_2002",
    "SVARVAR_2007",
    "KANNAN_2022",
    "NCI_1989",
    "SOMATIC_164",
    "WONG_2013",
    "GRONCHI_2013",
    "IASONOS_2013",
    "DOMAIN_BRIEF",
    "Factor",
    "Constant",
    "FACTORS",
    "PREVALENCES",
    "COVARIATE_MODEL",
    "BASELINE",
    "CUTPOINTS",
    "MODEL_INFO",
    "all_records",
    "constant",
]

# --------------------------------------------------------------------------------------------
# Target prevalences of the somatic profile (evidence page section 6.1); a missing factor is
# marginalised with the simulator's covariate model (_data_covariates), checked against these
# --------------------------------------------------------------------------------------------
_P61 = f"{DOMAIN_BRIEF} section 6.1 (somatic profile)"
PREVALENCES: tuple[Constant, ...] = (
    Constant("age_ge_60", 0.58, "[D]", _P61 + "; Normal(63, 14) age; medians 57-70 [V]"),
    Constant("vascular_invasion", 0.25, "[U]", _P61 + "; LMS prevalence not found"),
    Constant("aneuploidy", 0.60, "[U]", _P61 + "; " + FNCLCC_FLOW + "; " + DNA_102),
    Constant("necrosis_any", 0.55, "[U]", _P61 + "; none 0.45, <50% 0.35, >=50% 0.20"),
    Constant("size_gt_5", 0.60, "[D]", _P61 + "; log-normal median 6 cm; " + GLADDY_2013),
    Constant("deep", 0.65, "[V]", _P61 + "; 50% Gustafson, 61% Miyajima, 73% Gladdy"),
    Constant("grade[1]", 0.20, "[U]", _P61 + "; high grade 75% Gladdy, 82% Svarvar [V]"),
    Constant("grade[2]", 0.35, "[U]", _P61 + "; G2/G3 split not found"),
    Constant("grade[3]", 0.45, "[U]", _P61 + "; G2/G3 split not found"),
    Constant("margin_positive", 0.20, "[U]", _P61),
    Constant("site_extremity", 0.75, "[V]", _P61 + "; " + GLADDY_2013),
    Constant("site_trunk", 0.25, "[V]", _P61 + "; " + GLADDY_2013),
)

# --------------------------------------------------------------------------------------------
# Literature baseline (evidence page section 6.3) and risk-group cut-points
# --------------------------------------------------------------------------------------------
_B63 = (
    "derived by simulation [D]: solves mean_i S0(60)^exp(LP_i) = 0.75 over the reference somatic "
    "population of lms_prognosis.simulate.simulate_cohort(200000, profile='somatic', "
    "seed=20261124), with its correlated covariates (vascular invasion, aneuploidy and necrosis "
    "rise with grade); benchmarks/bench_simulate_targets.py checks O/E = 1.00 at 5 years. "
    f"Replaces {DOMAIN_BRIEF} section 6.3's values from independent covariates"
)
BASELINE: tuple[Constant, ...] = (
    Constant(
        "weibull_shape",
        0.8,
        "[D]",
        f"{DOMAIN_BRIEF} section 6.3; most relapses in the "
        "first 3 years, late relapse 6-9% (" + GLADDY_2013 + ") [V->D]",
    ),
    Constant(
        "S0_60m[lms_default]",
        0.97409,
        "[D]",
        _B63 + " (with the design HRs shrunk by literature._data_factors.shrunk; before that "
        "0.9835, and 0.981 from independent covariates: population 5-y DSS 0.722, O/E 0.90)",
        note="reference patient: age <60, <=5 cm, superficial, G1, no necrosis, no "
        "vascular invasion, diploid, R0, extremity",
    ),
    Constant(
        "S0_60m[gustafson1992]",
        0.99284,
        "[D]",
        _B63 + " (was 0.992: population 5-y DSS 0.733, O/E 0.94)",
        note="reference patient: age <60, no vascular invasion, diploid, no necrosis",
    ),
    Constant("target_population_5y_dss", 0.75, "[V]", SOMATIC_164 + "; " + KOBAYASHI_2022),
    Constant(
        "sin_5y_mfs[low]",
        0.825,
        "[V]",
        SIN_2003,
        note="midpoint of 0.80-0.85 (range over observers), 200 STS",
    ),
    Constant(
        "sin_5y_mfs[high]",
        0.455,
        "[V]",
        SIN_2003,
        note="midpoint of 0.43-0.48 (range over observers), 200 STS",
    ),
    Constant("sin_size_cut_cm", 8.0, "[U]", SIN_2003 + " (cut-point recalled, not retrieved)"),
    Constant("chapel_mitoses_cut", 25.0, "[V]", CHAPEL_2022, note="mitoses per 2.4 mm2, > cut"),
)

# Risk-group cut-points on the linear predictor: tertiles of the linear predictor in the
# reference somatic population simulated by lms_prognosis.simulate.simulate_cohort(200_000,
# profile="somatic", seed=20261124) (tests/literature/test_models.py recomputes them).
CUTPOINTS: tuple[Constant, ...] = (
    Constant(
        "lp_tertile_1[lms_default]",
        1.7765,
        "[D]",
        "tertiles of the lms_default linear predictor, simulate_cohort(200000, "
        "'somatic', seed=20261124)",
    ),
    Constant(
        "lp_tertile_2[lms_default]",
        2.6267,
        "[D]",
        "tertiles of the lms_default linear predictor, simulate_cohort(200000, "
        "'somatic', seed=20261124)",
    ),
    Constant(
        "lp_tertile_1[gustafson1992]",
        2.4849,
        "[D]",
        "tertiles of the gustafson1992 linear predictor, simulate_cohort(200000, "
        "'somatic', seed=20261124); = log(12); discrete LP: 46% fall at or below it",
    ),
    Constant(
        "lp_tertile_2[gustafson1992]",
        3.8712,
        "[D]",
        "tertiles of the gustafson1992 linear predictor, simulate_cohort(200000, "
        "'somatic', seed=20261124)",
    ),
    Constant("sin_high_from", 2.0, "[V]", SIN_2003, note="2-3 of 3 factors = high risk"),
    Constant("chapel_intermediate_from", 3.0, "[V]", CHAPEL_2022, note="low 0-2"),
    Constant("chapel_high_from", 6.0, "[V]", CHAPEL_2022, note="intermediate 3-5, high 6-13"),
)

MODEL_INFO: dict[str, dict[str, Any]] = {
    "gustafson1992": dict(
        title="Gustafson 1992 multivariate model (as published)",
        kind="published",
        model_type="cox",
        endpoint="DSS",
        population=Population(
            GUSTAFSON_POPULATION,
            ("extremity", "trunk"),
            "leiomyosarcoma",
            "resected primary tumours, subcutaneous or deep, cutaneous excluded [V]",
            "DSS",
            "years of diagnosis not retrieved [U]",
            48,
        ),
        n=48,
        source=GUSTAFSON_1992,
        citation="Gustafson et al. Cancer 1992;70:114-119",
        caveat="Only age >= 60 and vascular invasion were statistically significant; aneuploidy "
        "and necrosis were not. n = 48 (maybe 15-20 tumour deaths [U]): RRs very "
        "imprecise and probably optimistic; CIs not retrieved; whether RR is a Cox HR [U].",
    ),
    "lms_default": dict(
        title="lms_prognosis design values for somatic LMS (not a fitted model) [D]",
        kind="design",
        model_type="cox",
        endpoint="DSS",
        population=Population(
            DEFAULT_POPULATION,
            ("extremity", "trunk"),
            "leiomyosarcoma",
            "localised, resected (the simulator's somatic profile) [D]",
            "DSS",
            "design values: no era [D]",
            None,
        ),
        n=None,
        source=DEFAULT_SOURCE + "see each factor",
        citation="lms_prognosis design values [D] (docs/evidence.md)",
        caveat="Design values [D], not a fitted model: each HR is shrunk from published STS/LMS "
        "series; necrosis 1.5 assumes grade is also in the model (2.2 without grade).",
    ),
    "sin2003": dict(
        title="SIN system (size, vascular invasion, necrosis): count of factors",
        kind="published",
        model_type="points",
        endpoint="MFS",
        population=Population(
            "soft tissue sarcoma, extremity and trunk wall (200 STS)",
            ("extremity", "trunk"),
            "soft tissue sarcoma",
            "stage not given in the retrieved text [U]",
            "MFS",
            "years of diagnosis not retrieved [U]",
            200,
        ),
        n=200,
        source=SIN_2003,
        citation="Gustafson et al. Eur J Cancer 2003;39:1568-1576",
        caveat="Counting rule, not an LMS-specific model; high risk = 2-3 factors. The size cut "
        "(8 cm) is recalled [U]. Observers agreed on vascular invasion in 78% and "
        "necrosis in 77% of tumours.",
    ),
    "chapel2022": dict(
        title="Chapel 2022 stage I uterine LMS score",
        kind="published",
        model_type="points",
        endpoint="DSS",
        population=Population(
            "stage I uterine LMS (203 cases, 3 institutions)",
            ("uterus",),
            "leiomyosarcoma",
            "FIGO stage I [V]",
            "DSS",
            "years of diagnosis not retrieved [U]",
            203,
        ),
        n=203,
        source=CHAPEL_2022,
        citation="Chapel et al. Mod Pathol 2022;35:794-807",
        caveat="Uterine stage I only. Atypical mitoses, serosal abutment and mitoses per 2.4 mm2 "
        "are not in the cohort schema: they are read from extra columns "
        "atypical_mitoses, serosal_abutment, mitoses_per_2_4mm2. AUC 0.927 (5-y DFS) "
        "and 0.852 (5-y DSS) [V].",
    ),
}


def all_records() -> tuple[Factor | Constant, ...]:
    """Every numeric record (factors, prevalences, covariate model, baseline, cut-points).

    Examples
    --------
    >>> all(r.source for r in all_records())
    True
    """
    return FACTORS + PREVALENCES + COVARIATE_MODEL + BASELINE + CUTPOINTS


def constant(name: str) -> float:
    """Look up a constant's value by name (its source is on the record).

    Raises
    ------
    ModelError
        No constant has that name.

    Examples
    --------
    >>> constant("weibull_shape")
    0.8
    """
    for rec in PREVALENCES + COVARIATE_MODEL + BASELINE + CUTPOINTS:
        if rec.name == name:
            return rec.value
    known = [r.name for r in PREVALENCES + COVARIATE_MODEL + BASELINE + CUTPOINTS]
    raise ModelError(f"no literature constant {name!r}; known: {known}")
