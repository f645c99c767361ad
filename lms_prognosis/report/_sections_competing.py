"""The report's competing-risks sections, used when the cohort has competing events (code 2).

* :func:`section_cif` replaces the Kaplan-Meier section: the cumulative incidence (Aalen-Johansen,
  :func:`lms_prognosis.cumulative_incidence`) overall, both causes stacked, and by each risk
  factor with Gray's test (:func:`lms_prognosis.gray_test`) and numbers at risk
  (:func:`lms_prognosis.plot_cif`); beside it 1 - Kaplan-Meier, to show how much censoring the
  competing events overstates the risk.
* :func:`section_competing_models` follows the Cox model: cause-specific Cox models
  (:func:`lms_prognosis.fit_cause_specific`) and the Fine-Gray model
  (:func:`lms_prognosis.fit_fine_gray`) side by side, HR table and forest plot, with a paragraph
  saying which answers which question.
* :func:`section_absolute_risk` replaces the per-patient survival: the absolute risk of the cause
  of interest (Fine-Gray ``predict_cif``), with CIs.

:func:`competing_steps` swaps these into the report's steps; nothing is estimated here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._format import format_number, format_p
from lms_prognosis.cox import fit_cause_specific, fit_fine_gray, pool
from lms_prognosis.exceptions import ReportError
from lms_prognosis.nonparametric import cumulative_incidence, gray_test, kaplan_meier
from lms_prognosis.plotting import plot_cif, plot_forest
from lms_prognosis.report._calculator_fields import ENDPOINT_CAUSES
from lms_prognosis.report._context import Context, months, surv_cell
from lms_prognosis.report._document import Grid, Paragraph, Section
from lms_prognosis.report._factors import REPORT_FACTORS, Factor, derive_factors
from lms_prognosis.report._sections_missing import hr_side_by_side, term_label
from lms_prognosis.report._sections_model import PER_PATIENT_ROWS, _cox_covariates

__all__ = [
    "CAUSE_NAMES",
    "check_cause",
    "competing_steps",
    "section_cif",
    "section_competing_models",
    "section_absolute_risk",
    "QUESTIONS_TEXT",
]

#: names of the event codes (design.md section 3)
CAUSE_NAMES = {1: "the endpoint event", 2: "a competing event"}

QUESTIONS_TEXT = (
    "Which analysis answers which question. Aetiology (does a factor act on the rate at which "
    "patients die of the disease, among those still alive?) is answered by the cause-specific "
    "hazard ratios: competing events are censored, and the hazard of each cause is modelled "
    "in the patients still at risk of it. Prediction of absolute risk (what proportion of "
    "patients like this one will have the event by a given time, when some die of other "
    "causes first?) is answered by the cumulative incidence function and the Fine\u2013Gray "
    "model, whose subdistribution hazard ratios describe the effect on the cumulative "
    "incidence but are not rates among those at risk. A factor that also raises the hazard "
    "of the competing event (such as age) has a smaller subdistribution than cause-specific "
    "hazard ratio. 1 \u2212 Kaplan\u2013Meier treats patients who died of other causes as "
    "if they could still have the event, and so overstates the absolute risk."
)


CR_REFERENCES = (
    "Aalen OO, Johansen S. An empirical transition matrix for non-homogeneous Markov chains "
    "based on censored observations. Scand J Stat 1978;5:141\u2013150.",
    "Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a competing "
    "risk. Ann Stat 1988;16:1141\u20131154.",
    "Fine JP, Gray RJ. A proportional hazards model for the subdistribution of a competing "
    "risk. J Am Stat Assoc 1999;94:496\u2013509.",
    "Austin PC, Lee DS, Fine JP. Introduction to the analysis of survival data in the presence "
    "of competing risks. Circulation 2016;133:601\u2013609.",
)


def _methods(ctx: Context, cause: int) -> None:
    """The competing-risks paragraph of Methods (and its references)."""
    ctx.results.setdefault("methods_text", []).append(
        f"Competing risks. The cohort has competing events (event code 2); cause {cause} is "
        "the cause of interest. The cumulative incidence of each cause is the "
        "Aalen\u2013Johansen estimate with infinitesimal-jackknife standard errors and "
        "log-transformed pointwise 95% intervals, as R survfit's multi-state curves; groups "
        "were compared with Gray's test (rho = 0, as cmprsk::cuminc). In the Kaplan\u2013Meier "
        "and Cox analyses competing events are censored, so the Cox hazard ratios are "
        "cause-specific; cause-specific Cox models of both causes (Efron ties) are shown beside "
        "the Fine\u2013Gray model of the subdistribution hazard (as cmprsk::crr). The "
        "cause-specific hazard ratios answer aetiological questions, the cumulative incidence "
        "and the Fine\u2013Gray model questions of absolute risk (Austin et al.). Per-patient "
        "absolute risks are the Fine\u2013Gray predicted cumulative incidence (cmprsk "
        "predict.crr), with delta-method 95% intervals on the log(\u2212log(1 \u2212 F)) scale."
    )
    ctx.results.setdefault("method_references", []).extend(CR_REFERENCES)


def check_cause(cause: Any) -> int:
    """Refuse a cause of interest that is not an event code 1 or 2."""
    if isinstance(cause, bool) or cause not in (1, 2):
        raise ReportError(
            f"cause must be 1 (the endpoint event) or 2 (the competing event), got "
            f"cause={cause!r} (--cause 1 or --cause 2)"
        )
    return int(cause)


def _cause(ctx: Context) -> int:
    return int(ctx.results.get("options", {}).get("cause", 1))


def _cause_labels(ctx: Context) -> dict[int, str]:
    first, second = ENDPOINT_CAUSES.get(str(ctx.cohort.endpoint), ("Event", "Competing event"))
    return {1: first, 2: second}


def _cause_name(ctx: Context, cause: int) -> str:
    """The cause's name inside a sentence ("death from LMS")."""
    name = _cause_labels(ctx)[cause]
    return name[0].lower() + name[1:]


