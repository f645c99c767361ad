"""The report's limitations section (TRIPOD item 18), stated from the run.

Every sentence is built from what the cohort and the earlier sections left in ``ctx.results``
(the data statement's origin, the sample size, the Cox model and its complete cases, the
imputation plan, the PH check, the published model and its population, the follow-up), so a
different cohort gives different sentences; a limitation that does not apply is left out.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from lms_prognosis._format import format_number, format_p
from lms_prognosis.literature import published_model
from lms_prognosis.nonparametric.followup import median_follow_up
from lms_prognosis.report._context import FACTOR_LABELS, Context
from lms_prognosis.report._data_origin import data_origin
from lms_prognosis.report._document import Paragraph, Section
from lms_prognosis.report._sections_model import simulated_from

__all__ = ["section_limitations", "limitations", "SHORT_FOLLOW_UP_MONTHS", "PH_ALPHA"]

#: median follow-up below which the report calls follow-up short: the 5-year horizon the
#: report and the published LMS series use (60 months)
SHORT_FOLLOW_UP_MONTHS = 60.0
#: design value: a PH score test below this p flags the term
PH_ALPHA = 0.05
#: words in a ``ctx.results`` key that mark an internal (bootstrap) validation of the fitted model
_INTERNAL_KEYS = ("bootstrap", "internal_validation", "optimism")
#: derived factors that dichotomise a continuous measurement, with the cut in words
_DICHOTOMISED = {"age_ge_60": "age at 60 years", "size_gt_5cm": "tumour size at 5 cm"}


def _origin(ctx: Context) -> str:
    origin = ctx.results.get("data_origin") or data_origin(ctx.cohort)
    if origin.synthetic:
        return (
            "The data are synthetic: every patient was simulated from one generating model, so "
            "this report shows how the methods behave, not how leiomyosarcoma behaves, and no "
            "estimate here describes real patients."
        )
    return (
        f"All patients come from one source ({origin.source}); how they were selected and "
        "whether the data were collected prospectively is not recorded, so a retrospective "
        "single-source series is assumed: selection and information bias cannot be excluded, "
        "and the results may not hold in other centres or eras."
    )


def _missing(ctx: Context) -> str | None:
    plan = ctx.results.get("missing_plan")
    cox = ctx.results.get("cox")
    if plan and plan.get("m"):
        return (
            f"Missing covariates were multiply imputed (m = {plan['m']}), which assumes they "
            "are missing at random given the variables in the imputation model; the "
            "complete-case model is the sensitivity analysis."
        )
    n_drop = int(cox.dropped["row"].nunique()) if cox is not None else 0
    if cox is not None and n_drop:
        share = n_drop / (n_drop + cox.n)
        return (
            f"Complete-case analysis: {n_drop} patients ({format_number(100 * share, 1)}%) with "
            "a missing covariate were left out of the Cox model, which is unbiased only if "
            "the values are missing completely at random (or missingness does not depend on "
            "the outcome) and loses precision."
        )
    return None


def _sample_size(ctx: Context) -> str | None:
    ss = ctx.results.get("sample_size")
    if not ss or "epv" not in ss:
        return None
    epv = ss["epv"]
    text = f"The model has {format_number(epv, 1)} events per parameter"
    if epv < 10:
        text += ", below 10: its hazard ratios may be biased away from 1 and its C optimistic"
    elif epv < 20:
        text += ", below 20: some overfitting is expected"
    riley = ss.get("riley")
    if riley is not None and not ss.get("meets"):
        text += (
            f"; the cohort has fewer patients than Riley's minimum ({riley.n}), so the "
            "model is expected to be overfitted and should not be used for individual "
            "predictions without shrinkage and external validation"
        )
    elif riley is not None:
        text += f"; the cohort meets Riley's minimum sample size ({riley.n} patients)"
    return text + "."


def _dichotomised(ctx: Context) -> str | None:
    cox = ctx.results.get("cox")
    covs = list(getattr(cox, "covariates", []) or []) if cox is not None else []
    cut = [_DICHOTOMISED[c] for c in covs if c in _DICHOTOMISED]
    if not cut:
        return None
    return (
        f"The model dichotomises {' and '.join(cut)}, as the literature's factors do; this "
        "discards information and assumes a step in risk at the cut (Royston, Altman and "
        "Sauerbrei, Stat Med 2006;25:127\u2013141)."
    )


def _validation(ctx: Context) -> str | None:
    if "cox" not in ctx.results:
        return None
    # an optimism-corrected (bootstrap) validation of the fitted model, if a section left one
    internal = any(w in str(k) for k in ctx.results for w in _INTERNAL_KEYS)
    return "The fitted model was not validated externally (in patients from another source)" + (
        "; its performance was corrected for optimism by bootstrap only."
        if internal
        else "; its Harrell's C is apparent, measured on the patients it was fitted to, "
        "which overstates its performance in new patients."
    )


def _published(ctx: Context) -> str | None:
    pm = ctx.results.get("published_model") or published_model(ctx.model_name)
    text = f"The model {pm.name} applies only to its population ({pm.population.summary()})"
    if pm.kind == "design":
        text += (
            "; it is a set of design values, not a model fitted to patients, so its "
            "performance here is no evidence of clinical use"
        )
        if simulated_from(pm, ctx.cohort):
            text += ", and the cohort was simulated from it, which makes the check circular"
    return text + "."


def _follow_up(ctx: Context) -> str | None:
    fu = ctx.results.get("follow_up") or median_follow_up(ctx.data)
    med = float(fu.median)
    at60 = int((ctx.data["time"] >= 60).sum())
    if pd.notna(med) and med >= SHORT_FOLLOW_UP_MONTHS:
        return None
    told = "not reached" if pd.isna(med) else f"{format_number(med, 1)} months"
    reach = (
        "no patient was followed for 5 years, so the data give no 5-year estimate"
        if at60 == 0
        else f"{at60} patients were followed for 5 years, so 5-year estimates rest on few patients"
    )
    return (
        f"Follow-up is short: median {told} (reverse Kaplan\u2013Meier), below 5 years; "
        f"{reach}, and late events are missed."
    )


def _ph(ctx: Context) -> str | None:
    ph = ctx.results.get("ph")
    if ph is None:
        return None
    t = ph.table
    terms = t[(t["term"].astype(str) != "GLOBAL") & (t["p"] < PH_ALPHA)]
    if terms.empty:
        return None
    flagged = ", ".join(
        f"{FACTOR_LABELS.get(str(term), str(term))} ({format_p(float(p))})"
        for term, p in zip(terms["term"], terms["p"], strict=True)
    )
    return (
        f"The proportional-hazards check flagged {flagged}: the hazard ratio of "
        f"{'this term' if len(terms) == 1 else 'these terms'} changes over follow-up, and the "
        "reported value is an average over time."
    )


_PARTS: tuple[tuple[str, Callable[[Context], str | None]], ...] = (
    ("data", _origin),
    ("missing", _missing),
    ("sample size", _sample_size),
    ("dichotomised", _dichotomised),
    ("validation", _validation),
    ("published model", _published),
    ("follow-up", _follow_up),
    ("proportional hazards", _ph),
)


def limitations(ctx: Context) -> list[tuple[str, str]]:
    """(kind, sentence) for every limitation that applies to this run."""
    out = []
    for kind, fn in _PARTS:
        text = fn(ctx)
        if text:
            out.append((kind, text))
    return out


def section_limitations(ctx: Context) -> Section:
    """Limitations, each stated from the data and the analyses of this report."""
    found = limitations(ctx)
    ctx.results["limitations"] = found
    sec = Section("limitations", "Limitations")
    for _, text in found:
        sec.add(Paragraph(text))
    return sec
