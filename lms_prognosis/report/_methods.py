"""The report's methods paragraph (conventions and sources) and the software section."""

from __future__ import annotations

import pandas as pd

from lms_prognosis._provenance import hash_frame
from lms_prognosis._versions import versions
from lms_prognosis.literature import published_model
from lms_prognosis.report._context import ENDPOINT_NAMES, R_REFERENCE, Context
from lms_prognosis.report._document import Paragraph, Section

#: Method references cited by the methods paragraph (the statistical conventions used).
METHOD_REFERENCES: tuple[str, ...] = (
    "Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. "
    "J Am Stat Assoc 1958;53:457\u2013481.",
    "Greenwood M. The natural duration of cancer. Reports on Public Health and Medical "
    "Subjects 1926;33:1\u201326.",
    "Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time. "
    "Control Clin Trials 1996;17:343\u2013346.",
    "Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187\u2013220.",
    "Efron B. The efficiency of Cox's likelihood function for censored data. "
    "J Am Stat Assoc 1977;72:557\u2013565.",
    "Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on weighted "
    "residuals. Biometrika 1994;81:515\u2013526.",
    "Harrell FE, Lee KL, Mark DB. Multivariable prognostic models: issues in developing "
    "models, evaluating assumptions and adequacy, and measuring and reducing errors. "
    "Stat Med 1996;15:361\u2013387.",
    "Austin PC, Harrell FE, van Klaveren D. Graphical calibration curves and the integrated "
    "calibration index (ICI) for survival models. Stat Med 2020;39:2714\u20132742.",
    "Yang D, Dalton JE. A unified approach to measuring the effect size between two groups "
    "using SAS. SAS Global Forum 2012, paper 335.",
    "Therneau TM. A package for survival analysis in R (survival). "
    "https://CRAN.R-project.org/package=survival",
)


def _sources(ctx: Context) -> tuple[list[str], int]:
    """The published model's sources, numbered as in its factor table ([1], [2], ...), plus
    Gustafson et al. 1992 (where the report's factors come from); returns (sources, its number).
    """
    sources = list(ctx.results.get("sources", []))
    for i, s in enumerate(sources, 1):
        if s.startswith("Gustafson P, Rydholm A"):
            return sources, i
    sources.append(str(published_model("gustafson1992").factors["source"].iloc[0]))
    return sources, len(sources)


def methods_section(ctx: Context) -> Section:
    """Methods paragraph: the conventions (as R survival) and the sources, with references."""
    c = ctx.cohort
    tp = ", ".join(f"{t:g}" for t in ctx.time_points)
    pm = ctx.results.get("published_model")
    pm_name = getattr(pm, "name", ctx.model_name)
    sources, gustafson = _sources(ctx)
    cox = ctx.results.get("cox")
    ties = getattr(cox, "ties", "efron")
    text = (
        f"The endpoint is {ENDPOINT_NAMES.get(c.endpoint, c.endpoint)} ({c.endpoint}); time is "
        "in months. Competing events (event code 2, e.g. death from another cause) count as "
        "censored for the "
        "endpoint. Rows that could not be used were excluded on reading and are listed with "
        "the reason in exclusions.csv; each model uses the complete cases over its covariates "
        "and reports the patients it left out. Age \u226560 years, vascular invasion, DNA "
        f"aneuploidy and any tumour necrosis (the factors of Gustafson et al. [{gustafson}]), "
        "size >5 cm, deep location and FNCLCC grade were analysed as categorical factors, the "
        "first level being the reference. "
        "Survival was estimated by the Kaplan\u2013Meier method with Greenwood's variance and "
        "pointwise 95% confidence intervals on the log scale (R survfit's default "
        'conf.type = "log"); the cumulative hazard is the Nelson\u2013Aalen estimator and the '
        "number at risk at time t counts the patients followed for at least t. Median "
        "follow-up is the reverse Kaplan\u2013Meier median. Groups were compared with the "
        "log-rank test, and grade with the log-rank test for trend (scores 1, 2, 3). "
        f"Hazard ratios are from Cox proportional-hazards models with {ties.capitalize()}'s "
        "method for tied event times, fitted by Newton\u2013Raphson from zero, with Wald 95% "
        "confidence intervals and Wald p-values; the univariable columns refit each factor "
        "alone. Necrosis is a component of the FNCLCC grade, so their joint effects overlap. "
        "Proportional hazards were checked with the score test of R cox.zph (survival 3, "
        "Kaplan\u2013Meier time transform), per term and globally (Grambsch and Therneau), "
        "with plots of scaled Schoenfeld residuals. Discrimination is Harrell's C with the "
        "tie rules of R concordance() (pairs tied on the risk score count one half; pairs "
        "tied on time are not comparable unless one is an event and the other censored at "
        "that time) and its standard error. "
        f"Per-patient survival at {tp} months is the Cox model's prediction with the "
        f"{ties.capitalize()}-corrected baseline hazard as R survfit.coxph, with confidence "
        "intervals on the log scale that include the variance of the coefficients. "
        f"The published model {pm_name} was applied with its published hazard ratios; its "
        f"discrimination and its calibration at {max(ctx.time_points):g} months (observed "
        "Kaplan\u2013Meier against predicted survival by risk group, with the integrated "
        "calibration index of Austin et al.) were assessed, and its baseline survival was "
        "recalibrated to the cohort. Table 1 reports median [IQR], mean (SD) and n (%), "
        "and standardised differences as Yang and Dalton. Every estimate was checked against "
        f"{R_REFERENCE} (reference fixtures in the package's tests)."
    )
    sec = Section("methods", "Methods")
    sec.add(Paragraph(text))
    for extra in ctx.results.get("methods_text", []):  # added by the optional sections
        sec.add(Paragraph(extra))
    refs = Section("references", "References", level=2)
    if sources:
        refs.add(Paragraph(f"Sources of the published model {pm_name} and of the factors:"))
        for i, s in enumerate(sources, 1):
            refs.add(Paragraph(f"[{i}] {s}", kind="note"))
    refs.add(Paragraph("Methods:"))
    more = tuple(ctx.results.get("method_references", []))
    for i, s in enumerate(METHOD_REFERENCES + more, len(sources) + 1):
        refs.add(Paragraph(f"[{i}] {s}", kind="note"))
    sec.add(refs)
    return sec


def software_section(ctx: Context) -> Section:
    """Software versions (lms_prognosis, Python, dependencies) and the R reference."""
    v = versions()
    rows = [(k, str(val)) for k, val in v.items()]
    rows.append(("R reference (tests)", R_REFERENCE))
    rows.append(("input data SHA-256", hash_frame(ctx.cohort.data)))
    frame = pd.DataFrame(rows, columns=["software", "version"])
    sec = Section("software", "Software versions")
    sec.add(
        ctx.writer.table(
            frame,
            "software_versions",
            "Software versions",
            note="The same record, with every output file's SHA-256, is in manifest.json.",
        )
    )
    return sec