def _ylim(cif: Any, cause: int) -> tuple[float, float]:
    """Zoom the probability axis to the curves (0 to the highest upper limit, by 0.1)."""
    top = float(np.nanmax(cif.table.loc[cif.table["cause"] == cause, "upper"], initial=0.0))
    return (0.0, min(1.0, np.ceil(top * 10 + 0.5) / 10))


def competing_steps(steps: list[Any], ctx: Context) -> list[Any]:
    """With competing events: CIF instead of KM, the two competing-risk models after the Cox
    model (retold as cause-specific), absolute instead of survival risk. Else ``steps``."""
    event = pd.to_numeric(ctx.data["event"])
    cause = _cause(ctx)
    if not (event == 2).any():
        if cause != 1:
            raise ReportError(
                f"cause {cause} (--cause {cause}) does not occur: the cohort has no "
                "competing event (event code 2); use --cause 1"
            )
        return steps
    if not (event == cause).any():
        raise ReportError(
            f"cause {cause} (--cause {cause}) does not occur in this cohort; choose a cause "
            f"present: {sorted(int(e) for e in event.unique() if e > 0)}"
        )
    out: list[Any] = []
    for step in steps:
        sid = step[2]
        if sid == "km":
            out.append(("cumulative incidence", section_cif, "cif", "Cumulative incidence"))
        elif sid == "cox":
            out.append((step[0], _cause_specific_note(step[1]), sid, step[3]))
        elif sid == "ph":
            out.append(step)
            out.append(
                (
                    "competing risks",
                    section_competing_models,
                    "competing",
                    "Competing risks: cause-specific and Fine\u2013Gray models",
                )
            )
        elif sid == "risk":
            out.append(("absolute risk", section_absolute_risk, "risk", "Per-patient risk"))
        else:
            out.append(step)
    return out


def _cause_specific_note(fn: Callable[[Context], Section]) -> Callable[[Context], Section]:
    def section(ctx: Context) -> Section:
        sec = fn(ctx)
        sec.blocks.insert(
            0,
            Paragraph(
                "Competing events are censored in this Cox model, so its hazard ratios are the "
                "cause-specific hazard ratios of the endpoint event (aetiology); the absolute "
                "risk is in the competing-risks section below.",
                kind="note",
            ),
        )
        return sec

    return section


