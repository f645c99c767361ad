"""Published LMS prognostic factors and the numbers around them, each with its source.

Every number used by :mod:`lms_prognosis.literature.models` and :mod:`lms_prognosis.simulate.cohorts` lives
in a record here, next to its citation and an evidence marker:

``[V]``  read in retrieved public text (abstract, landing page, review table);
``[V2]`` read in a secondary source (review or news page quoting the paper);
``[U]``  unverified (recalled or inferred; check against the full text);
``[D]``  derived: a design proposal or a number computed by simulation, not a literature value.

The markers and values follow the project's domain brief (``shared/domain.md``), which was written
from retrieved public text; full texts of the key papers were not available.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from lms_prognosis.exceptions import ModelError

EVIDENCE_MARKERS = ("[V]", "[V2]", "[U]", "[D]")

# --------------------------------------------------------------------------------------------
# Citations (full references; DOI only where the domain brief gives one)
# --------------------------------------------------------------------------------------------
GUSTAFSON_1992 = (
    "Gustafson P, Rydholm A, Willén H, Åkerman M, Baldetorp B, Fernö M. Soft tissue "
    "leiomyosarcoma. A population-based epidemiologic and prognostic study of 48 patients, "
    "including cellular DNA content. Cancer 1992;70(1):114-119. "
    "doi:10.1002/1097-0142(19920701)70:1<114::aid-cncr2820700119>3.0.co;2-u"
)
SIN_2003 = (
    "Gustafson P, Coindre J-M, Fletcher CDM, et al. Prognostic information in soft tissue "
    "sarcoma using tumour size, vascular invasion and microscopic tumour necrosis - the "
    "SIN-system. Eur J Cancer 2003;39:1568-1576."
)
CHAPEL_2022 = (
    "Chapel DB, et al. A novel morphology-based risk stratification model for stage I uterine "
    "leiomyosarcoma: an analysis of 203 cases. Mod Pathol 2022;35(6):794-807."
)
CARNEIRO_2011 = (
    "Carneiro A, et al. A prognostic model for soft tissue sarcoma of the extremities and trunk "
    "wall based on size, vascular invasion, necrosis, and growth pattern. Cancer "
    "2011;117(6):1279-1287 (SING; HR 2.2-2.6 each for metastasis, multivariate, 239 STS)."
)
XUE_2019 = (
    "Xue M, et al. Development and validation of a prognostic nomogram for extremity soft "
    "tissue leiomyosarcoma. Front Oncol 2019 (SEER, 1,528 patients; age >=60 independent)."
)
KOBAYASHI_2022 = (
    "Kobayashi H, et al. Comparison of clinical features and outcomes of patients with "
    "leiomyosarcoma of bone and soft tissue. Jpn J Clin Oncol 2022;52(2):143-150 "
    "(age >=65 and size >=5 cm predicted poor OS; 5-y OS 75.2%)."
)
DNA_102 = (
    "DNA content prognostic in soft tissue sarcoma: 102 patients followed for 1-10 years "
    "(first author not retrieved): 5-y MFS 0.77 diploid vs 0.48 non-diploid; 64% non-diploid."
)
FNCLCC_FLOW = (
    "FNCLCC flow-cytometry study of 132 sarcomas (PMID 9191525): two-thirds aneuploid; "
    "ploidy did not influence outcome."
)
GLADDY_2013 = (
    "Gladdy RA, et al. Predictors of survival and recurrence in primary leiomyosarcoma. "
    "Ann Surg Oncol 2013;20(6):1851-1857 (MSKCC, 353 non-uterine LMS)."
)
MIYAJIMA_2002 = (
    "Miyajima K, et al. Clinicopathological prognostic factors in soft tissue leiomyosarcoma: "
    "a multivariate analysis. Histopathology 2002;40(4):353-359 (267 patients)."
)
SVARVAR_2007 = (
    "Svarvar C, et al. Clinical course of nonvisceral soft tissue leiomyosarcoma in 225 "
    "patients from the Scandinavian Sarcoma Group. Cancer 2007;109(2):282-291."
)
KANNAN_2022 = (
    "Kannan S, et al. Leiomyosarcoma in the extremities and trunk wall: systematic review and "
    "meta-analysis of the oncological outcomes. World J Surg Oncol 2022;20:124 "
    "(size >5 cm OR 3.39 (2.26-5.10) and positive margins OR 2.12 (1.36-3.32) for OS)."
)
NCI_1989 = (
    "NCI series of 300 extremity soft-tissue sarcomas, J Surg Oncol 1989;41(4) (first author not "
    "retrieved): tumour-related mortality 3% grade 1, 13% grade 2, 38% grade 3."
)
SOMATIC_164 = (
    "Somatic leiomyosarcoma of the soft tissues: a single-institutional analysis of factors "
    "predictive of survival in 164 patients (first author, journal and year not retrieved): "
    "5-y DSS 74.5% (65.0-81.8); margins not prognostic for DSS."
)
WONG_2013 = (
    "Wong P, et al. Radiat Oncol 2013 (uterine LMS: positive margins HR 5.6 (2.3-13.4) for "
    "local recurrence)."
)
GRONCHI_2013 = (
    "Gronchi A, et al. Outcome prediction in primary resected retroperitoneal soft tissue "
    "sarcoma: histology-specific overall survival and disease-free survival nomograms. "
    "J Clin Oncol 2013;31(13):1649-1655 (RPS 5-y OS 56.4%)."
)
IASONOS_2013 = (
    "Iasonos A, et al. External validation of a prognostic nomogram for overall survival in "
    "women with uterine leiomyosarcoma. Cancer 2013 (5-y OS 46%; median mitotic index 20/10 HPF)."
)
DOMAIN_BRIEF = "lms_prognosis domain brief (shared/domain.md)"


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Factor:
    """One published (or proposed) prognostic factor of one model.

    ``value`` is a hazard ratio / relative risk (``measure`` "RR" or "HR") or points
    (``measure`` "points"). ``term`` is the model-design name used by
    :func:`lms_prognosis.literature.model_design`.

    Examples
    --------
    >>> f = next(r for r in FACTORS if r.model == "gustafson1992")
    >>> f.factor, f.hr, f.evidence, "Cancer 1992" in f.source
    ('age >= 60 years', 8.0, '[V]', True)
    """

    model: str
    factor: str
    term: str
    value: float
    measure: str
    endpoint: str
    population: str
    n: int | None
    significant: bool | None
    evidence: str
    source: str
    lower: float = math.nan
    upper: float = math.nan
    basis: str = ""

    @property
    def hr(self) -> float:
        """The value as a hazard ratio (NaN for points)."""
        return self.value if self.measure in ("HR", "RR") else math.nan

    def as_dict(self) -> dict[str, Any]:
        """The record as a dict, with ``hr`` added."""
        d = asdict(self)
        d["hr"] = self.hr
        return d


@dataclass(frozen=True)
class Constant:
    """A number that is not a factor effect (prevalence, baseline, cut-point, parameter)."""

    name: str
    value: float
    evidence: str
    source: str
    note: str = ""


_G = "gustafson1992"
_GPOP = "population-based extremity and trunk-wall LMS (cutaneous excluded), Lund, Sweden"
_D = "lms_default"
_DPOP = "proposed for somatic (extremity/trunk) LMS; values shrunk from STS/LMS series"
_DSRC = f"Design value [D], {DOMAIN_BRIEF} section 6.2; basis: "

FACTORS: tuple[Factor, ...] = (
    # ---- Gustafson 1992: as published (multivariate; RR; death from tumour; n = 48) ----
    Factor(
        _G,
        "age >= 60 years",
        "age_ge_60",
        8.0,
        "RR",
        "DSS",
        _GPOP,
        48,
        True,
        "[V]",
        GUSTAFSON_1992,
        basis="independent (significant) risk factor; CI not retrieved",
    ),
    Factor(
        _G,
        "intratumoral vascular invasion",
        "vascular_invasion",
        4.0,
        "RR",
        "DSS",
        _GPOP,
        48,
        True,
        "[V]",
        GUSTAFSON_1992,
        basis="independent (significant) risk factor; CI not retrieved",
    ),
    Factor(
        _G,
        "DNA aneuploidy",
        "aneuploidy",
        4.0,
        "RR",
        "DSS",
        _GPOP,
        48,
        False,
        "[V]",
        GUSTAFSON_1992,
        basis="associated with poor prognosis, NOT statistically significant",
    ),
    Factor(
        _G,
        "tumour necrosis (any)",
        "necrosis_any",
        3.0,
        "RR",
        "DSS",
        _GPOP,
        48,
        False,
        "[V]",
        GUSTAFSON_1992,
        basis="associated with poor prognosis, NOT statistically significant",
    ),
    # ---- lms_default: domain section 6.2 "default" column ----
    Factor(
        _D,
        "age >= 60 years",
        "age_ge_60",
        1.8,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + XUE_2019 + "; " + KOBAYASHI_2022 + " [V]",
        basis="age >=60 independent in SEER (Xue 2019), age >=65 in Kobayashi 2022; effect "
        "size [U]; Gustafson's 8 (n = 48) likely optimistic",
    ),
    Factor(
        _D,
        "intratumoral vascular invasion",
        "vascular_invasion",
        2.0,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + CARNEIRO_2011 + " [V]",
        basis="SING HR 2.2-2.6 for metastasis (STS), shrunk because grade is in the model",
    ),
    Factor(
        _D,
        "DNA aneuploidy",
        "aneuploidy",
        1.8,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + DNA_102 + " [V->D]; " + FNCLCC_FLOW + " [V]",
        basis="crude HR about 2.8 from 5-y MFS 0.77 vs 0.48; the FNCLCC flow study found no effect",
    ),
    Factor(
        _D,
        "tumour necrosis (any)",
        "necrosis_any",
        1.5,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + CARNEIRO_2011 + " [V]",
        basis="1.5 because FNCLCC grade (of which necrosis is a component) is also in the "
        "model; use 2.2 if grade is absent",
    ),
    Factor(
        _D,
        "size > 5 cm",
        "size_gt_5",
        2.0,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + GLADDY_2013 + "; " + MIYAJIMA_2002 + "; " + KANNAN_2022 + " [V]",
        basis="independent in Gladdy, Miyajima, Svarvar, Xue, Kobayashi; meta-analysis OR 3.39 "
        "(OS); SING HR 2.2-2.6",
    ),
    Factor(
        _D,
        "deep (vs superficial)",
        "deep",
        1.6,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + SVARVAR_2007 + "; " + MIYAJIMA_2002 + " [V]",
        basis="independent for MFS in Svarvar (P = .002); univariate in Miyajima; size [U]",
    ),
    Factor(
        _D,
        "FNCLCC grade 2 (vs 1)",
        "grade[2]",
        1.8,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + NCI_1989 + " [V]",
        basis="NCI tumour mortality 3% vs 13%",
    ),
    Factor(
        _D,
        "FNCLCC grade 3 (vs 1)",
        "grade[3]",
        3.0,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + NCI_1989 + " [V]; " + GLADDY_2013 + " [V]",
        basis="NCI 38% vs 3%; grade 3 the strongest factor in every LMS series; size [U]",
    ),
    Factor(
        _D,
        "positive margin R1/R2 (vs R0)",
        "margin_positive",
        1.3,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + KANNAN_2022 + "; " + WONG_2013 + "; " + SOMATIC_164 + " [V]",
        basis="OR 2.12 for OS; margins not prognostic for DSS in the 164-patient series; "
        "use 3-5 for local recurrence; R2 is counted with R1 here [D]",
    ),
    Factor(
        _D,
        "site: trunk (vs extremity)",
        "site_trunk",
        0.9,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + GLADDY_2013 + " [V]",
        basis="trunk recurrence 26% vs extremity 33%; calibrated",
    ),
    Factor(
        _D,
        "site: retroperitoneum/abdomen",
        "site_retroperitoneum",
        1.6,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + GLADDY_2013 + "; " + GRONCHI_2013 + " [V]",
        basis="worse on univariate analysis; chosen so RP 5-y DSS about 0.55",
    ),
    Factor(
        _D,
        "site: uterus",
        "site_uterus",
        2.0,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[D]",
        _DSRC + IASONOS_2013 + " [V]",
        basis="5-y OS 41-50% vs 75-83% soft tissue; chosen so uterine 5-y DSS about 0.50",
    ),
    Factor(
        _D,
        "site: head and neck",
        "site_head_neck",
        1.0,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[U]",
        _DSRC + "no LMS-specific data",
        basis="no LMS-specific data",
    ),
    Factor(
        _D,
        "site: other",
        "site_other",
        1.0,
        "HR",
        "DSS",
        _DPOP,
        None,
        None,
        "[U]",
        _DSRC + "no data; treated as the reference site [D]",
        basis="no data",
    ),
    # ---- SIN system (counting rule): one point each ----
    Factor(
        "sin2003",
        "large tumour size (>= 8 cm, cut recalled)",
        "sin_size",
        1.0,
        "points",
        "MFS",
        "soft tissue sarcoma, extremity and trunk wall",
        200,
        None,
        "[U]",
        SIN_2003,
        basis="size cut-point not in the retrieved text; 8 cm recalled [U]; the count rule "
        "(2-3 of 3 = high risk) is [V]",
    ),
    Factor(
        "sin2003",
        "vascular invasion",
        "sin_vascular",
        1.0,
        "points",
        "MFS",
        "soft tissue sarcoma, extremity and trunk wall",
        200,
        None,
        "[V]",
        SIN_2003,
        basis="one of the three SIN factors",
    ),
    Factor(
        "sin2003",
        "microscopic tumour necrosis",
        "sin_necrosis",
        1.0,
        "points",
        "MFS",
        "soft tissue sarcoma, extremity and trunk wall",
        200,
        None,
        "[V]",
        SIN_2003,
        basis="one of the three SIN factors; schema necrosis != none used",
    ),
    # ---- Chapel 2022 stage I uterine LMS score ----
    Factor(
        "chapel2022",
        "coagulative tumour necrosis",
        "chapel_necrosis",
        1.0,
        "points",
        "DSS",
        "stage I uterine LMS, 3 institutions",
        203,
        None,
        "[V]",
        CHAPEL_2022,
        basis="schema necrosis != none used as coagulative necrosis [D]",
    ),
    Factor(
        "chapel2022",
        "mitoses > 25 per 2.4 mm2",
        "chapel_mitoses",
        2.0,
        "points",
        "DSS",
        "stage I uterine LMS, 3 institutions",
        203,
        None,
        "[V]",
        CHAPEL_2022,
        basis="needs extra column mitoses_per_2_4mm2 (not in the schema)",
    ),
    Factor(
        "chapel2022",
        "atypical mitoses",
        "chapel_atypical",
        2.0,
        "points",
        "DSS",
        "stage I uterine LMS, 3 institutions",
        203,
        None,
        "[V]",
        CHAPEL_2022,
        basis="needs extra column atypical_mitoses (not in the schema)",
    ),
    Factor(
        "chapel2022",
        "lymphovascular invasion",
        "chapel_lvi",
        3.0,
        "points",
        "DSS",
        "stage I uterine LMS, 3 institutions",
        203,
        None,
        "[V]",
        CHAPEL_2022,
        basis="schema vascular_invasion used as lymphovascular invasion [D]",
    ),
    Factor(
        "chapel2022",
        "serosal abutment",
        "chapel_serosa",
        5.0,
        "points",
        "DSS",
        "stage I uterine LMS, 3 institutions",
        203,
        None,
        "[V]",
        CHAPEL_2022,
        basis="needs extra column serosal_abutment (not in the schema)",
    ),
)

# --------------------------------------------------------------------------------------------
# Prevalences used to marginalise a missing factor (domain section 6.1, somatic profile)
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
# Literature baseline (domain section 6.3) and risk-group cut-points
# --------------------------------------------------------------------------------------------
_B63 = f"{DOMAIN_BRIEF} section 6.3 (simulation, 200k draws, independent covariates)"
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
        0.981,
        "[D]",
        _B63,
        note="reference patient: age <60, <=5 cm, superficial, G1, no necrosis, no "
        "vascular invasion, diploid, R0, extremity",
    ),
    Constant(
        "S0_60m[gustafson1992]",
        0.992,
        "[D]",
        _B63 + "; for a population 5-y DSS of 0.75",
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
        2.0919,
        "[D]",
        "tertiles of the lms_default linear predictor, simulate_cohort(200000, "
        "'somatic', seed=20261124)",
    ),
    Constant(
        "lp_tertile_2[lms_default]",
        3.0727,
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
        kind="cox",
        endpoint="DSS",
        population=_GPOP,
        n=48,
        source=GUSTAFSON_1992,
        caveat="Only age >= 60 and vascular invasion were statistically significant; aneuploidy "
        "and necrosis were not. n = 48 (maybe 15-20 tumour deaths [U]): RRs very "
        "imprecise and probably optimistic; CIs not retrieved; whether RR is a Cox HR [U].",
    ),
    "lms_default": dict(
        title="lms_prognosis moderate default set (domain section 6.2) [D]",
        kind="cox",
        endpoint="DSS",
        population=_DPOP,
        n=None,
        source=_DSRC + "see each factor",
        caveat="Design values [D], not a fitted model: each HR is shrunk from published STS/LMS "
        "series; necrosis 1.5 assumes grade is also in the model (2.2 without grade).",
    ),
    "sin2003": dict(
        title="SIN system (size, vascular invasion, necrosis): count of factors",
        kind="points",
        endpoint="MFS",
        population="soft tissue sarcoma, extremity and trunk wall (200 STS)",
        n=200,
        source=SIN_2003,
        caveat="Counting rule, not an LMS-specific model; high risk = 2-3 factors. The size cut "
        "(8 cm) is recalled [U]. Observers agreed on vascular invasion in 78% and "
        "necrosis in 77% of tumours.",
    ),
    "chapel2022": dict(
        title="Chapel 2022 stage I uterine LMS score",
        kind="points",
        endpoint="DSS",
        population="stage I uterine LMS (203 cases, 3 institutions)",
        n=203,
        source=CHAPEL_2022,
        caveat="Uterine stage I only. Atypical mitoses, serosal abutment and mitoses per 2.4 mm2 "
        "are not in the cohort schema: they are read from extra columns "
        "atypical_mitoses, serosal_abutment, mitoses_per_2_4mm2. AUC 0.927 (5-y DFS) "
        "and 0.852 (5-y DSS) [V].",
    ),
}


def all_records() -> tuple[Factor | Constant, ...]:
    """Every numeric record (factors, prevalences, baseline numbers, cut-points).

    Examples
    --------
    >>> all(r.source for r in all_records())
    True
    """
    return FACTORS + PREVALENCES + BASELINE + CUTPOINTS


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
    for rec in PREVALENCES + BASELINE + CUTPOINTS:
        if rec.name == name:
            return rec.value
    known = [r.name for r in PREVALENCES + BASELINE + CUTPOINTS]
    raise ModelError(f"no literature constant {name!r}; known: {known}")
