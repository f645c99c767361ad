"""The report's model sections: the multivariable Cox model (with its univariable columns and
forest plot), the proportional-hazards check, the published model's validation and the
per-patient risks.

Like :mod:`lms_prognosis.report._sections`, every ``section_*`` function takes the
:class:`~lms_prognosis.report._context.Context` and returns one
:class:`~lms_prognosis.report._document.Section`; the numbers come from
:mod:`lms_prognosis.cox`, :mod:`lms_prognosis.evaluate` and :mod:`lms_prognosis.literature`.
A reason in the data is an :class:`~lms_prognosis.LMSPrognosisError`; anything else is a bug.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._format import format_hr, format_number, format_p
from lms_prognosis.cox.fit import CoxResult, fit_cox
from lms_prognosis.evaluate import calibration, external_validation
from lms_prognosis.exceptions import CoxError, LMSPrognosisError, ReportError
from lms_prognosis.literature import published_model
from lms_prognosis.literature.evidence import CI_LEGEND, MARKERS_LEGEND
from lms_prognosis.plotting import plot_calibration, plot_forest, plot_schoenfeld
from lms_prognosis.report._context import FACTOR_LABELS, Context, months, surv_cells
from lms_prognosis.report._document import Grid, Paragraph, Section, Table
from lms_prognosis.report._factors import REPORT_FACTORS
from lms_prognosis.report.tables import HRTableResult, hr_table

__all__ = [
    "section_cox",
    "section_ph",
    "section_validation",
    "section_risk",
    "per_patient_table",
    "forest_labels",
    "model_heading",
    "model_use_sentence",
    "simulated_from",
    "risk_provenance",
]

PER_PATIENT_ROWS = 25  # rows of the per-patient table shown in the report (all in the CSV)


# -------------------------------------------------------------------------------- Cox model
def _cox_covariates(ctx: Context, sec: Section) -> list[str]:
    """The model's covariates: the caller's, else the report factors that vary here."""
    d = ctx.data
    if ctx.covariates:
        return list(ctx.covariates)
    covariates = [
        f.column for f in REPORT_FACTORS if f.column in d and d[f.column].dropna().nunique() >= 2
    ]
    left_out = [f.label for f in REPORT_FACTORS if f.column not in covariates]
    if left_out:
        sec.add(
            Paragraph(
                f"Not in the model (absent, all missing or constant in this "
                f"cohort): {', '.join(left_out)}.",
                kind="note",
            )
        )
    if not covariates:
        raise CoxError(
            "no covariate for the Cox model: every report factor is absent, all "
            "missing or constant in this cohort"
        )
    return covariates


def report_cox(ctx: Context) -> CoxResult:
    """The report's complete-case multivariable Cox model, fitted once per report.

    The sections before the Cox section (sample size, missing data) use the same fit; the
    warnings of the fit are kept and shown in the Cox section (:func:`section_cox`).
    """
    cached = ctx.results.get("cox_fit")
    if cached is None:
        covariates = _cox_covariates(ctx, Section("scratch", ""))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cox = fit_cox(ctx.data, covariates)
        cached = ctx.results["cox_fit"] = (cox, list(caught))
    fit: CoxResult = cached[0]
    return fit


def _cox_text(cox: CoxResult, n_drop: int) -> str:
    tests = cox.tests.set_index("test")
    text = (
        f"{cox.n} patients with complete data ({cox.n_events} events) entered the model; "
        f"{n_drop} were left out for a missing value (listed in tables/cox_dropped.csv). "
        f"Harrell's C = {format_number(cox.concordance, 3)} "
        f"(SE {format_number(cox.concordance_se, 3)})."
    )
    if "likelihood ratio" in tests.index:
        stat, df, p = (
            float(v)
            for v in tests.loc["likelihood ratio", ["statistic", "df", "p"]].to_numpy(float)
        )
        text += (
            f" Likelihood-ratio test: \u03c7\u00b2 = {format_number(stat)} on {int(df)} df, "
            f"{format_p(p)}."
        )
    return text


def section_cox(ctx: Context) -> Section:
    """Multivariable Cox model: HR table (with univariable columns) and forest plot."""
    d, w = ctx.data, ctx.writer
    sec = Section("cox", "Multivariable Cox model")
    _cox_covariates(ctx, sec)  # its note on the factors left out
    cox = report_cox(ctx)
    for caught in ctx.results["cox_fit"][1]:  # the fit's warnings, shown in this section
        warnings.warn(caught.message, caught.category, stacklevel=2)
    ctx.results["cox"] = cox
    hrt = hr_table(cox, univariable="auto", data=d, labels=FACTOR_LABELS)
    ctx.results["hr_table"] = hrt
    # .dropped always has the shared columns (row, column, value, reason), empty or not
    sec.add(Paragraph(_cox_text(cox, int(cox.dropped["row"].nunique()))))
    w.csv(cox.dropped, "tables/cox_dropped.csv")
    sec.add(
        w.table(
            hrt.table,
            "hazard_ratios",
            f"Hazard ratios for {ctx.endpoint_name('the endpoint')}",
            note=hrt.note,
            group_column="variable",
            docx=True,
        )
    )
    w.csv(hrt.terms, "tables/hazard_ratios_terms.csv")
    hr = cox.hazard_ratios
    if not np.isfinite(hr[["hr", "lower", "upper"]].to_numpy(dtype=float)).all():
        sec.add(
            Paragraph(
                "Forest plot not drawn: some hazard ratios or confidence limits are "
                "not finite (too few events or separation in this cohort).",
                kind="note",
            )
        )
        return sec
    uni = pd.concat([f.hazard_ratios for f in hrt.univariable.values()], ignore_index=True)
    fig = plot_forest(cox, univariable=uni, labels=forest_labels(hrt))
    sec.add(
        w.figure(
            fig,
            "forest",
            "Forest plot of the univariable and multivariable hazard ratios (95% CI, log scale).",
            width=0.95,
        )
    )
    return sec


def _cox(ctx: Context) -> CoxResult:
    if "cox" not in ctx.results:
        raise ReportError("the multivariable Cox model could not be fitted (see above)")
    cox: CoxResult = ctx.results["cox"]
    return cox


def forest_labels(hrt: HRTableResult) -> dict[str, str]:
    """Row labels of the forest plot by term: "<factor label>: <level>" (level once)."""
    labels: dict[str, str] = {}
    multi = hrt.terms[hrt.terms["model"] == "multivariable"].reset_index(drop=True)
    for variable, level, term in zip(
        multi["variable"], hrt.table["level"], multi["term"], strict=True
    ):
        if term is None or pd.isna(term):
            continue
        name = FACTOR_LABELS.get(variable, variable)
        level = str(level)
        labels[term] = name if level in name or level == "per unit" else f"{name}: {level}"
    return labels


# -------------------------------------------------------------------------------- PH check
def section_ph(ctx: Context) -> Section:
    """Proportional-hazards check: cox.zph score tests and scaled Schoenfeld residuals."""
    cox, w = _cox(ctx), ctx.writer
    ph = cox.check_ph(transform="km")
    ctx.results["ph"] = ph
    t = ph.table
    frame = pd.DataFrame(
        {
            "term": [FACTOR_LABELS.get(x, x) for x in t["term"].astype(str)],
            "chi-square": [format_number(float(x)) for x in t["chisq"]],
            "df": [str(int(x)) for x in t["df"]],
            "p": [format_p(float(x), prefix=False) for x in t["p"]],
        }
    )
    sec = Section("ph", "Proportional hazards check")
    sec.add(
        w.table(
            frame,
            "ph_test",
            "Score tests of proportional hazards (as R cox.zph, Kaplan\u2013Meier time transform)",
            csv_frame=t,
            note="A small p suggests that the hazard ratio changes over time.",
        )
    )
    sec.add(
        w.figure(
            plot_schoenfeld(ph, fit=cox, labels=FACTOR_LABELS),
            "schoenfeld",
            "Scaled Schoenfeld residuals against Kaplan\u2013Meier-transformed time, with a "
            "natural-spline smooth (4 df) and its \u00b12 SE band, as R's plot.cox.zph; the "
            "dashed line is the model's coefficient (1 for a factor). A flat smooth "
            "supports proportional hazards.",
            width=0.9,
        )
    )
    return sec


# ------------------------------------------------------------------------ published model
def model_heading(pm: Any) -> str:
    """The section title: what the model is ("Design-value model (lms_default): not a fitted
    model", "Published model: Gustafson 1992 multivariate model (gustafson1992)")."""
    if pm.kind == "design":
        return f"Design-value model ({pm.name}): not a fitted model"
    return f"Published model: {pm.title.split(' (')[0]} ({pm.name})"


def model_use_sentence(pm: Any, horizon: float, recalibrated: bool = True) -> str:
    """How the model was used, in words true to its kind (for the methods text)."""
    base = (
        "the derived literature Weibull baseline [D] (none was published)"
        if pm.baseline.kind == "weibull"
        else "its stated baseline"
    )
    if pm.kind == "design":
        what = (
            f"The design-value model {pm.name} (values chosen for simulation from the "
            "literature [D], not a fitted model) was applied with its design hazard ratios"
        )
    else:
        what = f"The published model {pm.name} was applied with its published effects"
    again = (
        "; it was then recalibrated to the cohort twice: its baseline survival alone, and its "
        "slope (every log hazard ratio times the calibration slope) with its baseline"
        if recalibrated
        else ""
    )
    return (
        f"{what} and {base}, to the patients inside its population; its discrimination and "
        f"its calibration at {horizon:g} months were assessed{again}."
    )


def simulated_from(pm: Any, cohort: Any) -> bool:
    """Whether the cohort was simulated by lms_prognosis from this same model (circular)."""
    truth = getattr(cohort, "truth", None)
    if truth is not None:
        try:
            return bool(published_model(str(truth.model)).name == pm.name)
        except LMSPrognosisError:
            return False
    ids = cohort.data["patient_id"].astype(str) if "patient_id" in cohort.data else None
    sim_ids = ids is not None and len(ids) > 0 and bool(ids.str.startswith("SIM-").all())
    return pm.kind == "design" and sim_ids


def _population_text(pm: Any, cohort: Any, horizons: tuple[float, ...]) -> tuple[str, Any]:
    """How many patients are inside the model's population; the scored result."""
    res = pm.score(cohort, horizons=horizons)
    outside = res.dropped[res.dropped["reason"].astype(str).str.startswith("outside")]
    n_out = int(outside["row"].nunique())
    text = (
        f"Population of {pm.name}: {pm.population.summary()}. {res.n} of "
        f"{len(cohort.data)} patients were scored"
    )
    text += f"; {n_out} outside its population were left out" if n_out else ""
    n_other = int(res.dropped["row"].nunique()) - n_out
    text += f"; {n_other} left out for a missing input or follow-up." if n_other else "."
    if pm.requirements:
        text += f" Note: {pm.name} {pm.requirements}."
    return text, res


def section_validation(ctx: Context) -> Section:
    """The chosen model applied to the cohort, labelled as what it is: C, calibration,
    recalibration (a circular check, said so, when the cohort was simulated from it)."""
    w, c = ctx.writer, ctx.cohort
    pm = published_model(ctx.model_name)
    ctx.results["published_model"] = pm
    horizon = max(ctx.time_points)
    circular = simulated_from(pm, c)
    sec = Section("validation", model_heading(pm))
    sec.add(Paragraph(f"{KIND_SENTENCE[pm.kind]} Caveat: {pm.caveat}"))
    sec.add(_published_factors(ctx, pm))
    try:
        pop_text, res = _population_text(pm, c, ctx.time_points)
        sec.add(Paragraph(pop_text))
        ev = external_validation(pm, c, time_point=horizon)
    except LMSPrognosisError as exc:  # e.g. another endpoint, too few events for calibration
        sec.add(Paragraph(f"Not validated on this cohort: {exc}", kind="note"))
        return sec
    ctx.results["validation"] = ev
    if circular:
        sec.add(Paragraph(CIRCULAR, kind="note"))
    sec.add(Paragraph(_validation_text(pm, ev, horizon, circular)))
    what = "Circular check (not evidence)" if circular else "Performance"
    sec.add(
        w.table(
            _validation_frame(ev.table),
            "validation",
            f"{what}: {pm.name} on the cohort at {months(horizon)} months",
            csv_frame=ev.table,
        )
    )
    sec.add(
        w.figure(
            plot_calibration(ev.calibration),
            "calibration",
            f"Calibration of {pm.name} at {months(horizon)} months with its "
            f"{'design values' if pm.kind == 'design' else 'published effects'} and "
            f"{_baseline_words(pm)}: observed (Kaplan\u2013Meier) against predicted event "
            "probability by risk group, with a smooth calibration curve"
            + (" (circular: the cohort was simulated from this model)." if circular else "."),
            width=0.55,
        )
    )
    w.csv(ev.calibration.table, "tables/calibration_groups.csv")
    if ev.recalibrated is not None:
        sec.add(_recalibration(ctx, pm, ev.recalibrated, horizon))
    for note in getattr(pm, "notes", []) or []:
        sec.add(Paragraph(str(note), kind="note"))
    if pm.kind == "published":  # design values give no per-patient risks (see Per-patient risk)
        w.csv(res.table, "tables/published_model_risk.csv")
    return sec


KIND_SENTENCE = {
    "design": "These are design values [D]: hazard ratios chosen for simulation by shrinking "
    "published soft-tissue sarcoma and LMS effects, not a model fitted to patients, and not "
    "published as a model. They are shown for comparison only; the per-patient risks below "
    "come from the model fitted to this cohort.",
    "published": "The effects are those published by the source, as reported there (measure, "
    "confidence interval where published, significance).",
}
CIRCULAR = (
    "Circular check, not evidence: this cohort was simulated by lms_prognosis from these same "
    "values, so its discrimination and calibration here agree by construction and say nothing "
    "about how the model performs in real patients."
)


def _baseline_words(pm: Any) -> str:
    if pm.baseline.kind == "weibull":
        return "the derived literature Weibull baseline [D] (no baseline was published)"
    return f"its baseline ({pm.baseline.label})"


def _effect_header(f: pd.DataFrame) -> str:
    measures = set(f["measure"].astype(str))
    if measures == {"points"}:
        return "points"
    return measures.pop() if len(measures) == 1 else "effect (as reported)"


def _published_factors(ctx: Context, pm: Any) -> Table:
    """The model's factors as reported (measure, CI or "not published", significance in the
    source, n, endpoint, evidence), sources numbered [1], [2], ... (cited under Methods)."""
    f = pm.factors
    sources: list[str] = list(dict.fromkeys(f["source"].astype(str)))
    ctx.results["sources"] = sources
    head = _effect_header(f)
    if pm.kind == "design":
        head += " (design value)"
    frame = pd.DataFrame(
        {
            "factor": f["factor"].astype(str),
            head: [f"{v:g}" for v in f["value"]],
            "95% CI": f["ci"].astype(str),
            "significance in source": f["significance"].astype(str),
            "n": ["\u2013" if pd.isna(n) else str(int(n)) for n in f["n"]],
            "endpoint": f["endpoint"].astype(str),
            "evidence": f["evidence"].astype(str),
            "source": [f"[{sources.index(s) + 1}]" for s in f["source"].astype(str)],
        }
    )
    n_note = f" Development series n = {pm.n}." if pm.n else ""
    return ctx.writer.table(
        frame,
        "published_model_factors",
        f"Factors of {pm.name} ({pm.kind}), as reported",
        csv_frame=f,
        note=f"{MARKERS_LEGEND}. {CI_LEGEND}.{n_note} Sources: see the references under "
        "Methods (full text in tables/published_model_factors.csv).",
    )


def _recalibration(ctx: Context, pm: Any, rec: Any, horizon: float) -> Section:
    """The model recalibrated two ways (van Houwelingen 2000): the baseline only, and the
    slope with the baseline (``PublishedModel.recalibrate(method="slope")``)."""
    cal2 = calibration(rec, ctx.cohort, time_point=horizon)
    ctx.results["recalibrated_calibration"] = cal2
    rec_s = pm.recalibrate(ctx.cohort, method="slope")
    cal3 = calibration(rec_s, ctx.cohort, time_point=horizon)
    ctx.results["recalibrated_slope_calibration"] = cal3
    refs = ctx.results.setdefault("method_references", [])
    refs.append(
        "Van Houwelingen HC. Validation, calibration, revision and combination of prognostic "
        "survival models. Stat Med 2000;19:3401\u20133415."
    )
    what = "design-value" if pm.kind == "design" else "published"
    b = format_number(rec.calibration_slope)
    sub = Section("recalibration", "Recalibrated to the cohort", level=2)
    sub.add(
        Paragraph(
            f"Two recalibrations to this cohort. Baseline only: the baseline survival was "
            f"refitted (Breslow estimator with the {what} linear predictor as offset), the "
            f"effects kept. Slope and baseline: the calibration slope b = {b} (SE "
            f"{format_number(rec.calibration_slope_se)}; Cox regression of the outcome on the "
            f"linear predictor) multiplies every log hazard ratio, and the baseline was "
            f"refitted with b × LP as offset. The slope-recalibrated model has slope 1 on "
            f"this cohort by construction; a b far from 1 says the {what} effects do not "
            "transport (below 1: too extreme)."
        )
    )
    rows = [
        ("as given", ctx.results["validation"].calibration),
        ("baseline only", cal2),
        ("slope and baseline", cal3),
    ]
    frame = pd.DataFrame(
        {
            "recalibration": [r for r, _ in rows],
            f"O/E at {months(horizon)} mo": [format_number(c.oe) for _, c in rows],
            "calibration slope": [format_number(c.slope) for _, c in rows],
            "ICI": [format_number(c.ici, 3) for _, c in rows],
            "E90": [format_number(c.e90, 3) for _, c in rows],
        }
    )
    sub.add(
        ctx.writer.table(
            frame,
            "recalibration",
            f"Calibration of {pm.name} at {months(horizon)} months before and after recalibration",
            note="Apparent: each recalibration is estimated and assessed on the same cohort.",
        )
    )
    grid = Grid("recalibration-figures", columns=2)
    for cal, name, title in (
        (cal2, "calibration_recalibrated", "baseline refitted"),
        (cal3, "calibration_recalibrated_slope", f"slope ({b}) and baseline refitted"),
    ):
        grid.figures.append(
            ctx.writer.figure(
                plot_calibration(cal),
                name,
                f"Calibration of {pm.name} at {months(horizon)} months, {title}.",
            )
        )
    sub.add(grid)
    ctx.writer.csv(cal2.table, "tables/calibration_groups_recalibrated.csv")
    ctx.writer.csv(cal3.table, "tables/calibration_groups_recalibrated_slope.csv")
    return sub


def _validation_frame(table: pd.DataFrame) -> pd.DataFrame:
    cells = []
    for value, lo, hi in zip(table["value"], table["lower"], table["upper"], strict=True):
        if pd.isna(lo) or pd.isna(hi):
            cells.append(format_number(float(value), 3))
        else:
            cells.append(format_hr(float(value), float(lo), float(hi), digits=3))
    return pd.DataFrame(
        {
            "statistic": table["statistic"].astype(str),
            "estimate (95% CI)": cells,
            "note": table["note"].fillna("").astype(str),
        }
    )


def _validation_text(pm: Any, ev: Any, horizon: float, circular: bool = False) -> str:
    conc, cal = ev.concordance, ev.calibration
    kind = "design-value" if pm.kind == "design" else "published"
    text = (
        f"The {kind} linear predictor of {pm.name} (endpoint {pm.endpoint}) was applied "
        f"to the cohort: Harrell's C {format_number(conc.c, 3)} (SE "
        f"{format_number(conc.se, 3)}). At {months(horizon)} months the observed/expected "
        f"ratio is {format_number(cal.oe)} and the calibration slope "
        f"{format_number(cal.slope)}; ICI {format_number(cal.ici, 3)}, E50 "
        f"{format_number(cal.e50, 3)}, E90 {format_number(cal.e90, 3)}."
    )
    return text + (" These numbers are circular (see above)." if circular else "")


# -------------------------------------------------------------------------- per-patient risk
def risk_provenance(ctx: Context) -> dict[str, str]:
    """Where the report's per-patient risks come from: the Cox model fitted to this cohort."""
    c = ctx.cohort
    return {
        "model": "cox_fitted_to_cohort",
        "model_kind": "fitted",
        "endpoint": str(c.endpoint),
        "population": f"this cohort ({c.source})",
        "source": "multivariable Cox model fitted in this report (Efron ties)",
    }


def section_risk(ctx: Context) -> Section:
    """Per-patient predicted survival from the Cox model fitted to this cohort (never from
    design values) at the time points, with its provenance (+ CSV at full precision)."""
    cox, w = _cox(ctx), ctx.writer
    tp = list(ctx.time_points)
    wide = per_patient_table(cox, ctx.data, tp)
    prov = risk_provenance(ctx)
    w.csv(wide.assign(**prov), "per_patient_risk.csv")
    shown = pd.DataFrame({"patient": wide["patient_id"].astype(str)})
    for t in tp:
        m = months(t)
        shown[f"S({m} mo) (95% CI)"] = surv_cells(  # 3 decimals (the CSV keeps all)
            wide[f"surv_{m}m"], wide[f"lower_{m}m"], wide[f"upper_{m}m"], digits=3
        )
    sec = Section("risk", "Per-patient risk")
    sec.add(
        Paragraph(
            f"Predicted survival probability (95% CI) at {', '.join(map(months, tp))} "
            f"months for each of the {len(wide)} patients with complete covariates, from the "
            f"multivariable Cox model fitted to this cohort (endpoint {prov['endpoint']}; "
            "risk of the event = 1 \u2212 survival), not from the literature model above. "
            "Shown to 3 decimals; per_patient_risk.csv has full precision and, on every row, "
            "the model, its kind, the endpoint, the population and the source."
        )
    )
    sec.add(
        w.table(
            shown,
            "per_patient_risk_first",
            "Predicted survival per patient (Cox model fitted to this cohort)",
            max_rows=PER_PATIENT_ROWS,
            note="All patients in per_patient_risk.csv.",
        )
    )
    return sec


def per_patient_table(cox: CoxResult, data: pd.DataFrame, times: list[float]) -> pd.DataFrame:
    """Wide per-patient table from ``cox.predict_survival`` (one row per patient).

    Columns: patient_id, then for each time t (months) ``surv_<t>m``, ``lower_<t>m``,
    ``upper_<t>m``, ``risk_<t>m`` (= 1 - surv). Values are copied, not recomputed.
    """
    newdata = data.loc[cox.data.index] if set(cox.data.index) <= set(data.index) else cox.data
    pred = cox.predict_survival(newdata, times)
    ids = (
        newdata["patient_id"]
        if "patient_id" in newdata
        else pd.Series(newdata.index, index=newdata.index)
    )
    out = pd.DataFrame({"patient_id": ids.to_numpy()})
    for t in times:
        m = months(t)
        sub = pred[np.isclose(pred["time"].to_numpy(dtype=float), t)].set_index("patient")
        sub = sub.reindex(newdata.index)
        out[f"surv_{m}m"] = sub["surv"].to_numpy()
        out[f"lower_{m}m"] = sub["lower"].to_numpy()
        out[f"upper_{m}m"] = sub["upper"].to_numpy()
        out[f"risk_{m}m"] = 1.0 - sub["surv"].to_numpy()
    return out