# ------------------------------------------------------------------- cumulative incidence
def section_cif(ctx: Context) -> Section:
    """CIF overall (causes stacked) and by each factor with Gray's test."""
    cause = _cause(ctx)
    sec = Section("cif", "Cumulative incidence")
    _methods(ctx, cause)
    sec.add(
        Paragraph(
            f"{int((ctx.data['event'] == 2).sum())} patients had a competing event (event "
            "code 2). The risk of each cause is therefore shown as its cumulative incidence "
            "(Aalen\u2013Johansen), not as 1 \u2212 Kaplan\u2013Meier, which would count "
            "those patients as if they could still have the event and overstate the risk."
        )
    )
    sec.add(_cif_overall(ctx, cause))
    grid = Grid("cif-grid", columns=2)
    tests, by_time = [], []
    cifs = {f.column: _cif_by(ctx, f.column, cause) for f in REPORT_FACTORS}
    tops = [_ylim(c, cause)[1] for c in cifs.values() if c is not None]
    ylim = (0.0, max(tops, default=1.0))  # one scale for every panel, to compare them
    for factor in REPORT_FACTORS:
        cif = cifs[factor.column]
        drawn = None if cif is None else _cif_factor(ctx, factor, cause, cif, ylim)
        if drawn is not None:
            grid.figures.append(drawn[0])
            tests.append(drawn[1])
            by_time.extend(drawn[2])
    by = Section("cif-factors", "By risk factor, with Gray's test", level=2)
    sec.add(by)
    if not tests:
        by.add(Paragraph("No risk factor has two or more groups in this cohort.", kind="note"))
        return sec
    name = _cause_name(ctx, cause)
    by.add(Paragraph(f"Cumulative incidence of {name} by each risk factor (95% bands)."))
    by.add(grid)
    w = ctx.writer
    by.add(
        w.table(
            pd.DataFrame(tests),
            "gray_tests",
            f"Gray's tests of equal cumulative incidence of {name}, by risk factor",
            note="As cmprsk::cuminc (rho = 0). Patients with the factor missing are left out "
            "of that comparison.",
        )
    )
    by.add(
        w.table(
            pd.DataFrame(by_time),
            "cif_by_factor",
            f"Cumulative incidence of {name} (95% CI) at the time points, by factor",
            group_column="factor",
        )
    )
    return sec


def _cif_overall(ctx: Context, cause: int) -> Section:
    w, d = ctx.writer, ctx.data
    cif = cumulative_incidence(d)
    ctx.results["cif"] = cif
    labels = _cause_labels(ctx)
    sub = Section("cif-overall", "All patients", level=2)
    fig = plot_cif(cif, stacked=True, cause_labels=labels, title="All patients")
    sub.add(
        w.figure(
            fig,
            "cif_overall",
            "Cumulative incidence of each cause, stacked (the top edge is 1 \u2212 event-free "
            "survival), with numbers at risk.",
            width=0.62,
        )
    )
    at = cif.at(list(ctx.time_points), extend=True)
    km = kaplan_meier(d).at(list(ctx.time_points))
    rows = []
    for i, t in enumerate(ctx.time_points):
        row = {"time, months": months(t)}
        for c in cif.causes:
            r = at[(at["cause"] == c) & np.isclose(at["time"], t)].iloc[0]
            row[f"{labels[c]} (95% CI)"] = surv_cell(r["cif"], r["lower"], r["upper"])
        k = km.iloc[i]
        row[f"1 \u2212 Kaplan\u2013Meier, {_cause_name(ctx, 1)}"] = surv_cell(
            1 - k["surv"], 1 - k["upper"], 1 - k["lower"]
        )
        rows.append(row)
    sub.add(
        w.table(
            pd.DataFrame(rows),
            "cif_overall",
            "Cumulative incidence at the time points, all patients",
            csv_frame=at,
            note="The last column censors the competing events (shown for comparison only: it "
            "overstates the absolute risk).",
        )
    )
    return sub


def _cif_by(ctx: Context, col: str, cause: int) -> Any:
    """The CIF by ``col`` (None: absent, fewer than two groups, or no event of the cause)."""
    d = ctx.data
    if col not in d or d[col].dropna().nunique() < 2:
        return None
    cif = cumulative_incidence(d, group=col)
    return cif if cause in cif.causes else None


