"""The report's sections, each built from the statistics modules and the plotting package.

Every function takes the shared :class:`Context` and returns one
:class:`~lms_prognosis.report._document.Section`. Numbers are formatted by
:mod:`lms_prognosis._format`; nothing is estimated here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lms_prognosis._format import format_ci, format_number, format_p
from lms_prognosis.report._document import Grid, Paragraph, Section
from lms_prognosis.report._factors import REPORT_FACTORS, derive_factors
from lms_prognosis.report._methods import methods_section, software_section

ENDPOINT_NAMES = {"DSS": "disease-specific survival", "OS": "overall survival",
                  "MFS": "metastasis-free survival", "LRFS": "local-recurrence-free survival"}
FACTOR_LABELS = {f.column: f.label for f in REPORT_FACTORS}
PER_PATIENT_ROWS = 25  # rows of the per-patient table shown in the report (all in the CSV)
CENSOR_MARKS_MAX = 5000  # above this many patients censor marks merge into a band: not drawn


@dataclass
class Context:
    """What the sections share: the cohort, the derived frame, the writer and results."""

    cohort: Any
    writer: Any
    model_name: str
    covariates: list[str] | None
    time_points: tuple[float, ...]
    table_one_by: str | None = None
    data: pd.DataFrame = field(init=False)
    results: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data = derive_factors(self.cohort.data)


def _months(t: float) -> str:
    return f"{t:g}"


def _surv_cell(s: float, lo: float, hi: float) -> str:
    if s is None or (isinstance(s, float) and np.isnan(s)):
        return ""
    return f"{format_number(s)} {format_ci(lo, hi)}"


# --------------------------------------------------------------------------------- summary
def section_summary(ctx: Context) -> Section:
    """Data summary: source, endpoint, counts, follow-up, and the exclusions."""
    from lms_prognosis.nonparametric.km import kaplan_meier

    c, d, w = ctx.cohort, ctx.data, ctx.writer
    sec = Section("summary", "Data summary")
    event = pd.to_numeric(d["event"])
    # reverse Kaplan-Meier: censoring is the "event" (Schemper & Smith 1996)
    rev = d[["time"]].assign(event=(event == 0).astype(int))
    fu = kaplan_meier(rev).median()
    fu_row = fu.iloc[0]
    ex = c.exclusions if c.exclusions is not None else pd.DataFrame()
    n_ex = int(ex["row"].nunique()) if len(ex) and "row" in ex else len(ex)
    rows = [
        ("Source", str(c.source)),
        ("Endpoint", f"{c.endpoint} ({ENDPOINT_NAMES.get(c.endpoint, c.endpoint)})"),
        ("Rows read", str(getattr(c, "n_read", "") or len(d) + n_ex)),
        ("Rows excluded", str(n_ex)),
        ("Patients analysed", str(len(d))),
        ("Events (endpoint)", str(int((event == 1).sum()))),
        ("Competing events (counted as censored)", str(int((event >= 2).sum()))),
        ("Censored", str(int((event == 0).sum()))),
        ("Follow-up, months: median (95% CI), reverse Kaplan\u2013Meier",
         f"{format_number(fu_row['median'], 1)} "
         f"{format_ci(fu_row['lower'], fu_row['upper'], 1)}"),
        ("Follow-up, months: range", f"{format_number(d['time'].min(), 1)}\u2013"
                                    f"{format_number(d['time'].max(), 1)}"),
    ]
    frame = pd.DataFrame(rows, columns=["item", "value"])
    sec.add(w.table(frame, "data_summary", "Data summary"))
    for note in getattr(c, "notes", []) or []:
        sec.add(Paragraph(str(note), kind="note"))

    ex_cols = [col for col in ("row", "patient_id", "column", "value", "reason") if col in ex]
    w.csv(ex[ex_cols] if len(ex) else pd.DataFrame(columns=["row", "patient_id", "column",
                                                            "value", "reason"]),
          "exclusions.csv")
    excl = Section("exclusions", "Exclusions", level=2)
    if len(ex):
        by_reason = (ex.groupby(["column", "reason"], dropna=False).size()
                     .rename("entries").reset_index())
        by_reason["entries"] = by_reason["entries"].astype(str)
        excl.add(w.table(by_reason, "exclusions_by_reason", "Exclusions by column and reason",
                         note="Every excluded row, with its value, is listed in exclusions.csv."))
        excl.add(w.table(ex[ex_cols].astype(str), "exclusions_first", "Excluded rows",
                         max_rows=20, note="Full list in exclusions.csv."))
    else:
        excl.add(Paragraph("No row was excluded on reading."))
    sec.add(excl)
    return sec


# --------------------------------------------------------------------------------- Table 1
def section_table_one(ctx: Context) -> Section:
    """Table 1 of the cohort (Word copy in tables/table1.docx)."""
    from lms_prognosis.report.tables import table_one

    t1 = table_one(ctx.cohort, by=ctx.table_one_by)
    ctx.results["table_one"] = t1
    sec = Section("table-one", "Table 1: patient characteristics")
    sec.add(ctx.writer.table(t1.table, "table1", t1.caption, note=t1.note,
                             group_column="variable", docx=True))
    return sec


# --------------------------------------------------------------------------- Kaplan-Meier
def section_km(ctx: Context) -> Section:
    """KM overall and by each risk factor, with log-rank tests (trend for grade)."""
    from lms_prognosis.nonparametric.km import kaplan_meier, logrank_test
    from lms_prognosis.plotting import plot_km

    d, w, tp = ctx.data, ctx.writer, list(ctx.time_points)
    sec = Section("km", "Kaplan\u2013Meier survival")
    km = kaplan_meier(d)
    ctx.results["km"] = km
    overall = Section("km-overall", "All patients", level=2)
    marks = len(d) <= CENSOR_MARKS_MAX
    overall.add(w.figure(plot_km(km, at_risk=True, median_lines=True, title="All patients",
                                 censor_marks=marks),
                         "km_overall", f"Kaplan\u2013Meier estimate of "
                         f"{ENDPOINT_NAMES.get(ctx.cohort.endpoint, 'survival')}, all patients, "
                         "with 95% confidence band and numbers at risk"
                         + ("." if marks else f" (censor marks not drawn above "
                            f"{CENSOR_MARKS_MAX:,} patients)."), width=0.62))
    at = km.at(tp)
    med = km.median().iloc[0]
    rows = [{"time, months": _months(r.time), "at risk": str(int(r.n_risk)),
             "survival (95% CI)": _surv_cell(r.surv, r.lower, r.upper)}
            for r in at.itertuples(index=False)]
    overall.add(w.table(pd.DataFrame(rows), "km_overall", "Survival at the time points, all "
                        "patients", note="Median survival: " + (
                            "not reached." if pd.isna(med["median"]) else
                            f"{format_number(med['median'], 1)} months "
                            f"{format_ci(med['lower'], med['upper'], 1)}."), csv_frame=at))
    sec.add(overall)

    tests, by_time = [], []
    by = Section("km-factors", "By risk factor", level=2)
    grid = Grid("km-grid", columns=2)
    for factor in REPORT_FACTORS:
        col = factor.column
        if col not in d or d[col].notna().sum() == 0:
            continue
        sub = d[d[col].notna()]
        if sub[col].nunique() < 2:
            continue
        kmf = kaplan_meier(sub, group=col)
        kw: dict[str, Any] = {"trend": True, "scores": [1, 2, 3]} if factor.trend else {}
        lr = logrank_test(sub, group=col, **kw)
        test_name = "log-rank test for trend" if factor.trend else "log-rank test"
        missing = int(d[col].isna().sum())
        fig = plot_km(kmf, at_risk=True, logrank=lr, labels=lambda g: str(g),
                      title=factor.label, censor_marks=marks)
        if not marks:
            _fixed_legend(fig)
        grid.figures.append(w.figure(
            fig, f"km_{col}", f"{factor.label} ({test_name}, {format_p(lr.p)})"
            + (f"; {missing} patients with this factor missing not shown." if missing else "."),
            dpi=130))
        tests.append({"factor": factor.label, "groups": str(len(kmf.groups)),
                      "patients": str(len(sub)), "chi-square": format_number(lr.chisq),
                      "df": str(int(lr.df)), "p": format_p(lr.p, prefix=False),
                      "test": test_name})
        atf = kmf.at(tp)
        for g in kmf.groups:
            row: dict[str, str] = {"factor": factor.label, "level": str(g)}
            for r in atf[atf["group"] == g].itertuples(index=False):
                row[f"{_months(r.time)} months"] = _surv_cell(r.surv, r.lower, r.upper)
            by_time.append(row)
    if grid.figures:
        by.add(Paragraph("Kaplan\u2013Meier curves by each risk factor, with 95% confidence "
                         "bands and numbers at risk."))
        by.add(grid)
        sec.add(by)
    tab = Section("km-tests", "Log-rank tests and survival by factor", level=2)
    tab.add(w.table(pd.DataFrame(tests), "logrank_tests", "Log-rank tests by risk factor",
                    note="FNCLCC grade: log-rank test for trend, scores 1, 2, 3. Patients with "
                    "the factor missing are left out of that comparison."))
    tab.add(w.table(pd.DataFrame(by_time), "survival_by_factor",
                    "Kaplan\u2013Meier survival (95% CI) at the time points, by factor",
                    group_column="factor"))
    sec.add(tab)
    return sec


def _fixed_legend(fig: Any) -> None:
    """Large cohorts: put the legend in the lower left instead of matplotlib's "best".

    "best" tests every curve vertex at each draw, which dominates drawing time for curves with
    ~10^5 steps; the lower left is free on survival curves (they start at 1).
    """
    for panel in getattr(fig, "km_panels", []):
        leg = panel.curve.get_legend()
        if leg is not None:
            leg.set_loc("lower left")


# -------------------------------------------------------------------------------- Cox model
def section_cox(ctx: Context) -> Section:
    """Multivariable Cox model: HR table (with univariable columns) and forest plot."""
    from lms_prognosis.cox.fit import fit_cox
    from lms_prognosis.plotting import plot_forest
    from lms_prognosis.report.tables import hr_table

    d, w = ctx.data, ctx.writer
    sec = Section("cox", "Multivariable Cox model")
    if ctx.covariates:
        covariates = list(ctx.covariates)
    else:  # the report factors that vary in this cohort
        covariates = [f.column for f in REPORT_FACTORS
                      if f.column in d and d[f.column].dropna().nunique() >= 2]
        left_out = [f.label for f in REPORT_FACTORS if f.column not in covariates]
        if left_out:
            sec.add(Paragraph(f"Not in the model (absent, all missing or constant in this "
                              f"cohort): {', '.join(left_out)}.", kind="note"))
    if not covariates:
        raise ValueError("no covariate available for the Cox model")
    cox = fit_cox(d, covariates)
    ctx.results["cox"] = cox
    hrt = hr_table(cox, univariable="auto", data=d, labels=FACTOR_LABELS)
    ctx.results["hr_table"] = hrt
    dropped = cox.dropped if cox.dropped is not None else pd.DataFrame()
    n_drop = len(dropped)
    tests = cox.tests.set_index("test")
    lr = tests.loc["likelihood ratio"] if "likelihood ratio" in tests.index else None
    text = (f"{cox.n} patients with complete data ({cox.n_events} events) entered the model; "
            f"{n_drop} were left out for a missing covariate (listed in tables/cox_dropped.csv). "
            f"Harrell's C = {format_number(cox.concordance, 3)} "
            f"(SE {format_number(cox.concordance_se, 3)}).")
    if lr is not None:
        text += (f" Likelihood-ratio test: \u03c7\u00b2 = {format_number(lr['statistic'])} on "
                 f"{int(lr['df'])} df, {format_p(lr['p'])}.")
    sec.add(Paragraph(text))
    w.csv(dropped if n_drop else pd.DataFrame(columns=["row", "column", "reason"]),
          "tables/cox_dropped.csv")
    sec.add(w.table(hrt.table, "hazard_ratios", "Hazard ratios for "
                    f"{ENDPOINT_NAMES.get(ctx.cohort.endpoint, 'the endpoint')}",
                    note=hrt.note, group_column="variable", docx=True))
    w.csv(hrt.terms, "tables/hazard_ratios_terms.csv")
    uni = pd.concat([f.hazard_ratios for f in hrt.univariable.values()], ignore_index=True)
    hr = cox.hazard_ratios
    if not np.isfinite(hr[["hr", "lower", "upper"]].to_numpy(dtype=float)).all():
        sec.add(Paragraph("Forest plot not drawn: some hazard ratios or confidence limits are "
                          "not finite (too few events or separation in this cohort).",
                          kind="note"))
        return sec
    fig = plot_forest(cox, univariable=uni, labels=forest_labels(hrt))
    sec.add(w.figure(fig, "forest", "Forest plot of the univariable and multivariable hazard "
                     "ratios (95% CI, log scale).", width=0.95))
    return sec


def _cox(ctx: Context) -> Any:
    if "cox" not in ctx.results:
        raise ValueError("the multivariable Cox model could not be fitted (see above)")
    return ctx.results["cox"]


def forest_labels(hrt: Any) -> dict[str, str]:
    """Row labels of the forest plot by term: "<factor label>: <level>" (level once)."""
    labels: dict[str, str] = {}
    tab = hrt.table.assign(variable=hrt.terms.loc[hrt.terms["model"] == "multivariable",
                                                  "variable"].to_numpy())
    terms = hrt.terms[hrt.terms["model"] == "multivariable"].reset_index(drop=True)
    for (_, row), term in zip(tab.iterrows(), terms["term"], strict=True):
        if term is None or pd.isna(term):
            continue
        name = FACTOR_LABELS.get(row["variable"], row["variable"])
        level = str(row["level"])
        labels[term] = name if level in name or level == "per unit" else f"{name}: {level}"
    return labels


# -------------------------------------------------------------------------------- PH check
def section_ph(ctx: Context) -> Section:
    """Proportional-hazards check: cox.zph score tests and scaled Schoenfeld residuals."""
    from lms_prognosis.plotting import plot_schoenfeld

    cox, w = _cox(ctx), ctx.writer
    ph = cox.check_ph(transform="km")
    ctx.results["ph"] = ph
    t = ph.table
    frame = pd.DataFrame({"term": [FACTOR_LABELS.get(x, x) for x in t["term"].astype(str)],
                          "chi-square": [format_number(x) for x in t["chisq"]],
                          "df": [str(int(x)) for x in t["df"]],
                          "p": [format_p(x, prefix=False) for x in t["p"]]})
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
    from lms_prognosis.evaluate.metrics import calibration, external_validation
    from lms_prognosis.literature.models import EndpointMismatchError, published_model
    from lms_prognosis.plotting import plot_calibration

    w, c = ctx.writer, ctx.cohort
    pm = published_model(ctx.model_name)
    ctx.results["published_model"] = pm
    horizon = max(ctx.time_points)
    sec = Section("validation", f"Published model: {pm.name}")
    f = pm.factors
    sources: list[str] = []
    for s in f["source"].astype(str):
        if s not in sources:
            sources.append(s)
    ctx.results["sources"] = sources
    frame = pd.DataFrame({
        "factor": f["factor"].astype(str),
        "HR (95% CI)": [_hr_or_point(r) for r in f.itertuples(index=False)],
        "endpoint": f["endpoint"].astype(str) if "endpoint" in f else "",
        "source": [f"[{sources.index(s) + 1}]" for s in f["source"].astype(str)],
    })
    sec.add(w.table(frame, "published_model_factors", f"Factors of the model {pm.name}",
                    csv_frame=f, note="Sources: see the references under Methods (full text "
                    "in tables/published_model_factors.csv)."))
    try:
        ev = external_validation(pm, c, time_point=horizon)
    except (EndpointMismatchError, ValueError) as exc:  # e.g. too few events for calibration
        sec.add(Paragraph(f"Not validated on this cohort: {exc}", kind="note"))
        return sec
    ctx.results["validation"] = ev
    sec.add(Paragraph(_validation_text(pm, ev, horizon)))
    sec.add(w.table(_validation_frame(ev.table), "validation",
                    f"Performance of {pm.name} on the cohort at {_months(horizon)} months",
                    csv_frame=ev.table))
    sec.add(w.figure(plot_calibration(ev.calibration), "calibration",
                     f"Calibration of {pm.name} at {_months(horizon)} months as published: "
                     "observed (Kaplan\u2013Meier) against predicted event probability by risk "
                     "group, with a smooth calibration curve.", width=0.55))
    w.csv(ev.calibration.table, "tables/calibration_groups.csv")
    rec = ev.recalibrated
    if rec is not None:
        cal2 = calibration(rec, c, time_point=horizon)
        ctx.results["recalibrated_calibration"] = cal2
        sub = Section("recalibration", "Recalibrated to the cohort", level=2)
        sub.add(Paragraph(
            f"The baseline survival was refitted to this cohort (Breslow estimator with the "
            f"published linear predictor as offset). Calibration slope "
            f"{format_number(rec.calibration_slope)} (SE {format_number(rec.calibration_slope_se)}"
            f"); after recalibration O/E {format_number(cal2.oe)}, ICI "
            f"{format_number(cal2.ici, 3)}."))
        sub.add(w.figure(plot_calibration(cal2), "calibration_recalibrated",
                         f"Calibration of {pm.name} at {_months(horizon)} months after "
                         "recalibration of the baseline to the cohort.", width=0.55))
        w.csv(cal2.table, "tables/calibration_groups_recalibrated.csv")
        sec.add(sub)
    for note in getattr(pm, "notes", []) or []:
        sec.add(Paragraph(str(note), kind="note"))
    risk = pm.apply(c, horizons=ctx.time_points)
    w.csv(risk, "tables/published_model_risk.csv")
    return sec


def _hr_or_point(r: Any) -> str:
    from lms_prognosis._format import format_hr

    lo, hi = getattr(r, "lower", np.nan), getattr(r, "upper", np.nan)
    if pd.isna(lo) or pd.isna(hi):
        return format_number(r.hr)
    return format_hr(r.hr, lo, hi)


def _validation_frame(table: pd.DataFrame) -> pd.DataFrame:
    from lms_prognosis._format import format_hr

    cells = []
    for r in table.itertuples(index=False):
        if pd.isna(r.lower) or pd.isna(r.upper):
            cells.append(format_number(r.value, 3))
        else:
            cells.append(format_hr(r.value, r.lower, r.upper, digits=3))
    return pd.DataFrame({"statistic": table["statistic"].astype(str),
                         "estimate (95% CI)": cells,
                         "note": table["note"].fillna("").astype(str)})


def _validation_text(pm: Any, ev: Any, horizon: float) -> str:
    conc, cal = ev.concordance, ev.calibration
    text = (f"The published linear predictor of {pm.name} (endpoint {pm.endpoint}) was applied "
            f"to the cohort: Harrell's C {format_number(conc.c, 3)} (SE "
            f"{format_number(conc.se, 3)}). At {_months(horizon)} months the observed/expected "
            f"ratio is {format_number(cal.oe)} and the calibration slope "
            f"{format_number(cal.slope)}; ICI {format_number(cal.ici, 3)}, E50 "
            f"{format_number(cal.e50, 3)}, E90 {format_number(cal.e90, 3)}.")
    return text


# -------------------------------------------------------------------------- per-patient risk
def section_risk(ctx: Context) -> Section:
    """Per-patient predicted survival from the Cox model at the time points (+ CSV)."""
    cox, d, w = _cox(ctx), ctx.data, ctx.writer
    tp = list(ctx.time_points)
    wide = per_patient_table(cox, d, tp)
    w.csv(wide, "per_patient_risk.csv")
    shown = pd.DataFrame({"patient": wide["patient_id"].astype(str)})
    for t in tp:
        m = _months(t)
        shown[f"S({m} mo) (95% CI)"] = [_surv_cell(s, lo, hi) for s, lo, hi in zip(
            wide[f"surv_{m}m"], wide[f"lower_{m}m"], wide[f"upper_{m}m"], strict=True)]
    sec = Section("risk", "Per-patient risk")
    sec.add(Paragraph(f"Predicted survival probability (95% CI) at {', '.join(map(_months, tp))} "
                      f"months for each of the {len(wide)} patients with complete covariates, "
                      "from the multivariable Cox model (risk of the event = 1 \u2212 survival)."))
    sec.add(w.table(shown, "per_patient_risk_first", "Predicted survival per patient",
                    max_rows=PER_PATIENT_ROWS,
                    note="All patients in per_patient_risk.csv."))
    return sec


def per_patient_table(cox: Any, data: pd.DataFrame, times: list[float]) -> pd.DataFrame:
    """Wide per-patient table from ``cox.predict_survival`` (one row per patient).

    Columns: patient_id, then for each time t (months) ``surv_<t>m``, ``lower_<t>m``,
    ``upper_<t>m``, ``risk_<t>m`` (= 1 - surv). Values are copied, not recomputed.
    """
    newdata = data.loc[cox.data.index] if set(cox.data.index) <= set(data.index) else cox.data
    pred = cox.predict_survival(newdata, times)
    out = pd.DataFrame({"patient": newdata.index})
    ids = newdata["patient_id"] if "patient_id" in newdata else pd.Series(newdata.index,
                                                                           index=newdata.index)
    out["patient_id"] = ids.to_numpy()
    for t in times:
        m = _months(t)
        sub = pred[np.isclose(pred["time"].to_numpy(dtype=float), t)].set_index("patient")
        sub = sub.reindex(newdata.index)
        out[f"surv_{m}m"] = sub["surv"].to_numpy()
        out[f"lower_{m}m"] = sub["lower"].to_numpy()
        out[f"upper_{m}m"] = sub["upper"].to_numpy()
        out[f"risk_{m}m"] = 1.0 - sub["surv"].to_numpy()
    return out.drop(columns="patient")


__all__ = ["Context", "section_summary", "section_table_one", "section_km", "section_cox",
           "section_ph", "section_validation", "section_risk", "methods_section",
           "software_section", "per_patient_table"]
section_methods = methods_section
section_software = software_section
