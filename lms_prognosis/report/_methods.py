"""The report's methods paragraph (conventions and sources) and the software section."""

from __future__ import annotations

import pandas as pd

from lms_prognosis._provenance import hash_frame
from lms_prognosis._versions import versions
from lms_prognosis.literature import published_model
from lms_prognosis.report._context import ENDPOINT_NAMES, R_REFERENCE, Context
from lms_prognosis.report._document import Paragraph, Section
from lms_prognosis.report._sections_model import model_use_sentence

#: Method references cited by the methods paragraph, each with the analysis that cites it
#: (only the references of analyses that were done are listed).
METHOD_REFERENCES: tuple[tuple[str, str], ...] = (
    (
        "km",
        "Kaplan EL, Meier P. Nonparametric estimation from incomplete observations. "
        "J Am Stat Assoc 1958;53:457\u2013481.",
    ),
    (
        "km",
        "Greenwood M. The natural duration of cancer. Reports on Public Health and Medical "
        "Subjects 1926;33:1\u201326.",
    ),
    (
        "summary",
        "Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time. "
        "Control Clin Trials 1996;17:343\u2013346.",
    ),
    ("cox", "Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187\u2013220."),
    (
        "cox",
        "Efron B. The efficiency of Cox's likelihood function for censored data. "
        "J Am Stat Assoc 1977;72:557\u2013565.",
    ),
    (
        "ph",
        "Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on "
        "weighted residuals. Biometrika 1994;81:515\u2013526.",
    ),
    (
        "concordance",
        "Harrell FE, Lee KL, Mark DB. Multivariable prognostic models: issues in developing "
        "models, evaluating assumptions and adequacy, and measuring and reducing errors. "
        "Stat Med 1996;15:361\u2013387.",
    ),
    (
        "validation",
        "Austin PC, Harrell FE, van Klaveren D. Graphical calibration curves and the "
        "integrated calibration index (ICI) for survival models. Stat Med 2020;39:2714\u20132742.",
    ),
    (
        "smd",
        "Yang D, Dalton JE. A unified approach to measuring the effect size between two groups "
        "using SAS. SAS Global Forum 2012, paper 335.",
    ),
    (
        "summary",
        "Therneau TM. A package for survival analysis in R (survival). "
        "https://CRAN.R-project.org/package=survival",
    ),
)


def _sources(ctx: Context, factors: bool) -> tuple[list[str], int]:
    """The published model's sources, numbered as in its factor table ([1], [2], ...), plus
    Gustafson et al. 1992 (where the report's factors come from) when the factors were
    analysed; returns (sources, its number).
    """
    sources = list(ctx.results.get("sources", []))
    for i, s in enumerate(sources, 1):
        if s.startswith("Gustafson P, Rydholm A"):
            return sources, i
    if not factors:
        return sources, 0
    sources.append(str(published_model("gustafson1992").factors["source"].iloc[0]))
    return sources, len(sources)


def _done(ctx: Context) -> set[str]:
    """What was done: the sections computed and the analyses within them."""
    r = ctx.results
    # a validation section can show the model's factors without validating it
    done = set(r.get("done", [])) - {"validation"}
    done |= {key for key in ("km", "cox", "ph", "validation", "logrank") if key in r}
    if "cox" in done or "validation" in done:
        done.add("concordance")
    if ctx.table_one_by and "table-one" in done:
        done.add("smd")
    return done


def _km_text(ctx: Context, done: set[str], gustafson: int) -> list[str]:
    out = []
    if "logrank" in done or "cox" in done:
        out.append(
            "Age \u226560 years, vascular invasion, DNA aneuploidy and any tumour necrosis (the "
            f"factors of Gustafson et al. [{gustafson}]), size >5 cm, deep location and FNCLCC "
            "grade were analysed as categorical factors, the first level being the reference."
        )
    if "km" in done:
        out.append(
            "Survival was estimated by the Kaplan\u2013Meier method with Greenwood's variance "
            "and pointwise 95% confidence intervals on the log scale (R survfit's default "
            'conf.type = "log"); the cumulative hazard is the Nelson\u2013Aalen estimator and '
            "the number at risk at time t counts the patients followed for at least t."
        )
    if "summary" in done:
        out.append("Median follow-up is the reverse Kaplan\u2013Meier median.")
    if "logrank" in done:
        out.append(
            "Groups were compared with the log-rank test, and grade with the log-rank test "
            "for trend (the grades scored 1, 2, 3)."
        )
    return out