def _cif_factor(
    ctx: Context, factor: Factor, cause: int, cif: Any, ylim: tuple[float, float]
) -> tuple[Any, dict[str, str], list[dict[str, str]]]:
    d, col = ctx.data, factor.column
    gt = gray_test(d, group=col, cause=cause)
    fig = plot_cif(
        cif,
        cause=cause,
        gray=gt,
        labels=str,
        title=factor.label,
        cause_labels=_cause_labels(ctx),
        ylim=ylim,
    )
    missing = int(cif.dropped.loc[cif.dropped["column"] == col, "row"].nunique())
    caption = f"{factor.label} (Gray's test, {format_p(gt.p)})" + (
        f"; {missing} patients with this factor missing not shown." if missing else "."
    )
    figure = ctx.writer.figure(fig, f"cif_{col}", caption, dpi=130)
    test = {
        "factor": factor.label,
        "groups": str(len(cif.groups)),
        "patients": str(gt.n),
        "chi-square": format_number(gt.chisq),
        "df": str(int(gt.df)),
        "p": format_p(gt.p, prefix=False),
    }
    at = cif.at(list(ctx.time_points), extend=True, cause=cause)
    by_time = []
    for g in cif.groups:
        row = {"factor": factor.label, "level": str(g)}
        sel = at[at["group"] == g]
        for t, f, lo, hi in zip(sel["time"], sel["cif"], sel["lower"], sel["upper"], strict=True):
            row[f"{months(float(t))} months"] = surv_cell(f, lo, hi)
        by_time.append(row)
    return figure, test, by_time


# ------------------------------------------------------------------------------- models
def section_competing_models(ctx: Context) -> Section:
    """Cause-specific and Fine-Gray models side by side (table and forest plot)."""
    cause, w, d = _cause(ctx), ctx.writer, ctx.data
    other = 3 - cause
    sec = Section("competing", "Competing risks: cause-specific and Fine\u2013Gray models")
    covs = _cox_covariates(ctx, Section("tmp", "tmp"))
    cs = fit_cause_specific(d, covs)
    fg = fit_fine_gray(d, covs, cause=cause)
    ctx.results["cause_specific"], ctx.results["fine_gray"] = cs, fg
    sec.add(Paragraph(QUESTIONS_TEXT))
    hr = cs.hazard_ratios
    models = [
        (f"CS, cause {cause}:", hr[hr["cause"] == cause]),
        ("Fine\u2013Gray:", fg.hazard_ratios),
        (f"CS, cause {other}:", hr[hr["cause"] == other]),
    ]
    note = (
        f"CS: cause-specific hazard ratio; Fine\u2013Gray: subdistribution hazard "
        f"ratio of cause {cause}, the cause of interest ({_cause_name(ctx, cause)}). The "
        f"cause-specific hazard ratios of cause {other} ({_cause_name(ctx, other)}) show "
        "the factors' effect on the competing event."
    )
    n_drop = int(fg.dropped["row"].nunique()) if len(fg.dropped) else 0
    cc_text = (
        f"{fg.n} patients with complete covariates ({fg.n_events} events of cause {cause}, "
        f"{fg.n_competing} competing events); {n_drop} left out for a missing value."
    )
    csv = pd.concat([cs.hazard_ratios, fg.hazard_ratios.assign(cause=f"fine-gray {cause}")])
    pooled = _pooled_models(ctx, covs, cause) if "imputed" in ctx.results else None
    if pooled is not None:  # multiple imputation is the primary analysis
        imp = ctx.results["imputed"]
        sec.add(
            Paragraph(
                f"Primary analysis: the models fitted in each of the {imp.m} imputed data sets "
                f"and pooled by Rubin's rules ({imp.n} patients); then the complete cases "
                "(sensitivity analysis)."
            )
        )
        _models_block(ctx, sec, pooled[0], covs, "competing_mi", "after multiple imputation")
        tag = ", after multiple imputation"
        _forest(ctx, sec, pooled[1][0], pooled[1][1], cause, "forest_competing_mi", tag)
        w.csv(pooled[2], "tables/hazard_ratios_competing_mi.csv")
        cc_text = "Complete cases (sensitivity analysis): " + cc_text
    sec.add(Paragraph(cc_text))
    table = hr_side_by_side(models, d, covs)
    sec.add(
        w.table(
            table.drop(columns="term"),
            "hazard_ratios_competing",
            "Cause-specific and subdistribution (Fine\u2013Gray) hazard ratios"
            + (", complete cases" if pooled is not None else ""),
            note=note,
            group_column="variable",
            csv_frame=csv,
            docx=True,
        )
    )
    _forest(ctx, sec, cs, fg, cause, "forest_competing", "")
    return sec


