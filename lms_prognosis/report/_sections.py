"""The report's sections (data summary, Table 1, Kaplan-Meier here; the model sections in
:mod:`lms_prognosis.report._sections_model`), built from the statistics modules and plots.

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

import pandas as pd

from lms_prognosis._format import format_ci, format_number, format_p
from lms_prognosis.nonparametric import kaplan_meier, logrank_test
from lms_prognosis.nonparametric.followup import FollowUpResult, median_follow_up
from lms_prognosis.nonparametric.logrank import LogRankResult
from lms_prognosis.plotting import plot_km
from lms_prognosis.report._context import (
    Context,
    months,
    surv_cell,
)
from lms_prognosis.report._document import Figure, Grid, Paragraph, Section
from lms_prognosis.report._factors import REPORT_FACTORS, Factor
from lms_prognosis.report._methods import methods_section, software_section
from lms_prognosis.report._sections_data import censoring, data_statement
from lms_prognosis.report._sections_limits import section_limitations
from lms_prognosis.report._sections_model import (
    forest_labels,
    per_patient_table,
    section_cox,
    section_ph,
    section_risk,
    section_validation,
)
from lms_prognosis.report._sections_sample import section_sample_size
from lms_prognosis.report.tables import table_one

__all__ = [
    "Context",
    "section_summary",
    "section_sample_size",
    "section_limitations",
    "section_table_one",
    "section_km",
    "section_cox",
    "section_ph",
    "section_validation",
    "section_risk",
    "section_methods",
    "section_software",
    "methods_section",
    "software_section",
    "per_patient_table",
    "forest_labels",
]

CENSOR_MARKS_MAX = 5000  # above this many patients censor marks merge into a band: not drawn
EXCLUSION_COLUMNS = ["row", "patient_id", "column", "value", "reason"]


# --------------------------------------------------------------------------------- summary
def section_summary(ctx: Context) -> Section:
    """Data summary: the data statement (synthetic or real, source, dates, endpoint and time
    origin), counts, follow-up, censoring and numbers at risk, and the exclusions."""
    sec = Section("summary", "Data summary")
    sec.add(data_statement(ctx))
    fu = median_follow_up(ctx.data)
    ctx.results["follow_up"] = fu
    sec.add(ctx.writer.table(_summary_frame(ctx, fu), "data_summary", "Data summary"))
    for note in getattr(ctx.cohort, "notes", []) or []:
        sec.add(Paragraph(str(note), kind="note"))
    sec.add(censoring(ctx))
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
        ("Competing events (censored in cause-specific analyses)", str(int((event >= 2).sum()))),
        ("Censored", str(int((event == 0).sum()))),
        (
            "Follow-up, months: median (95% CI), reverse Kaplan\u2013Meier",
            _follow_up_cell(fu),
        ),
        (
            "Follow-up, months: range",
            f"{format_number(float(d['time'].min()), 1)}\u2013"
            f"{format_number(float(d['time'].max()), 1)}",
        ),
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def _follow_up_cell(fu: FollowUpResult) -> str:
    """``"71.8 (64.4–80.7)"``; "not reached" when the reverse Kaplan-Meier stays above 1/2."""
    if pd.isna(fu.median):
        return "not reached"
    if pd.isna(fu.lower) or pd.isna(fu.upper):
        return format_number(fu.median, 1)
    return f"{format_number(fu.median, 1)} {format_ci(fu.lower, fu.upper, 1)}"


def _exclusions(ctx: Context) -> Section:
    """The exclusions subsection; writes exclusions.csv (every excluded row)."""
    w, ex = ctx.writer, _exclusion_frame(ctx)
    cols = [col for col in EXCLUSION_COLUMNS if col in ex]
    w.csv(ex[cols] if len(ex) else pd.DataFrame(columns=EXCLUSION_COLUMNS), "exclusions.csv")
    excl = Section("exclusions", "Exclusions", level=2)
    if not len(ex):
        excl.add(Paragraph("No row was excluded on reading."))
        return excl
    by_reason = (
        ex.groupby(["column", "reason"], dropna=False).size().rename("entries").reset_index()
    )
    by_reason["entries"] = by_reason["entries"].astype(str)
    excl.add(
        w.table(
            by_reason,
            "exclusions_by_reason",
            "Exclusions by column and reason",
            note="Every excluded row, with its value, is listed in exclusions.csv.",
        )
    )
    excl.add(
        w.table(
            ex[cols].astype(str),
            "exclusions_first",
            "Excluded rows",
            max_rows=20,
            note="Full list in exclusions.csv.",
        )
    )
    return excl


# --------------------------------------------------------------------------------- Table 1
def section_table_one(ctx: Context) -> Section:
    """Table 1 of the cohort (Word copy in tables/table1.docx)."""
    t1 = table_one(ctx.cohort, by=ctx.table_one_by)
    ctx.results["table_one"] = t1
    sec = Section("table-one", "Table 1: patient characteristics")
    sec.add(
        ctx.writer.table(
            t1.table, "table1", t1.caption, note=t1.note, group_column="variable", docx=True
        )
    )
    return sec


# --------------------------------------------------------------------------- Kaplan-Meier
def section_km(ctx: Context) -> Section:
    """KM overall and by each risk factor, with log-rank tests (trend for grade)."""
    sec = Section("km", "Kaplan\u2013Meier survival")
    marks = len(ctx.data) <= CENSOR_MARKS_MAX
    sec.add(_km_overall(ctx, marks))
    grid = Grid("km-grid", columns=2)
    tests: list[dict[str, Any]] = []
    by_time: list[dict[str, str]] = []
    if not (ctx.data["event"] == 1).any():
        sec.add(
            Paragraph(
                "No patient had the event, so survival stays at 1 in every group: no curves "
                "by factor and no log-rank tests.",
                kind="note",
            )
        )
        return sec
    for factor in REPORT_FACTORS:
        drawn = _km_factor(ctx, factor, marks)
        if drawn is not None:
            grid.figures.append(drawn[0])
            tests.extend(drawn[1])
            by_time.extend(drawn[2])
    if grid.figures:
        by = Section("km-factors", "By risk factor", level=2)
        by.add(
            Paragraph(
                "Kaplan\u2013Meier curves by each risk factor, with 95% confidence "
                "bands and numbers at risk."
            )
        )
        by.add(grid)
        sec.add(by)
    tab = Section("km-tests", "Log-rank tests and survival by factor", level=2)
    sec.add(tab)
    for label in ctx.results.pop("km_untested", []):
        tab.add(Paragraph(label, kind="note"))
    if not tests:
        tab.add(
            Paragraph(
                "No risk factor has two or more groups in this cohort: no curves by "
                "factor and no log-rank test.",
                kind="note",
            )
        )
        return sec
    ctx.results["logrank"] = frame = pd.DataFrame(tests)
    tab.add(
        ctx.writer.table(
            _logrank_display(frame),
            "logrank_tests",
            "Log-rank tests by risk factor",
            note="n, events and expected events per level among the patients with the "
            "factor recorded (those with it missing are left out of that comparison), as "
            "R's survdiff. FNCLCC grade: log-rank test for trend, scores 1, 2, 3.",
            group_column="factor",
            csv_frame=frame,
        )
    )
    tab.add(
        ctx.writer.table(
            pd.DataFrame(by_time),
            "survival_by_factor",
            "Kaplan\u2013Meier survival (95% CI) at the time points, by factor",
            group_column="factor",
        )
    )
    return sec


def _km_overall(ctx: Context, marks: bool) -> Section:
    d, w = ctx.data, ctx.writer
    km = kaplan_meier(d)
    ctx.results["km"] = km
    overall = Section("km-overall", "All patients", level=2)
    caption = (
        f"Kaplan\u2013Meier estimate of {ctx.endpoint_name()}, all patients, with 95% "
        "confidence band and numbers at risk"
        + ("." if marks else f" (censor marks not drawn above {CENSOR_MARKS_MAX:,} patients).")
    )
    overall.add(
        w.figure(
            plot_km(km, at_risk=True, median_lines=True, title="All patients", censor_marks=marks),
            "km_overall",
            caption,
            width=0.62,
        )
    )
    at = km.at(list(ctx.time_points))
    med = km.median().iloc[0]
    rows = [
        {
            "time, months": months(float(t)),
            "at risk": str(int(n)),
            "survival (95% CI)": surv_cell(s, lo, hi),
        }
        for t, n, s, lo, hi in zip(
            at["time"], at["n_risk"], at["surv"], at["lower"], at["upper"], strict=True
        )
    ]
    median = (
        "not reached."
        if pd.isna(med["median"])
        else f"{format_number(float(med['median']), 1)} months "
        f"{format_ci(float(med['lower']), float(med['upper']), 1)}."
    )
    overall.add(
        w.table(
            pd.DataFrame(rows),
            "km_overall",
            "Survival at the time points, all patients",
            note="Median survival: " + median,
            csv_frame=at,
        )
    )
    return overall


def _km_factor(
    ctx: Context, factor: Factor, marks: bool
) -> tuple[Figure, list[dict[str, Any]], list[dict[str, str]]] | None:
    """Curves, log-rank test and survival at the time points for one factor (None: absent)."""
    d, col = ctx.data, factor.column
    if col not in d or d[col].notna().sum() == 0 or d[col].nunique() < 2:
        return None
    kmf = kaplan_meier(d, group=col)  # leaves out and reports the rows missing the factor
    if not (d.loc[d[col].notna(), "event"] == 1).any():
        # no event: the log-rank statistic is 0 on 0 df, which is no test at all
        ctx.results.setdefault("km_untested", []).append(
            f"{factor.label}: no curves by group and no log-rank test, because no patient "
            "with this factor recorded had the event."
        )
        return None
    # the trend test scores the grades present (1, 2, 3, or e.g. 2, 3 when grade 1 is absent)
    levels = [g for g in kmf.groups if pd.notna(g)]
    kw: dict[str, Any] = (
        {"trend": True, "scores": [float(g) for g in levels]} if factor.trend else {}
    )
    lr = logrank_test(d, group=col, **kw)
    test_name = "log-rank test for trend" if factor.trend else "log-rank test"
    missing = int(kmf.dropped.loc[kmf.dropped["column"] == col, "row"].nunique())
    fig = plot_km(kmf, at_risk=True, logrank=lr, labels=str, title=factor.label, censor_marks=marks)
    if not marks:
        _fixed_legend(fig)
    caption = f"{factor.label} ({test_name}, {format_p(lr.p)})" + (
        f"; {missing} patients with this factor missing not shown." if missing else "."
    )
    figure = ctx.writer.figure(fig, f"km_{col}", caption, dpi=130)
    test = _logrank_rows(factor.label, lr, test_name)
    at = kmf.at(list(ctx.time_points))
    by_time = []
    for g in kmf.groups:
        row = {"factor": factor.label, "level": str(g)}
        sel = at[at["group"] == g]
        for t, s, lo, hi in zip(sel["time"], sel["surv"], sel["lower"], sel["upper"], strict=True):
            row[f"{months(float(t))} months"] = surv_cell(s, lo, hi)
        by_time.append(row)
    return figure, test, by_time


def _logrank_rows(label: str, lr: LogRankResult, test_name: str) -> list[dict[str, Any]]:
    """One row per level of a log-rank comparison, as R's ``survdiff`` prints it: patients
    (N), events (Observed) and expected events of the rows the test used (those with the
    factor recorded), with the test's chi-square, df and p beside every row (the report
    shows them once per factor)."""
    t = lr.table
    return [
        {
            "factor": label,
            "level": str(g),
            "n": int(n),
            "events": int(round(o)),
            "expected": float(e),
            "chi-square": float(lr.chisq),
            "df": int(lr.df),
            "p": float(lr.p),
            "test": test_name,
        }
        for g, n, o, e in zip(
            t["group"],
            t["n"].to_numpy(dtype=float),
            t["observed"].to_numpy(dtype=float),
            t["expected"].to_numpy(dtype=float),
            strict=True,
        )
    ]


def _logrank_display(tests: pd.DataFrame) -> pd.DataFrame:
    """The log-rank rows formatted; the test's cells on the first row of each factor only."""
    first = ~tests["factor"].duplicated()
    return pd.DataFrame(
        {
            "factor": tests["factor"],
            "level": tests["level"],
            "n": tests["n"].map(str),
            "events": tests["events"].map(str),
            "expected": tests["expected"].map(lambda x: format_number(float(x), 1)),
            "chi-square": [
                format_number(float(x)) if f else ""
                for x, f in zip(tests["chi-square"], first, strict=True)
            ],
            "df": [str(int(x)) if f else "" for x, f in zip(tests["df"], first, strict=True)],
            "p": [
                format_p(float(x), prefix=False) if f else ""
                for x, f in zip(tests["p"], first, strict=True)
            ],
            "test": tests["test"].where(first, ""),
        }
    )


def _fixed_legend(fig: Any) -> None:
    """Large cohorts: put the legends in the lower left instead of matplotlib's "best".

    "best" tests every curve vertex at each draw, which dominates drawing time for curves with
    ~10^5 steps; the lower left is free on survival curves (they start at 1).
    """
    for ax in getattr(fig, "figure", fig).axes:
        leg = ax.get_legend()
        if leg is not None:
            leg.set_loc("lower left")


section_methods = methods_section
section_software = software_section
