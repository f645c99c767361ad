"""The report's sections, each built from the statistics modules and the plotting package.

Every ``section_*`` function takes the shared :class:`~lms_prognosis.report._context.Context`
and returns one :class:`~lms_prognosis.report._document.Section`. Numbers are formatted by
:mod:`lms_prognosis._format`; nothing is estimated here: the follow-up comes from
:func:`~lms_prognosis.nonparametric.followup.median_follow_up`, the curves and tests from
:mod:`lms_prognosis.nonparametric`, the univariable fits from
:func:`~lms_prognosis.cox.univariable.fit_univariable` (through ``hr_table``), and so on.

A section that cannot be computed for a reason in the data raises an
:class:`~lms_prognosis.LMSPrognosisError` (``write_report`` turns it into a note); any other
exception is a bug and propagates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._format import format_ci, format_hr, format_number, format_p
from lms_prognosis.cox.fit import CoxResult, fit_cox
from lms_prognosis.evaluate import calibration, external_validation
from lms_prognosis.exceptions import CoxError, LMSPrognosisError, ReportError
from lms_prognosis.literature import published_model
from lms_prognosis.nonparametric import kaplan_meier, logrank_test
from lms_prognosis.nonparametric.followup import FollowUpResult, median_follow_up
from lms_prognosis.plotting import plot_calibration, plot_forest, plot_km, plot_schoenfeld
from lms_prognosis.report._context import (
    FACTOR_LABELS,
    Context,
    months,
    surv_cell,
)
from lms_prognosis.report._document import Figure, Grid, Paragraph, Section, Table
from lms_prognosis.report._factors import REPORT_FACTORS, Factor
from lms_prognosis.report._methods import methods_section, software_section
from lms_prognosis.report.tables import HRTableResult, hr_table, table_one

__all__ = ["Context", "section_summary", "section_table_one", "section_km", "section_cox",
           "section_ph", "section_validation", "section_risk", "section_methods",
           "section_software", "methods_section", "software_section", "per_patient_table",
           "forest_labels"]

PER_PATIENT_ROWS = 25  # rows of the per-patient table shown in the report (all in the CSV)
CENSOR_MARKS_MAX = 5000  # above this many patients censor marks merge into a band: not drawn
EXCLUSION_COLUMNS = ["row", "patient_id", "column", "value", "reason"]


# --------------------------------------------------------------------------------- summary
def section_summary(ctx: Context) -> Section:
    """Data summary: source, endpoint, counts, follow-up, and the exclusions."""
    sec = Section("summary", "Data summary")
    fu = median_follow_up(ctx.data)
    sec.add(ctx.writer.table(_summary_frame(ctx, fu), "data_summary", "Data summary"))
    for note in getattr(ctx.cohort, "notes", []) or []:
        sec.add(Paragraph(str(note), kind="note"))
    sec.add(_exclusions(ctx))
    return sec


def _exclusion_frame(ctx: Context) -> pd.DataFrame:
    ex = ctx.cohort.exclusions
    return ex if ex is not None else pd.DataFrame(columns=EXCLUSION_COLUMNS)


def _summary_frame(ctx: Context, fu: FollowUpResult) -> pd.DataFrame:
    c, d = ctx.cohort, ctx.data
    event = pd.to_numeric(d["event"])
    ex = _exclusion_frame(ctx)
    n_ex = int(ex["row"].nunique()) if len(ex) and "row" in ex else len(ex)
    rows = [
        ("Source", str(c.source)),
        ("Endpoint", f"{c.endpoint} ({ctx.endpoint_name(str(c.endpoint))})"),
        ("Rows read", str(getattr(c, "n_read", "") or len(d) + n_ex)),
        ("Rows excluded", str(n_ex)),
        ("Patients analysed", str(len(d))),
        ("Events (endpoint)", str(int((event == 1).sum()))),
        ("Competing events (counted as censored)", str(int((event >= 2).sum()))),
        ("Censored", str(int((event == 0).sum()))),
        ("Follow-up, months: median (95% CI), reverse Kaplan\u2013Meier",
         f"{format_number(fu.median, 1)} {format_ci(fu.lower, fu.upper, 1)}"),
        ("Follow-up, months: range", f"{format_number(float(d['time'].min()), 1)}\u2013"
                                    f"{format_number(float(d['time'].max()), 1)}"),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def _exclusions(ctx: Context) -> Section:
    """The exclusions subsection; writes exclusions.csv (every excluded row)."""
    w, ex = ctx.writer, _exclusion_frame(ctx)
    cols = [col for col in EXCLUSION_COLUMNS if col in ex]
    w.csv(ex[cols] if len(ex) else pd.DataFrame(columns=EXCLUSION_COLUMNS), "exclusions.csv")
    excl = Section("exclusions", "Exclusions", level=2)
    if not len(ex):
        excl.add(Paragraph("No row was excluded on reading."))
        return excl
    by_reason = (ex.groupby(["column", "reason"], dropna=False).size()
                 .rename("entries").reset_index())
    by_reason["entries"] = by_reason["entries"].astype(str)
    excl.add(w.table(by_reason, "exclusions_by_reason", "Exclusions by column and reason",
                     note="Every excluded row, with its value, is listed in exclusions.csv."))
    excl.add(w.table(ex[cols].astype(str), "exclusions_first", "Excluded rows",
                     max_rows=20, note="Full list in exclusions.csv."))
    return excl


# --------------------------------------------------------------------------------- Table 1
def section_table_one(ctx: Context) -> Section:
    """Table 1 of the cohort (Word copy in tables/table1.docx)."""
    t1 = table_one(ctx.cohort, by=ctx.table_one_by)
    ctx.results["table_one"] = t1
    sec = Section("table-one", "Table 1: patient characteristics")
    sec.add(ctx.writer.table(t1.table, "table1", t1.caption, note=t1.note,
                             group_column="variable", docx=True))
    return sec


# --------------------------------------------------------------------------- Kaplan-Meier
def section_km(ctx: Context) -> Section:
    """KM overall and by each risk factor, with log-rank tests (trend for grade)."""
    sec = Section("km", "Kaplan\u2013Meier survival")
    marks = len(ctx.data) <= CENSOR_MARKS_MAX
    sec.add(_km_overall(ctx, marks))
    grid = Grid("km-grid", columns=2)
    tests: list[dict[str, str]] = []
    by_time: list[dict[str, str]] = []
    for factor in REPORT_FACTORS:
        drawn = _km_factor(ctx, factor, marks)
        if drawn is not None:
            grid.figures.append(drawn[0])
            tests.append(drawn[1])
            by_time.extend(drawn[2])
    if grid.figures:
        by = Section("km-factors", "By risk factor", level=2)
        by.add(Paragraph("Kaplan\u2013Meier curves by each risk factor, with 95% confidence "
                         "bands and numbers at risk."))
        by.add(grid)
        sec.add(by)
    tab = Section("km-tests", "Log-rank tests and survival by factor", level=2)
    tab.add(ctx.writer.table(pd.DataFrame(tests), "logrank_tests", "Log-rank tests by risk "
                             "factor", note="FNCLCC grade: log-rank test for trend, scores 1, 2, "
                             "3. Patients with the factor missing are left out of that "
                             "comparison."))
    tab.add(ctx.writer.table(pd.DataFrame(by_time), "survival_by_factor",
                             "Kaplan\u2013Meier survival (95% CI) at the time points, by factor",
                             group_column="factor"))
    sec.add(tab)
    return sec


def _km_overall(ctx: Context, marks: bool) -> Section:
    d, w = ctx.data, ctx.writer
    km = kaplan_meier(d)
    ctx.results["km"] = km
    overall = Section("km-overall", "All patients", level=2)
    caption = (f"Kaplan\u2013Meier estimate of {ctx.endpoint_name()}, all patients, with 95% "
               "confidence band and numbers at risk"
               + ("." if marks else f" (censor marks not drawn above {CENSOR_MARKS_MAX:,} "
                  "patients)."))
    overall.add(w.figure(plot_km(km, at_risk=True, median_lines=True, title="All patients",
                                 censor_marks=marks), "km_overall", caption, width=0.62))
    at = km.at(list(ctx.time_points))
    med = km.median().iloc[0]
    rows = [{"time, months": months(float(t)), "at risk": str(int(n)),
             "survival (95% CI)": surv_cell(s, lo, hi)}
            for t, n, s, lo, hi in zip(at["time"], at["n_risk"], at["surv"], at["lower"],
                                       at["upper"], strict=True)]
    median = ("not reached." if pd.isna(med["median"]) else
              f"{format_number(float(med['median']), 1)} months "
              f"{format_ci(float(med['lower']), float(med['upper']), 1)}.")
    overall.add(w.table(pd.DataFrame(rows), "km_overall", "Survival at the time points, all "
                        "patients", note="Median survival: " + median, csv_frame=at))
    return overall


def _km_factor(ctx: Context, factor: Factor, marks: bool
               ) -> tuple[Figure, dict[str, str], list[dict[str, str]]] | None:
    """Curves, log-rank test and survival at the time points for one factor (None: absent)."""
    d, col = ctx.data, factor.column
    if col not in d or d[col].notna().sum() == 0:
        return None
    sub = d[d[col].notna()]
    if sub[col].nunique() < 2:
        return None
    kmf = kaplan_meier(sub, group=col)
    kw: dict[str, Any] = {"trend": True, "scores": [1, 2, 3]} if factor.trend else {}
    lr = logrank_test(sub, group=col, **kw)
    test_name = "log-rank test for trend" if factor.trend else "log-rank test"
    missing = int(d[col].isna().sum())
    fig = plot_km(kmf, at_risk=True, logrank=lr, labels=str, title=factor.label,
                  censor_marks=marks)
    if not marks:
        _fixed_legend(fig)
    caption = (f"{factor.label} ({test_name}, {format_p(lr.p)})"
               + (f"; {missing} patients with this factor missing not shown." if missing
                  else "."))
    figure = ctx.writer.figure(fig, f"km_{col}", caption, dpi=130)
    test = {"factor": factor.label, "groups": str(len(kmf.groups)), "patients": str(len(sub)),
            "chi-square": format_number(lr.chisq), "df": str(int(lr.df)),
            "p": format_p(lr.p, prefix=False), "test": test_name}
    at = kmf.at(list(ctx.time_points))
    by_time = []
    for g in kmf.groups:
        row = {"factor": factor.label, "level": str(g)}
        sel = at[at["group"] == g]
        for t, s, lo, hi in zip(sel["time"], sel["surv"], sel["lower"], sel["upper"],
                                strict=True):
            row[f"{months(float(t))} months"] = surv_cell(s, lo, hi)
        by_time.append(row)
    return figure, test, by_time


def _fixed_legend(fig: Any) -> None:
    """Large cohorts: put the legends in the lower left instead of matplotlib's "best".

    "best" tests every curve vertex at each draw, which dominates drawing time for curves with
    ~10^5 steps; the lower left is free on survival curves (they start at 1).
    """
    for ax in getattr(fig, "figure", fig).axes:
        leg = ax.get_legend()
        if leg is not None:
            leg.set_loc("lower left")


# -------------------------------------------------------------------------------- Cox model
def _cox_covariates(ctx: Context, sec: Section) -> list[str]:
    """The model's covariates: the caller's, else the report factors that vary here."""
    d = ctx.data
    if ctx.covariates:
        return list(ctx.covariates)
    covariates = [f.column for f in REPORT_FACTORS
                  if f.column in d and d[f.column].dropna().nunique() >= 2]
    left_out = [f.label for f in REPORT_FACTORS if f.column not in covariates]
    if left_out:
        sec.add(Paragraph(f"Not in the model (absent, all missing or constant in this "
                          f"cohort): {', '.join(left_out)}.", kind="note"))
    if not covariates:
        raise CoxError("no covariate for the Cox model: every report factor is absent, all "
                       "missing or constant in this cohort")
    return covariates


def _cox_text(cox: CoxResult, n_drop: int) -> str:
    tests = cox.tests.set_index("test")
    text = (f"{cox.n} patients with complete data ({cox.n_events} events) entered the model; "
            f"{n_drop} were left out for a missing covariate (listed in tables/cox_dropped.csv). "
            f"Harrell's C = {format_number(cox.concordance, 3)} "
            f"(SE {format_number(cox.concordance_se, 3)}).")
    if "likelihood ratio" in tests.index:
        lr = tests.loc["likelihood ratio"]
        text += (f" Likelihood-ratio test: \u03c7\u00b2 = {format_number(float(lr['statistic']))}"
                 f" on {int(lr['df'])} df, {format_p(float(lr['p']))}.")
    return text


def section_cox(ctx: Context) -> Section:
    """Multivariable Cox model: HR table (with univariable columns) and forest plot."""
    d, w = ctx.data, ctx.writer
    sec = Section("cox", "Multivariable Cox model")
    cox = fit_cox(d, _cox_covariates(ctx, sec))
    ctx.results["cox"] = cox
    hrt = hr_table(cox, univariable="auto", data=d, labels=FACTOR_LABELS)
    ctx.results["hr_table"] = hrt
    dropped = cox.dropped if cox.dropped is not None else pd.DataFrame()
    sec.add(Paragraph(_cox_text(cox, len(dropped))))
    w.csv(dropped if len(dropped) else pd.DataFrame(columns=["row", "column", "reason"]),
          "tables/cox_dropped.csv")
    sec.add(w.table(hrt.table, "hazard_ratios", "Hazard ratios for "
                    f"{ctx.endpoint_name('the endpoint')}", note=hrt.note,
                    group_column="variable", docx=True))
    w.csv(hrt.terms, "tables/hazard_ratios_terms.csv")
    hr = cox.hazard_ratios
    if not np.isfinite(hr[["hr", "lower", "upper"]].to_numpy(dtype=float)).all():
        sec.add(Paragraph("Forest plot not drawn: some hazard ratios or confidence limits are "
                          "not finite (too few events or separation in this cohort).",
                          kind="note"))
        return sec
    uni = pd.concat([f.hazard_ratios for f in hrt.univariable.values()], ignore_index=True)
    fig = plot_forest(cox, univariable=uni, labels=forest_labels(hrt))
    sec.add(w.figure(fig, "forest", "Forest plot of the univariable and multivariable hazard "
                     "ratios (95% CI, log scale).", width=0.95))
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
    for variable, level, term in zip(multi["variable"], hrt.table["level"], multi["term"],
                                     strict=True):
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
    frame = pd.DataFrame({"term": [FACTOR_LABELS.get(x, x) for x in t["term"].astype(str)],
                          "chi-square": [format_number(float(x)) for x in t["chisq"]],
                          "df": [str(int(x)) for x in t["df"]],
                          "p": [format_p(float(x), prefix=False) for x in t["p"]]})
    sec = Section("ph", "Proportional hazards check")
    sec.add(w.table(frame, "ph_test", "Score tests of proportional hazards (as R cox.zph, "
                    "Kaplan\u2013Meier time transform)", csv_frame=t,
                    note="A small p suggests that the hazard ratio changes over time."))
    sec.add(w.figure(plot_schoenfeld(ph), "schoenfeld", "Scaled Schoenfeld residuals against "
                     "Kaplan\u2013Meier-transformed time, with a smooth; a flat line supports "
                     "proportional hazards.", width=0.9))
    return sec


# ------------------------------------------------------------------------ published model
def section_validation(ctx: Context) -> Section:
    """The chosen published model applied to the cohort: C, calibration, recalibration."""
    w, c = ctx.writer, ctx.cohort
    pm = published_model(ctx.model_name)
    ctx.results["published_model"] = pm
    horizon = max(ctx.time_points)
    sec = Section("validation", f"Published model: {pm.name}")
    sec.add(_published_factors(ctx, pm))
    try:
        ev = external_validation(pm, c, time_point=horizon)
    except LMSPrognosisError as exc:  # e.g. another endpoint, too few events for calibration
        sec.add(Paragraph(f"Not validated on this cohort: {exc}", kind="note"))
        return sec
    ctx.results["validation"] = ev
    sec.add(Paragraph(_validation_text(pm, ev, horizon)))
    sec.add(w.table(_validation_frame(ev.table), "validation",
                    f"Performance of {pm.name} on the cohort at {months(horizon)} months",
                    csv_frame=ev.table))
    sec.add(w.figure(plot_calibration(ev.calibration), "calibration",
                     f"Calibration of {pm.name} at {months(horizon)} months as published: "
                     "observed (Kaplan\u2013Meier) against predicted event probability by risk "
                     "group, with a smooth calibration curve.", width=0.55))
    w.csv(ev.calibration.table, "tables/calibration_groups.csv")
    if ev.recalibrated is not None:
        sec.add(_recalibration(ctx, pm, ev.recalibrated, horizon))
    for note in getattr(pm, "notes", []) or []:
        sec.add(Paragraph(str(note), kind="note"))
    w.csv(pm.apply(c, horizons=ctx.time_points), "tables/published_model_risk.csv")
    return sec


def _published_factors(ctx: Context, pm: Any) -> Table:
    """The model's factor table, its sources numbered [1], [2], ... (cited under Methods)."""
    f = pm.factors
    sources: list[str] = list(dict.fromkeys(f["source"].astype(str)))
    ctx.results["sources"] = sources
    nan = pd.Series(np.nan, index=f.index)
    lower, upper = (f[c] if c in f else nan for c in ("lower", "upper"))
    frame = pd.DataFrame({
        "factor": f["factor"].astype(str),
        "HR (95% CI)": [_hr_or_point(hr, lo, hi)
                        for hr, lo, hi in zip(f["hr"], lower, upper, strict=True)],
        "endpoint": f["endpoint"].astype(str) if "endpoint" in f else "",
        "source": [f"[{sources.index(s) + 1}]" for s in f["source"].astype(str)],
    })
    return ctx.writer.table(frame, "published_model_factors", f"Factors of the model {pm.name}",
                            csv_frame=f, note="Sources: see the references under Methods (full "
                            "text in tables/published_model_factors.csv).")


