"""The report's sample-size section (TRIPOD item 8): events per model parameter and Riley's
minimum sample size for a survival prediction model, for the report's multivariable model.

The model is the one the Cox section fits (same covariates, same complete cases); it is fitted
here too, before the Cox section, because a reader meets the sample size first. The numbers
come from :func:`lms_prognosis.riley_sample_size`; this module only words them and leaves
them in ``ctx.results["sample_size"]`` for the limitations section.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._format import format_number
from lms_prognosis.exceptions import LMSPrognosisError
from lms_prognosis.report._context import Context, months
from lms_prognosis.report._document import Paragraph, Section
from lms_prognosis.report._run import MIN_EVENTS_COX
from lms_prognosis.report._sections_model import report_cox
from lms_prognosis.simulate.samplesize import SampleSizeResult, cox_snell_r2, riley_sample_size

__all__ = ["section_sample_size", "SAMPLE_SIZE_REFERENCES", "epv_words"]

SAMPLE_SIZE_REFERENCES = (
    "Riley RD, Snell KIE, Ensor J, et al. Minimum sample size for developing a multivariable "
    "prediction model: PART II \u2013 binary and time-to-event outcomes. Stat Med "
    "2019;38:1276\u20131296.",
    "Riley RD, Ensor J, Snell KIE, et al. Calculating the sample size required for developing "
    "a clinical prediction model. BMJ 2020;368:m441.",
    "Peduzzi P, Concato J, Feinstein AR, Holford TR. Importance of events per independent "
    "variable in proportional hazards regression analysis. II. Accuracy and precision of "
    "regression estimates. J Clin Epidemiol 1995;48:1503\u20131510.",
)


NOT_COMPUTED = "so events per parameter and Riley's minimum sample size are not computed."


def epv_words(epv: float) -> str:
    """Where an EPV stands against the rules of thumb of 10 (Peduzzi 1995) and 20."""
    if epv < 10:
        return "below 10, the usual minimum (Peduzzi et al. 1995)"
    if epv < 20:
        return "at least 10 (Peduzzi et al. 1995) but below 20"
    return "at least 20"


def _model(ctx: Context) -> tuple[Any, pd.DataFrame]:
    """The report's multivariable Cox model (the Cox section's fit) and its patients."""
    d = ctx.data
    cox = report_cox(ctx)
    used = d.drop(index=list(set(cox.dropped["row"]))) if len(cox.dropped) else d
    return cox, used


def _lr(cox: Any) -> float:
    tests = cox.tests.set_index("test")
    if "likelihood ratio" not in tests.index:
        return math.nan
    return float(tests.loc["likelihood ratio", "statistic"])


def _analysed(ctx: Context, cox: Any, used: pd.DataFrame) -> tuple[pd.DataFrame, int, str]:
    """The patients of the primary analysis (all of them when multiple imputation is the
    primary analysis, else the complete cases), its events, and the words for it."""
    plan = ctx.results.get("missing_plan")
    if plan and plan.get("m"):
        d = ctx.data
        events = int((pd.to_numeric(d["event"]) == 1).sum())
        cc = cox.n_events / len(cox.coef)
        return (
            d,
            events,
            (
                f"with multiple imputation (the primary analysis) on all {len(d)} patients with "
                f"{events} events (the complete-case sensitivity analysis: {cox.n} patients, "
                f"{cox.n_events} events, {format_number(cc, 1)} events per parameter)"
            ),
        )
    events = int(cox.n_events)
    return used, events, f"on {cox.n} patients with complete data and {events} events"


def _riley(ctx: Context, cox: Any, used: pd.DataFrame, events: int) -> tuple[SampleSizeResult, str]:
    """Riley's minimum from the model's LR statistic (or 15% of max R2 when it cannot be)."""
    years = used["time"].to_numpy(float) / 12.0
    rate = events / float(years.sum())
    meanfup = float(years.mean())
    horizon = max(ctx.time_points) / 12.0
    parameters = len(cox.coef)
    lr = _lr(cox)
    if np.isfinite(lr) and lr > 0:
        r2 = cox_snell_r2(lr, cox.n)
        try:
            res = riley_sample_size(parameters, rate, horizon, meanfup, r2)
            how = (
                f"the fitted model's, 1 \u2212 exp(\u2212LR/n) with LR \u03c7\u00b2 = "
                f"{format_number(lr)} (as pmsampsize takes a reported model's R\u00b2); "
                "being apparent, it overstates the R\u00b2 in new patients, so the true "
                "minimum may be larger"
            )
            return res, how
        except LMSPrognosisError:
            pass  # R2 at or above its maximum: fall back to Riley's default
    res = riley_sample_size(parameters, rate, horizon, meanfup, None)
    return res, (
        "15% of its maximum (Nagelkerke R\u00b2 0.15, Riley et al. 2020), because it could "
        "not be estimated from the model"
    )


def _criteria_frame(res: SampleSizeResult) -> pd.DataFrame:
    names = {
        "1 shrinkage": f"1. Expected shrinkage \u2265 {res.shrinkage_target:g}",
        "2 optimism in R2": (
            f"2. Optimism in Nagelkerke R\u00b2 \u2264 {res.r2_optimism:g} (shrinkage "
            f"{format_number(float(res.table['shrinkage'].iloc[1]), 3)})"
        ),
        "3 overall risk": (
            f"3. Overall risk at {res.timepoint:g} years within \u00b1{res.margin:g}"
        ),
        "final": "Minimum (largest of 1\u20133)",
    }
    t = res.table
    return pd.DataFrame(
        {
            "criterion": [names[c] for c in t["criterion"]],
            "patients": [str(int(n)) for n in t["n"]],
            "events": [str(int(math.ceil(e))) for e in t["events"]],
            "events per parameter": [format_number(float(x), 1) for x in t["epp"]],
        }
    )


def section_sample_size(ctx: Context) -> Section:
    """Events per model parameter and Riley's minimum sample size, and whether the cohort
    meets it."""
    sec = Section("sample-size", "Sample size")
    events_all = int((pd.to_numeric(ctx.data["event"]) == 1).sum())
    if events_all < MIN_EVENTS_COX:
        few = (
            f"The cohort has only {events_all} events, too few for the report's "
            f"multivariable Cox model (at least {MIN_EVENTS_COX}), {NOT_COMPUTED}"
        )
        sec.add(Paragraph(few, kind="note"))
        return sec
    try:
        cox, used = _model(ctx)
    except LMSPrognosisError as exc:  # a reason in the data: the Cox section says which
        none = f"No multivariable Cox model could be fitted to this cohort, {NOT_COMPUTED}"
        sec.add(Paragraph(none, kind="note"))
        ctx.results["sample_size"] = {"error": str(exc)}
        return sec
    frame, events, words = _analysed(ctx, cox, used)
    parameters, n = len(cox.coef), len(frame)
    epv = events / parameters
    sec.add(
        Paragraph(
            f"The multivariable Cox model below has {parameters} parameters "
            f"({len(cox.covariates)} covariates; a factor with k levels counts k \u2212 1) and "
            f"is fitted {words}: {format_number(epv, 1)} events per parameter (EPV), "
            f"{epv_words(epv)}."
        )
    )
    res, how = _riley(ctx, cox, frame, events)
    meets = res.meets(n)
    ctx.results["sample_size"] = {
        "epv": epv,
        "parameters": parameters,
        "events": events,
        "n": n,
        "riley": res,
        "meets": meets,
    }
    sec.add(
        Paragraph(
            "Riley's minimum sample size for a survival prediction model (Riley et al. "
            f"2019, 2020) takes {parameters} parameters, the event rate "
            f"({format_number(res.rate, 3)} per person-year), the mean follow-up "
            f"({format_number(res.meanfup, 2)} years), the overall risk at "
            f"{months(max(ctx.time_points))} months and an anticipated Cox\u2013Snell "
            f"R\u00b2 of {format_number(res.r2_cs, 3)} (maximum "
            f"{format_number(res.max_r2_cs, 3)}, Nagelkerke R\u00b2 "
            f"{format_number(res.r2_nagelkerke, 3)}). The R\u00b2 is {how}. The model needs "
            f"at least {res.n} patients ({math.ceil(res.events)} events, "
            f"{format_number(res.epp, 1)} per parameter): this cohort's {n} patients "
            f"with {events} events {'meet' if meets else 'do not meet'} it."
        )
    )
    sec.add(
        ctx.writer.table(
            _criteria_frame(res),
            "sample_size",
            "Minimum sample size by criterion (Riley et al.)",
            csv_frame=res.table,
            note=(
                f"95% CI of the overall risk at {res.timepoint:g} years with the larger of "
                f"criteria 1 and 2: {format_number(res.risk_lower, 3)}\u2013"
                f"{format_number(res.risk_upper, 3)} around "
                f"{format_number(res.risk, 3)}. Events = patients \u00d7 rate \u00d7 mean "
                "follow-up."
            ),
        )
    )
    _methods(ctx)
    return sec


def _methods(ctx: Context) -> None:
    ctx.results.setdefault("methods_text", []).append(
        "Sample size: events per model parameter (EPV), and Riley's minimum sample size for a "
        "survival prediction model (expected shrinkage \u2265 0.9, optimism in Nagelkerke "
        "R\u00b2 \u2264 0.05, overall risk at the horizon within \u00b10.05), computed by "
        'lms_prognosis.riley_sample_size as the pmsampsize package (type = "s").'
    )
    ctx.results.setdefault("method_references", []).extend(SAMPLE_SIZE_REFERENCES)
