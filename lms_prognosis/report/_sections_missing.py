"""The report's missing-data section: the missing-data pattern and, when a model covariate is
missing in more than 5% of patients, multiple imputation as the primary analysis beside the
complete cases.

Nothing is estimated here: the pattern is :func:`lms_prognosis.impute.result.missing_pattern`
(R ``mice::md.pattern``), the imputation :func:`lms_prognosis.impute` (chained equations with
the event indicator and the Nelson-Aalen cumulative hazard in every imputation model), the fits
:func:`lms_prognosis.fit_cox` on each completed data set and the pooling
:func:`lms_prognosis.pool` (Rubin's rules, Barnard-Rubin df, as ``mice::pool``).

The raw covariates behind the report's dichotomised factors (age, size, necrosis in three
levels) are imputed, and the factors are derived again in every completed data set, so the
imputation model uses the information the cut-points would throw away.

:func:`missing_steps` inserts the section before the Cox model when a model covariate has a
missing value; with multiple imputation primary, the complete-case Cox section is retitled as
the sensitivity analysis.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from lms_prognosis._format import format_hr, format_number, format_p
from lms_prognosis.cox import fit_cox, pool
from lms_prognosis.exceptions import CoxError, ReportError
from lms_prognosis.impute import impute
from lms_prognosis.impute.result import missing_pattern
from lms_prognosis.plotting import plot_forest
from lms_prognosis.report._context import FACTOR_LABELS, Context
from lms_prognosis.report._document import Paragraph, Section
from lms_prognosis.report._factors import derive_factors
from lms_prognosis.report._sections_model import _cox_covariates, report_cox

__all__ = [
    "DEFAULT_M",
    "MISSING_THRESHOLD",
    "check_impute",
    "missing_steps",
    "section_missing",
    "hr_side_by_side",
    "term_label",
]

#: Number of imputations by default (White, Royston & Wood 2011: at least the percentage of
#: incomplete cases is advised; 20 is the package default of :func:`lms_prognosis.impute`).
DEFAULT_M = 20
#: A model covariate missing in more than this fraction of patients makes multiple imputation
#: the primary analysis (design value of the issue; below it complete cases lose little).
MISSING_THRESHOLD = 0.05
#: raw cohort column behind each derived report factor (imputed, then dichotomised again)
RAW_SOURCE = {"age_ge_60": "age", "size_gt_5cm": "size_cm", "necrosis_any": "necrosis"}
PATTERN_ROWS = 15  # patterns shown (all in the CSV)

MI_REFERENCES = (
    "White IR, Royston P, Wood AM. Multiple imputation using chained equations: issues and "
    "guidance for practice. Stat Med 2011;30:377\u2013399.",
    "White IR, Royston P. Imputing missing covariate values for the Cox model. "
    "Stat Med 2009;28:1982\u20131998.",
    "Rubin DB. Multiple imputation for nonresponse in surveys. New York: Wiley; 1987.",
    "Wood AM, Royston P, White IR. The estimation and use of predictions for the assessment "
    "of model performance using large samples with multiply imputed data. Biom J "
    "2015;57:614\u2013632.",
    "Barnard J, Rubin DB. Small-sample degrees of freedom with multiple imputation. "
    "Biometrika 1999;86:948\u2013955.",
)


def check_impute(impute: int | bool | None) -> int | bool | None:
    """Refuse an ``impute=`` that is neither None, a bool nor an integer >= 2."""
    if impute is None or isinstance(impute, bool):
        return impute
    if not isinstance(impute, int | np.integer) or impute < 2:
        raise ReportError(
            f"impute must be None (automatic), False (complete cases only), True or a number "
            f"of imputations >= 2, got impute={impute!r} (--impute M needs M >= 2; "
            "--no-impute turns imputation off)"
        )
    return int(impute)


def _methods(ctx: Context, m: int | None, imp: Any = None) -> None:
    """The missing-data paragraph of Methods (and its references)."""
    if m is None or imp is None:
        text = (
            "Missing covariates. The missing-data pattern of the model covariates is shown "
            "(as R mice::md.pattern); the models use the complete cases."
        )
    else:
        text = (
            f"Missing covariates. Because a model covariate was missing in more than "
            f"{MISSING_THRESHOLD:.0%} of patients, multiple imputation by chained equations is "
            f"the primary analysis: {imp.m} imputed data sets (method {imp.method}: predictive "
            f"mean matching with {imp.k_pmm} donors after a draw of the imputation model's "
            f"parameters, {imp.n_iter} iterations per chain, seed {imp.seed}; "
            "lms_prognosis.impute). Every imputation model contains the other covariates, the "
            "event indicator and the Nelson\u2013Aalen cumulative hazard at the patient's time "
            "(White and Royston); age, size and necrosis were imputed on their original scale "
            "and dichotomised afterwards. Imputed: "
            f"{', '.join(imp.imputed)}. The Cox model was fitted in each data set and the "
            "estimates pooled by Rubin's rules with Barnard\u2013Rubin degrees of freedom "
            "(complete-data df = events \u2212 coefficients, as R mice::pool), t-based 95% "
            "intervals and the fraction of missing information; the complete-case analysis is "
            "the sensitivity analysis."
        )
    ctx.results.setdefault("methods_text", []).append(text)
    if imp is not None:
        ctx.results.setdefault("method_references", []).extend(MI_REFERENCES)


def _options(ctx: Context) -> dict[str, Any]:
    return dict(ctx.results.get("options", {}))


def _plan(ctx: Context) -> dict[str, Any] | None:
    """Covariates, fraction missing per covariate and m (None: complete cases only)."""
    try:
        covs = _cox_covariates(ctx, Section("tmp", "tmp"))
    except CoxError:
        return None
    covs = [c for c in covs if c in ctx.data]
    frac = ctx.data[covs].isna().mean()
    if not covs or not (frac > 0).any():
        return None
    opt = _options(ctx).get("impute")
    m: int | None
    if opt is False:
        m = None
    elif opt is None:
        m = DEFAULT_M if (frac > MISSING_THRESHOLD).any() else None
    else:
        m = DEFAULT_M if opt is True else int(opt)
    return {"covariates": covs, "fraction": frac, "m": m}


def missing_steps(steps: list[Any], ctx: Context) -> list[Any]:
    """Insert the missing-data section before the Cox model when a model covariate is
    missing (retitling the Cox section as the sensitivity analysis when MI is primary)."""
    plan = _plan(ctx)
    if plan is None:
        return steps
    ctx.results["missing_plan"] = plan
    title = (
        "Missing data: multiple imputation (primary analysis)"
        if plan["m"]
        else "Missing data: pattern"
    )
    out: list[Any] = []
    for step in steps:
        if step[2] == "cox":
            out.append(("missing data", section_missing, "missing", title))
            if plan["m"]:
                step = (step[0], _retitled(step[1]), step[2], COX_SENSITIVITY_TITLE)
        elif step[2] == "risk" and plan["m"]:
            step = (step[0], _with_mi_risk(step[1]), step[2], step[3])
        out.append(step)
    return out


COX_SENSITIVITY_TITLE = "Multivariable Cox model: complete cases (sensitivity analysis)"


def _retitled(fn: Callable[[Context], Section]) -> Callable[[Context], Section]:
    def section(ctx: Context) -> Section:
        sec = fn(ctx)
        sec.title = COX_SENSITIVITY_TITLE
        sec.blocks.insert(
            0,
            Paragraph(
                "Complete-case analysis, the sensitivity analysis: the primary analysis is "
                "the multiple imputation above.",
                kind="note",
            ),
        )
        return sec

    return section


def _with_mi_risk(fn: Callable[[Context], Section]) -> Callable[[Context], Section]:
    """The complete-case per-patient risks, then those of every patient after imputation."""

    def section(ctx: Context) -> Section:
        sec = fn(ctx)
        if "pooled" in ctx.results:
            sec.add(_mi_risk(ctx))
        return sec

    return section


def _mi_risk(ctx: Context) -> Section:
    """Per-patient survival averaged over the m imputed data sets (Wood et al. 2015)."""
    imp, pooled, tp = ctx.results["imputed"], ctx.results["pooled"], list(ctx.time_points)
    preds = [
        fit.predict_survival(derive_factors(d), tp)[["patient", "time", "surv"]]
        for fit, d in zip(pooled.fits, imp.datasets, strict=True)
    ]
    long = pd.concat(preds, ignore_index=True)
    agg = long.groupby(["patient", "time"], sort=False)["surv"].agg(["mean", "min", "max"])
    index = imp.datasets[0].index
    ids = imp.datasets[0]["patient_id"] if "patient_id" in imp.datasets[0] else index
    wide = pd.DataFrame({"patient_id": np.asarray(ids).astype(str)})
    shown = pd.DataFrame({"patient": wide["patient_id"]})
    n_imp = ctx.data.loc[index, pooled.fits[0].covariates].isna().sum(axis=1).to_numpy()
    for t in tp:
        sub = agg.xs(float(t), level="time").reindex(index)
        m = f"{t:g}"
        wide[f"surv_{m}m"], wide[f"min_{m}m"], wide[f"max_{m}m"] = (
            sub["mean"].to_numpy(),
            sub["min"].to_numpy(),
            sub["max"].to_numpy(),
        )
        shown[f"S({m} mo) [range]"] = [
            f"{format_number(a)} [{format_number(lo)}\u2013{format_number(hi)}]"
            for a, lo, hi in zip(sub["mean"], sub["min"], sub["max"], strict=True)
        ]
    wide["n_imputed"] = n_imp
    shown["covariates imputed"] = n_imp.astype(str)
    ctx.writer.csv(wide, "tables/per_patient_risk_mi.csv")
    sub_sec = Section("risk-mi", "Every patient, after multiple imputation", level=2)
    sub_sec.add(
        Paragraph(
            f"Predicted survival of all {len(wide)} patients, those with missing covariates "
            f"included: the mean over the {imp.m} imputed data sets of each data set's Cox "
            "prediction (Wood et al. 2015), with the range over the imputations."
        )
    )
    sub_sec.add(
        ctx.writer.table(
            shown,
            "per_patient_risk_mi_first",
            "Predicted survival per patient after multiple imputation",
            max_rows=25,
            note="All patients in tables/per_patient_risk_mi.csv.",
        )
    )
    return sub_sec


# -------------------------------------------------------------------------------- section
def section_missing(ctx: Context) -> Section:
    """Missing-data pattern; with MI primary, pooled and complete-case HRs side by side."""
    plan = ctx.results["missing_plan"]
    covs, frac, m = plan["covariates"], plan["fraction"], plan["m"]
    title = "Missing data: multiple imputation (primary analysis)" if m else "Missing data: pattern"
    sec = Section("missing", title)
    sec.add(_pattern_table(ctx, covs))
    complete = int(ctx.data[covs].notna().all(axis=1).sum())
    worst = ", ".join(
        f"{FACTOR_LABELS.get(c, c)} {format_number(100 * float(f), 1)}%"
        for c, f in frac.sort_values(ascending=False).items()
        if f > 0
    )
    text = (
        f"{complete} of {len(ctx.data)} patients ({format_number(100 * complete / len(ctx.data), 1)}"
        f"%) have every model covariate; missing: {worst}. "
    )
    if m is None:
        why = (
            "imputation was turned off (--no-impute)"
            if _options(ctx).get("impute") is False
            else f"no model covariate is missing in more than {MISSING_THRESHOLD:.0%} of patients"
        )
        sec.add(Paragraph(text + f"The analyses use the complete cases: {why}."))
        _methods(ctx, None)
        return sec
    sec.add(
        Paragraph(
            text + f"Multiple imputation ({m} imputations) is the primary analysis and the "
            "complete cases the sensitivity analysis (White et al. 2011; TRIPOD)."
        )
    )
    pooled, cc = _fit_imputed(ctx, covs, m)
    _mi_results(ctx, sec, pooled, cc, covs)
    _methods(ctx, m, ctx.results["imputed"])
    return sec


def _pattern_table(ctx: Context, covs: list[str]) -> Any:
    pat = missing_pattern(ctx.data[covs])
    order = [c for c in pat.columns if c not in ("n", "n_missing")]
    shown = pd.DataFrame({"patients": pat["n"].astype(str)})
    for c in order:
        shown[FACTOR_LABELS.get(c, c)] = np.where(pat[c] == 1, "\u00b7", "missing")
    shown["covariates missing"] = pat["n_missing"].astype(str)
    n_miss = {c: int(ctx.data[c].isna().sum()) for c in order}
    per_var = {
        FACTOR_LABELS.get(c, c): f"{k} ({format_number(100 * k / len(ctx.data), 1)}%)"
        for c, k in n_miss.items()
    }
    total = pd.DataFrame([{"patients": "missing, n (%)", **per_var, "covariates missing": ""}])
    frame = pd.concat([shown, total], ignore_index=True)
    return ctx.writer.table(
        frame,
        "missing_pattern",
        "Missing-data pattern of the model covariates (as R mice::md.pattern)",
        csv_frame=pat,
        max_rows=PATTERN_ROWS + 1 if len(frame) <= PATTERN_ROWS + 1 else PATTERN_ROWS,
        note="One row per combination of missing covariates (\u00b7 observed), most complete "
        "first; the last row counts the patients missing each covariate. Full table in "
        "tables/missing_pattern.csv.",
    )


def show_progress(ctx: Context) -> bool:
    """Draw the imputation's progress bar: only when asked for and stderr is a terminal
    (the bar itself appears only after 2 s, so only for long imputations)."""
    return bool(_options(ctx).get("progress", True)) and sys.stderr.isatty()


def _fit_imputed(ctx: Context, covs: list[str], m: int) -> tuple[Any, Any]:
    """Impute the raw covariates m times, derive the factors, fit and pool (with progress)."""
    raw = list(dict.fromkeys(RAW_SOURCE.get(c, c) for c in covs))
    raw = [c for c in raw if c in ctx.cohort.data]
    seed = int(_options(ctx).get("seed", 1))
    show = show_progress(ctx)
    with tqdm(
        total=m + 1, desc=f"imputing {m} data sets", disable=not show, leave=False, delay=2
    ) as bar:
        imp = impute(ctx.cohort.data, m=m, seed=seed, covariates=raw)
        bar.update(1)
        fits = []
        bar.set_description(f"fitting {m} Cox models")
        for data in imp.datasets:
            fits.append(fit_cox(derive_factors(data), covs))
            bar.update(1)
    pooled = pool(fits)
    ctx.results["imputed"] = imp
    ctx.results["pooled"] = pooled
    return pooled, report_cox(ctx)


def _mi_results(ctx: Context, sec: Section, pooled: Any, cc: Any, covs: list[str]) -> None:
    w, imp = ctx.writer, ctx.results["imputed"]
    models = [("MI:", pooled.hazard_ratios), ("Complete cases:", cc.hazard_ratios)]
    table = hr_side_by_side(models, ctx.data, covs)
    fmi = dict(zip(pooled.hazard_ratios["term"], pooled.hazard_ratios["fmi"], strict=True))
    fmi_cells = [format_number(float(fmi[t]), 2) if t in fmi else "" for t in table["term"]]
    table.insert(5, "FMI", fmi_cells)
    sec.add(
        w.table(
            table.drop(columns="term"),
            "hazard_ratios_mi",
            "Hazard ratios: multiple imputation (primary) and complete cases (sensitivity)",
            note=f"MI, multiple imputation: {imp.n} patients, {pooled.n_events} events, {imp.m} "
            f"imputations pooled by Rubin's rules (t-based 95% CI, Barnard\u2013Rubin df); FMI, "
            f"fraction of missing information. Complete cases: {cc.n} patients, "
            f"{cc.n_events} events.",
            group_column="variable",
            csv_frame=pd.concat(
                [m[1].assign(analysis=name) for name, m in zip(("mi", "cc"), models, strict=True)]
            ),
            docx=True,
        )
    )
    w.csv(imp.table, "tables/imputation_variables.csv")
    w.csv(imp.convergence, "tables/imputation_convergence.csv")
    sub = pooled.hazard_ratios[["term", "hr", "lower", "upper", "p"]]
    hr = cc.hazard_ratios
    labels = {t: term_label(t, c) for t, c in zip(hr["term"], hr["covariate"], strict=True)}
    fig = plot_forest(
        cc.hazard_ratios,
        univariable=sub,
        labels=labels,
        titles=("Multiple imputation", "Complete cases"),
    )
    sec.add(
        w.figure(
            fig,
            "forest_mi",
            "Hazard ratios (95% CI, log scale) after multiple imputation and in the complete "
            "cases.",
            width=0.95,
        )
    )


def term_label(term: str, covariate: str) -> str:
    """ "Tumour necrosis: present" for ``necrosis_any[present]`` (the level once)."""
    name = FACTOR_LABELS.get(covariate, covariate)
    level = _level(term, covariate)
    return name if level in ("per unit", "") or level in name else f"{name}: {level}"


def _level(term: str, covariate: str) -> str:
    rest = term[len(covariate) :] if term.startswith(covariate) else term
    if rest.startswith("[") and rest.endswith("]"):
        level = rest[1:-1]
        return level[2:] if level.startswith("T.") else level
    return "per unit" if not rest else rest


def hr_side_by_side(
    models: Sequence[tuple[str, pd.DataFrame]], data: pd.DataFrame, covariates: Sequence[str]
) -> pd.DataFrame:
    """One row per level (reference rows included), one HR and p column pair per model.

    ``models``: (name, hazard_ratios table with term, covariate, hr, lower, upper, p); the
    terms of the first model set the order. Returns columns term, variable, level, then
    ``"<name> HR (95% CI)"`` and ``"<name> p"`` per model (formatted cells, nothing
    recomputed).
    """
    rows: list[dict[str, str]] = []
    first = models[0][1]
    for cov in covariates:
        label = FACTOR_LABELS.get(cov, cov)
        col = data[cov] if cov in data else None
        if col is not None and isinstance(col.dtype, pd.CategoricalDtype):
            ref = {"term": "", "variable": label, "level": str(col.cat.categories[0])}
            for name, _ in models:
                ref[f"{name} HR (95% CI)"], ref[f"{name} p"] = "1 (reference)", ""
            rows.append(ref)
        for term in first.loc[first["covariate"] == cov, "term"]:
            row = {"term": term, "variable": label, "level": _level(term, cov)}
            for name, hr in models:
                hit = hr[hr["term"] == term]
                if len(hit):
                    r = hit.iloc[0]
                    cell = format_hr(float(r["hr"]), float(r["lower"]), float(r["upper"]))
                    p = format_p(float(r["p"]), prefix=False)
                    row[f"{name} HR (95% CI)"], row[f"{name} p"] = cell, p
                else:
                    row[f"{name} HR (95% CI)"], row[f"{name} p"] = "", ""
            rows.append(row)
    return pd.DataFrame(rows)