def _recalibration(ctx: Context, pm: Any, rec: Any, horizon: float) -> Section:
    cal2 = calibration(rec, ctx.cohort, time_point=horizon)
    ctx.results["recalibrated_calibration"] = cal2
    sub = Section("recalibration", "Recalibrated to the cohort", level=2)
    sub.add(Paragraph(
        f"The baseline survival was refitted to this cohort (Breslow estimator with the "
        f"published linear predictor as offset). Calibration slope "
        f"{format_number(rec.calibration_slope)} (SE {format_number(rec.calibration_slope_se)}"
        f"); after recalibration O/E {format_number(cal2.oe)}, ICI "
        f"{format_number(cal2.ici, 3)}."))
    sub.add(ctx.writer.figure(plot_calibration(cal2), "calibration_recalibrated",
                              f"Calibration of {pm.name} at {months(horizon)} months after "
                              "recalibration of the baseline to the cohort.", width=0.55))
    ctx.writer.csv(cal2.table, "tables/calibration_groups_recalibrated.csv")
    return sub


def _hr_or_point(hr: Any, lo: Any, hi: Any) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return format_number(float(hr))
    return format_hr(float(hr), float(lo), float(hi))


def _validation_frame(table: pd.DataFrame) -> pd.DataFrame:
    cells = []
    for value, lo, hi in zip(table["value"], table["lower"], table["upper"], strict=True):
        if pd.isna(lo) or pd.isna(hi):
            cells.append(format_number(float(value), 3))
        else:
            cells.append(format_hr(float(value), float(lo), float(hi), digits=3))
    return pd.DataFrame({"statistic": table["statistic"].astype(str),
                         "estimate (95% CI)": cells,
                         "note": table["note"].fillna("").astype(str)})