def _forest(ctx: Context, sec: Section, cs: Any, fg: Any, cause: int, name: str, tag: str) -> None:
    fhr = fg.hazard_ratios if hasattr(fg, "hazard_ratios") else fg
    labels = {t: term_label(t, c) for t, c in zip(fhr["term"], fhr["covariate"], strict=True)}
    fig = plot_forest(cs, fine_gray=fg, cause=cause, labels=labels)
    caption = (
        f"Cause-specific (cause {cause}) and subdistribution (Fine\u2013Gray) hazard "
        f"ratios{tag} (95% CI, log scale)."
    )
    sec.add(ctx.writer.figure(fig, name, caption, width=0.95))


def _models_block(
    ctx: Context, sec: Section, models: list[Any], covs: list[str], name: str, what: str
) -> None:
    table = hr_side_by_side(models, ctx.data, covs)
    sec.add(
        ctx.writer.table(
            table.drop(columns="term"),
            f"hazard_ratios_{name}",
            f"Cause-specific and subdistribution (Fine\u2013Gray) hazard ratios, {what}",
            note="Pooled by Rubin's rules (t-based 95% CI, Barnard\u2013Rubin df). CS: "
            "cause-specific; Fine\u2013Gray: subdistribution hazard ratio.",
            group_column="variable",
        )
    )


def _pooled_models(ctx: Context, covs: list[str], cause: int) -> Any:
    """The three models fitted in every imputed data set and pooled (Rubin's rules)."""
    other, imp = 3 - cause, ctx.results["imputed"]
    fgs, cs1, cs2 = [], [], []
    for data in imp.datasets:
        dd = derive_factors(data)
        fgs.append(fit_fine_gray(dd, covs, cause=cause))
        cs = fit_cause_specific(dd, covs)
        cs1.append(cs.models[cause])
        cs2.append(cs.models[other])
    p_fg, p1, p2 = pool(fgs), pool(cs1), pool(cs2)
    models = [
        (f"MI CS, cause {cause}:", p1.hazard_ratios),
        ("MI Fine\u2013Gray:", p_fg.hazard_ratios),
        (f"MI CS, cause {other}:", p2.hazard_ratios),
    ]
    csv = pd.concat(
        [
            p1.hazard_ratios.assign(model=f"cause-specific {cause}"),
            p2.hazard_ratios.assign(model=f"cause-specific {other}"),
            p_fg.hazard_ratios.assign(model=f"fine-gray {cause}"),
        ]
    )
    return models, (p1.hazard_ratios, p_fg.hazard_ratios), csv


# --------------------------------------------------------------------------- absolute risk
def section_absolute_risk(ctx: Context) -> Section:
    """Per-patient absolute risk of the cause of interest (Fine-Gray predict_cif)."""
    fg, w, cause = ctx.results.get("fine_gray"), ctx.writer, _cause(ctx)
    if fg is None:
        raise ReportError("the Fine\u2013Gray model could not be fitted (see above)")
    tp = list(ctx.time_points)
    rows = ctx.data.dropna(subset=list(fg.covariates))  # the rows the model analysed
    pred = fg.predict_cif(rows, tp)
    wide = pd.DataFrame({"patient_id": rows["patient_id"].astype(str).to_numpy()})
    shown = pd.DataFrame({"patient": wide["patient_id"]})
    for t in tp:
        m = months(t)
        sub = pred[np.isclose(pred["time"].to_numpy(dtype=float), t)].set_index("patient")
        sub = sub.reindex(rows.index)
        for col in ("cif", "lower", "upper"):
            wide[f"{col}_{m}m"] = sub[col].to_numpy()
        shown[f"F({m} mo) (95% CI)"] = [
            surv_cell(f, lo, hi)
            for f, lo, hi in zip(sub["cif"], sub["lower"], sub["upper"], strict=True)
        ]
    w.csv(wide, "per_patient_risk.csv")
    name = _cause_name(ctx, cause)
    sec = Section("risk", "Per-patient risk")
    sec.add(
        Paragraph(
            f"Absolute risk (cumulative incidence, 95% CI) of {name} by "
            f"{', '.join(map(months, tp))} months for each of the {len(wide)} patients with "
            f"complete covariates, from the Fine\u2013Gray model of cause {cause}: the "
            "probability of the event in the presence of the competing event, not 1 \u2212 "
            "survival."
        )
    )
    sec.add(
        w.table(
            shown,
            "per_patient_risk_first",
            f"Absolute risk of {name} per patient",
            max_rows=PER_PATIENT_ROWS,
            note="All patients in per_patient_risk.csv.",
        )
    )
    return sec
