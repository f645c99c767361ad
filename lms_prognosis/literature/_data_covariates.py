"""The covariate distributions a missing model input is averaged over: the simulator's somatic
profile, recorded here with its sources.

``missing="marginalise"`` needs the prevalence of a factor *given the patient's other factors*
(grade, above all). The package's one documented covariate model is the simulator's
(:mod:`lms_prognosis.simulate.covariates`, somatic profile, docs/evidence.md section 6.1):
age, size, depth, margin and site independent; FNCLCC grade derived from differentiation,
mitotic score and necrosis score, the last two correlated through a shared latent
"aggressiveness"; vascular invasion and DNA aneuploidy Bernoulli given grade. The literature
subpackage cannot import the simulator (the simulator imports it), so the numbers are copied
here and ``tests/literature/test_marginal.py`` checks that they equal the simulator's.
"""

from __future__ import annotations

from lms_prognosis.literature._data_records import Constant
from lms_prognosis.literature._data_sources import DOMAIN_BRIEF, GLADDY_2013

_SIM = "lms_prognosis.simulate.covariates (somatic profile)"
_S61 = f"{DOMAIN_BRIEF} section 6.1; {_SIM}"

COVARIATE_MODEL: tuple[Constant, ...] = (
    Constant("cov.age_mean", 63.0, "[D]", _S61, note="Normal age; medians 57-70 [V]"),
    Constant("cov.age_sd", 14.0, "[D]", _S61),
    Constant("cov.age_min", 18.0, "[D]", _S61, note="truncation"),
    Constant("cov.age_max", 95.0, "[D]", _S61, note="truncation"),
    Constant("cov.size_median", 6.0, "[V]", _S61 + "; " + GLADDY_2013, note="log-normal, cm"),
    Constant("cov.size_sigma_log", 0.70, "[D]", _S61),
    Constant("cov.size_min", 0.5, "[D]", _S61, note="truncation, cm"),
    Constant("cov.size_max", 45.0, "[D]", _S61, note="truncation, cm"),
    Constant("cov.p_deep", 0.65, "[V]", _S61 + "; 50% Gustafson, 61% Miyajima, 73% Gladdy"),
    Constant("cov.p_margin_positive", 0.20, "[U]", _S61, note="R1; P_R1 of the simulator"),
    Constant("cov.p_site_trunk", 0.25, "[V]", _S61 + "; " + GLADDY_2013, note="vs extremity"),
    Constant("cov.mitoses_median", 19.0, "[D]", _S61, note="per 10 HPF; tuned for the grade mix"),
    Constant("cov.mitoses_sigma_log", 0.9, "[U]", _S61, note="MITOSES_SIGMA_LOG"),
    Constant("cov.latent_rho", 0.9, "[D]", _S61, note="corr(log mitoses, necrosis score)"),
    Constant("cov.necrosis[none]", 0.45, "[U]", _S61),
    Constant("cov.necrosis[<50%]", 0.35, "[U]", _S61),
    Constant("cov.necrosis[>=50%]", 0.20, "[U]", _S61),
    Constant("cov.differentiation[1]", 0.05, "[U]", _S61, note="FNCLCC differentiation score"),
    Constant("cov.differentiation[2]", 0.85, "[U]", _S61),
    Constant("cov.differentiation[3]", 0.10, "[U]", _S61),
    Constant("cov.vascular_given_grade[1]", 0.10, "[D]", _S61, note="raised with grade"),
    Constant("cov.vascular_given_grade[2]", 0.20, "[D]", _S61),
    Constant("cov.vascular_given_grade[3]", 0.35, "[D]", _S61),
    Constant("cov.aneuploidy_given_grade[1]", 0.35, "[U]", _S61, note="raised with grade"),
    Constant("cov.aneuploidy_given_grade[2]", 0.60, "[U]", _S61),
    Constant("cov.aneuploidy_given_grade[3]", 0.75, "[U]", _S61),
)