def _validation_text(pm: Any, ev: Any, horizon: float) -> str:
    conc, cal = ev.concordance, ev.calibration
    return (f"The published linear predictor of {pm.name} (endpoint {pm.endpoint}) was applied "
            f"to the cohort: Harrell's C {format_number(conc.c, 3)} (SE "
            f"{format_number(conc.se, 3)}). At {months(horizon)} months the observed/expected "
            f"ratio is {format_number(cal.oe)} and the calibration slope "
            f"{format_number(cal.slope)}; ICI {format_number(cal.ici, 3)}, E50 "
            f"{format_number(cal.e50, 3)}, E90 {format_number(cal.e90, 3)}.")


# -------------------------------------------------------------------------- per-patient risk
def section_risk(ctx: Context) -> Section:
    """Per-patient predicted survival from the Cox model at the time points (+ CSV)."""
    cox, w = _cox(ctx), ctx.writer
    tp = list(ctx.time_points)
    wide = per_patient_table(cox, ctx.data, tp)
    w.csv(wide, "per_patient_risk.csv")
    shown = pd.DataFrame({"patient": wide["patient_id"].astype(str)})
    for t in tp:
        m = months(t)
        shown[f"S({m} mo) (95% CI)"] = [surv_cell(s, lo, hi) for s, lo, hi in zip(
            wide[f"surv_{m}m"], wide[f"lower_{m}m"], wide[f"upper_{m}m"], strict=True)]
    sec = Section("risk", "Per-patient risk")
    sec.add(Paragraph(f"Predicted survival probability (95% CI) at {', '.join(map(months, tp))} "
                      f"months for each of the {len(wide)} patients with complete covariates, "
                      "from the multivariable Cox model (risk of the event = 1 \u2212 survival)."))
    sec.add(w.table(shown, "per_patient_risk_first", "Predicted survival per patient",
                    max_rows=PER_PATIENT_ROWS, note="All patients in per_patient_risk.csv."))
    return sec


def per_patient_table(cox: CoxResult, data: pd.DataFrame, times: list[float]) -> pd.DataFrame:
    """Wide per-patient table from ``cox.predict_survival`` (one row per patient).

    Columns: patient_id, then for each time t (months) ``surv_<t>m``, ``lower_<t>m``,
    ``upper_<t>m``, ``risk_<t>m`` (= 1 - surv). Values are copied, not recomputed.
    """
    newdata = data.loc[cox.data.index] if set(cox.data.index) <= set(data.index) else cox.data
    pred = cox.predict_survival(newdata, times)
    ids = newdata["patient_id"] if "patient_id" in newdata else pd.Series(newdata.index,
                                                                           index=newdata.index)
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


section_methods = methods_section
section_software = software_section