def _cox_text(ctx: Context, done: set[str]) -> list[str]:
    ties = str(getattr(ctx.results.get("cox"), "ties", "efron")).capitalize()
    tp = ", ".join(f"{t:g}" for t in ctx.time_points)
    out = []
    if "cox" in done:
        out.append(
            f"Hazard ratios are from Cox proportional-hazards models with {ties}'s method for "
            "tied event times, fitted by Newton\u2013Raphson from zero, with Wald 95% "
            "confidence intervals and Wald p-values; the univariable columns refit each factor "
            "alone. Necrosis is a component of the FNCLCC grade, so their joint effects overlap."
        )
    if "ph" in done:
        out.append(
            "Proportional hazards were checked with the score test of R cox.zph (survival 3, "
            "Kaplan\u2013Meier time transform), per term and globally (Grambsch and Therneau), "
            "with plots of scaled Schoenfeld residuals."
        )
    if "concordance" in done:
        out.append(
            "Discrimination is Harrell's C with the tie rules of R concordance() (pairs tied on "
            "the risk score count one half; pairs tied on time are not comparable unless one is "
            "an event and the other censored at that time) and its standard error."
        )
    if "risk" in done:
        out.append(
            f"Per-patient survival at {tp} months is the Cox model's prediction with the "
            f"{ties}-corrected baseline hazard as R survfit.coxph, with confidence intervals on "
            "the log scale that include the variance of the coefficients."
        )
    return out


def _model_text(ctx: Context, done: set[str], pm_name: str) -> list[str]:
    if "published_model" not in ctx.results:
        return []
    if "validation" not in done:
        return [
            f"The factors of the published model {pm_name} are shown with their sources; the "
            "model was not validated on this cohort."
        ]
    sentence = model_use_sentence(
        ctx.results["published_model"],
        max(ctx.time_points),
        recalibrated="recalibrated_calibration" in ctx.results,
    )
    return [sentence]


def methods_section(ctx: Context) -> Section:
    """Methods paragraph: what was done (as R survival) and the sources, with references.

    Only the analyses that were computed are described: a section replaced by a sentence
    (no events, too few patients, ...) is not.
    """
    c = ctx.cohort
    pm = ctx.results.get("published_model")
    pm_name = getattr(pm, "name", ctx.model_name)
    done = _done(ctx)
    sources, gustafson = _sources(ctx, bool(done & {"logrank", "cox"}))
    parts = [
        f"The endpoint is {ENDPOINT_NAMES.get(c.endpoint, c.endpoint)} ({c.endpoint}); time "
        "is in months. Competing events (event code 2, e.g. death from another cause) count "
        "as censored for the endpoint. Rows that could not be used were excluded on reading "
        "and are listed with the reason in exclusions.csv"
        + (
            "; each model uses the complete cases over its covariates and reports the patients "
            "it left out."
            if done & {"cox", "validation", "logrank"}
            else "."
        ),
        *_km_text(ctx, done, gustafson),
        *_cox_text(ctx, done),
        *_model_text(ctx, done, pm_name),
    ]
    if "table-one" in done:
        parts.append(
            "Table 1 reports median [IQR], mean (SD) and n (%)"
            + (", and standardised differences as Yang and Dalton." if "smd" in done else ".")
        )
    parts.append(
        f"The methods were tested against {R_REFERENCE} (reference fixtures in the "
        "package's tests)."
    )
    skipped = ctx.results.get("errors", {})
    if skipped:
        parts.append(
            f"{len(skipped)} analyses could not be computed for this cohort; each is replaced "
            "in its section by a sentence saying why and is not described here."
        )
    sec = Section("methods", "Methods")
    sec.add(Paragraph(" ".join(parts)))
    for extra in ctx.results.get("methods_text", []):  # added by the optional sections
        sec.add(Paragraph(extra))
    sec.add(_references(ctx, sources, pm_name, done))
    return sec


def _references(ctx: Context, sources: list[str], pm_name: str, done: set[str]) -> Section:
    refs = Section("references", "References", level=2)
    if sources:
        refs.add(Paragraph(f"Sources of the published model {pm_name} and of the factors:"))
        for i, s in enumerate(sources, 1):
            refs.add(Paragraph(f"[{i}] {s}", kind="note"))
    cited = [text for key, text in METHOD_REFERENCES if key in done]
    refs.add(Paragraph("Methods:"))
    more = list(ctx.results.get("method_references", []))  # added by the optional sections
    for i, s in enumerate(cited + more, len(sources) + 1):
        refs.add(Paragraph(f"[{i}] {s}", kind="note"))
    return refs


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
