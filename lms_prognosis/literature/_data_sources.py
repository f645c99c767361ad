"""The sources of :mod:`lms_prognosis.literature.data`: full references of the papers its numbers
come from (DOI only where the retrieved text gave one), and the package's evidence page.

Where the retrieved text gave them, a reference also states the numbers it is cited for.
"""

from __future__ import annotations

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
#: the package's evidence page, generated from the records (``lms_prognosis.literature.evidence``);
#: the name is kept for the modules that cite it (the simulator's covariates among them)
EVIDENCE_PAGE = "lms_prognosis evidence page (docs/evidence.md)"
DOMAIN_BRIEF = EVIDENCE_PAGE
