"""The fitted Cox model beyond its hazard-ratio table (TRIPOD items 10b, 10d, 15a, 16).

Three sections after the multivariable Cox model of
:func:`~lms_prognosis.report._sections_model.section_cox`:

* **continuous age and size** -- the same model with ``rcs(age, 4)`` and ``rcs(size_cm, 4)``
  (Harrell's default knots, :mod:`lms_prognosis.cox._splines`) in place of the literature's
  cut-points, its partial effects and the tests of non-linearity
  (:func:`lms_prognosis.cox.nonlinear.nonlinearity_tests`);
* **internal validation** -- bootstrap optimism-corrected C, calibration slope and Brier score
  (:func:`lms_prognosis.validate`) and a calibration plot at the last time point;
* **applying the model** -- the baseline survival S0(t) at the reference patient, the
  coefficients with their coding and centring, and the linear predictor written out.

Numbers come from :mod:`lms_prognosis.cox` and :mod:`lms_prognosis.evaluate`; nothing is
estimated here. A reason in the data replaces a section by one sentence (recorded as the
report's other sections are, :mod:`lms_prognosis.report._run`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib import pyplot as plt

from lms_prognosis._format import format_number, format_p
from lms_prognosis.cox.fit import CoxResult, fit_cox
from lms_prognosis.cox.nonlinear import nonlinearity_tests, spline_knots
from lms_prognosis.evaluate import calibration, validate
from lms_prognosis.exceptions import LMSPrognosisError, ReportError
from lms_prognosis.plotting import plot_calibration, plot_partial_effect
from lms_prognosis.report._context import FACTOR_LABELS, Context, months
from lms_prognosis.report._document import Paragraph, Section
from lms_prognosis.report._run import SectionStep, _record
from lms_prognosis.report._sections_model import _cox
from lms_prognosis.report.tables import hr_table

__all__ = [
    "fitted_steps",
    "section_spline",
    "section_internal_validation",
    "section_apply_model",
    "n_bootstrap",
    "reference_patient",
    "SPLINES",
    "EVENTS_PER_COEFFICIENT",
]

#: the continuous variables modelled with splines: column -> (dichotomised factor it
#: replaces, knots, reference value of the partial-effect plot = the literature's cut-point,
#: axis label)
SPLINES: dict[str, tuple[str, int, float, str]] = {
    "age": ("age_ge_60", 4, 60.0, "Age (years)"),
    "size_cm": ("size_gt_5cm", 4, 5.0, "Largest tumour diameter (cm)"),
}
#: design value: the spline model is fitted only with at least this many events per
#: coefficient (10 is the usual rule for Cox models: Peduzzi et al. J Clin Epidemiol
#: 1995;48:1503-1510)
EVENTS_PER_COEFFICIENT = 10
#: design values of the internal validation (see :func:`n_bootstrap`): B = 200 replicates
#: (rms's default) while n x B <= BOOTSTRAP_ROWS (a refit costs about 4 microseconds of CPU
#: per patient: n = 500, B = 200 is 0.4 s), then fewer but at least BOOTSTRAP_MIN; above
#: BOOTSTRAP_MAX_N patients no bootstrap (the optimism is then small and B refits slow)
BOOTSTRAP_B = 200
BOOTSTRAP_ROWS = 200_000
BOOTSTRAP_MIN = 20
BOOTSTRAP_MAX_N = 10_000


def fitted_steps() -> list[SectionStep]:
    """The three sections, in order (for ``build.section_steps``)."""
    return [
        ("spline model", section_spline, "spline", "Continuous age and size (splines)"),
        (
            "internal validation",
            section_internal_validation,
            "internal-validation",
            "Internal validation of the fitted model",
        ),
        ("applying the model", section_apply_model, "apply-model", "Applying the fitted model"),
    ]


NO_COX = (
    "It uses the multivariable Cox model, which could not be fitted for this cohort (see above)."
)


def _without_cox(ctx: Context, sec: Section) -> Section | None:
    """The section as one sentence (listed as not computed) when there is no Cox model."""
    return None if "cox" in ctx.results else _skip(ctx, sec, NO_COX)


HARRELL_RMS = (
    "Harrell FE Jr. Regression Modeling Strategies, 2nd ed. Springer 2015 (restricted cubic "
    "splines, chapter 2; bootstrap validation, chapter 5)."
)


def _methods(ctx: Context, text: str, reference: str | None = None) -> None:
    """A sentence for the Methods section, and its reference (listed once)."""
    ctx.results.setdefault("methods_text", []).append(text)
    refs = ctx.results.setdefault("method_references", [])
    if reference and reference not in refs:
        refs.append(reference)


def _skip(ctx: Context, sec: Section, sentence: str, error: bool = True) -> Section:
    """Replace the section by one sentence for a reader, listed in ``Report.errors`` when
    something could not be computed (``error``); a choice (too few events for the extra
    coefficients of the splines) is only said."""
    sec.add(Paragraph(sentence, kind="note"))
    if error:
        _record(ctx, sec.id, sentence, "")
    return sec


# ----------------------------------------------------------------------------- splines
def _term(variable: str) -> str:
    """The spline term of a variable: ``"rcs(age, 4)"``."""
    return f"rcs({variable}, {SPLINES[variable][1]})"


def _spline_terms(covariates: list[str], d: pd.DataFrame) -> tuple[list[str], list[str], int]:
    """(spline model terms, the same with the variables linear, number of splines)."""
    spline, linear, k = [], [], 0
    for c in covariates:
        hit = [v for v, (fac, _, _, _) in SPLINES.items() if c in (v, fac)]
        if hit and hit[0] in d and d[hit[0]].dropna().nunique() >= 6:
            v = hit[0]
            spline.append(_term(v))
            linear.append(v)
            k += 1
        else:
            spline.append(c)
            linear.append(c)
    return spline, linear, k


def section_spline(ctx: Context) -> Section:
    """The model with age and size as restricted cubic splines, beside the dichotomised one."""
    sec = Section("spline", "Continuous age and size (splines)")
    if (skipped := _without_cox(ctx, sec)) is not None:
        return skipped
    cox, d, w = _cox(ctx), ctx.data, ctx.writer
    terms, linear_terms, k = _spline_terms(list(cox.covariates), d)
    if k == 0:
        return _skip(
            ctx,
            sec,
            "The model above has neither age nor tumour size as a factor or a "
            "measured value (or has them as splines already), so no spline model was fitted "
            "beside it.",
            error=False,
        )
    n_coef = len(cox.coef) + sum(SPLINES[v][1] - 2 for v in SPLINES if _term(v) in terms)
    if cox.n_events < EVENTS_PER_COEFFICIENT * n_coef:
        return _skip(
            ctx,
            sec,
            f"The model with age and size as splines has {n_coef} coefficients; "
            f"{cox.n_events} events are fewer than {EVENTS_PER_COEFFICIENT} per coefficient, "
            "so it was not fitted (the dichotomised model above stands).",
            error=False,
        )
    fit = fit_cox(d, terms, ties=cox.ties)
    tests = nonlinearity_tests(fit, fit_cox(d, linear_terms, ties=cox.ties))
    ctx.results["spline"] = {"fit": fit, "tests": tests}
    _methods(
        ctx,
        "Age and tumour size were also modelled as continuous values with restricted cubic "
        "splines (4 knots at Harrell's default percentiles 5, 35, 65 and 95; R rms::rcs), the "
        "other factors as above; non-linearity was tested by the Wald test of the non-linear "
        "spline coefficients (as rms anova) and by a likelihood-ratio test against the model "
        "with age and size linear.",
        HARRELL_RMS,
    )
    sec.add(Paragraph(_spline_text(cox, fit, tests)))
    labels = dict(FACTOR_LABELS)
    labels.update({_term(v): f"{SPLINES[v][3]}, spline" for v in SPLINES})
    hrt = hr_table(fit, labels=labels)
    sec.add(
        w.table(
            hrt.table,
            "hazard_ratios_spline",
            "Hazard ratios with age and size as restricted cubic splines (4 knots)",
            note=f"{hrt.note or ''} A spline has no single hazard ratio: see the figure; its "
            "p is the Wald test of all its coefficients.",
            group_column="variable",
            csv_frame=fit.hazard_ratios,
        )
    )
    sec.add(
        w.table(
            _tests_frame(tests),
            "nonlinearity",
            "Tests of non-linearity",
            csv_frame=tests,
            note=_TESTS_NOTE,
        )
    )
    sec.add(w.figure(_partial_figure(fit), "partial_effects", _PARTIAL_CAPTION, width=0.95))
    return sec


_TESTS_NOTE = (
    "Wald: the coefficients of the spline's non-linear terms are 0 (R rms anova, "
    "'Nonlinear'). Likelihood ratio: the spline model against the same model with age and "
    "size linear, on the same patients."
)
_PARTIAL_CAPTION = (
    "Hazard ratio (95% pointwise CI) of age against 60 years and of tumour size against "
    "5 cm (the literature's cut-points), from the spline model, the other factors held "
    "fixed; ticks at the bottom mark the patients' values."
)


def _spline_text(cox: CoxResult, fit: CoxResult, tests: pd.DataFrame) -> str:
    knots = "; ".join(
        f"{SPLINES[v][3].split(' (')[0].lower()} knots at "
        + ", ".join(f"{x:.3g}" for x in spline_knots(fit)[v])
        for v in SPLINES
        if _term(v) in fit.covariates
    )
    lr = tests[tests["test"] == "likelihood ratio"]
    lr_text = (
        f" Against the same model with age and size linear, the likelihood-ratio test of "
        f"non-linearity gives \u03c7\u00b2 = {format_number(float(lr['chisq'].iloc[0]))} on "
        f"{int(lr['df'].iloc[0])} df, {format_p(float(lr['p'].iloc[0]))}."
        if len(lr)
        else ""
    )
    return (
        "Beside the literature's dichotomised factors (the model above, comparable with the "
        "published series), age and tumour size were modelled as continuous values with "
        f"restricted cubic splines, 4 knots at Harrell's default quantiles ({knots}). "
        f"{fit.n} patients ({fit.n_events} events); Harrell's C "
        f"{format_number(fit.concordance, 3)} against {format_number(cox.concordance, 3)} "
        f"for the dichotomised model (both apparent).{lr_text}"
    )


def _tests_frame(tests: pd.DataFrame) -> pd.DataFrame:
    names = {v: SPLINES[v][3] for v in SPLINES}
    return pd.DataFrame(
        {
            "test": tests["test"].astype(str),
            "of": [names.get(t, t) for t in tests["term"].astype(str)],
            "chi-square": [format_number(float(x)) for x in tests["chisq"]],
            "df": [str(int(x)) for x in tests["df"]],
            "p": [format_p(float(x), prefix=False) for x in tests["p"]],
        }
    )


def _partial_figure(fit: CoxResult) -> Any:
    shown = [v for v in SPLINES if _term(v) in fit.covariates]
    fig, axes = plt.subplots(1, len(shown), figsize=(4.6 * len(shown), 3.8), layout="constrained")
    for ax, v in zip(np.atleast_1d(axes), shown, strict=True):
        x = fit.data[v].to_numpy(float)
        ref = SPLINES[v][2] if x.min() < SPLINES[v][2] < x.max() else float(np.median(x))
        plot_partial_effect(fit, v, reference=ref, ax=ax, xlabel=SPLINES[v][3])
    return fig


# ------------------------------------------------------------------ internal validation
def n_bootstrap(n: int) -> int:
    """Bootstrap replicates for ``n`` patients: :data:`BOOTSTRAP_B` (200) while n x B <=
    :data:`BOOTSTRAP_ROWS`, then fewer (at least :data:`BOOTSTRAP_MIN`); 0 (no bootstrap)
    above :data:`BOOTSTRAP_MAX_N` patients.

    Examples
    --------
    >>> [n_bootstrap(n) for n in (500, 2000, 5000, 10_000, 10_001)]
    [200, 100, 40, 20, 0]
    """
    if n > BOOTSTRAP_MAX_N:
        return 0
    return int(max(BOOTSTRAP_MIN, min(BOOTSTRAP_B, BOOTSTRAP_ROWS // max(n, 1))))


_METRIC_NAMES = {
    "c": "Harrell's C",
    "slope": "calibration slope",
    "brier": "Brier score at {h} months",
}


def section_internal_validation(ctx: Context) -> Section:
    """Bootstrap optimism-corrected C, slope and Brier, and the calibration at the horizon."""
    sec = Section("internal-validation", "Internal validation of the fitted model")
    if (skipped := _without_cox(ctx, sec)) is not None:
        return skipped
    cox = _cox(ctx)
    horizon = max(ctx.time_points)
    seed = int(ctx.results.get("options", {}).get("seed", 1))
    b = n_bootstrap(cox.n)
    if b == 0:
        sec.add(
            Paragraph(
                f"With {cox.n} patients ({cox.n_events} events) the model was not validated "
                f"by the bootstrap (above {BOOTSTRAP_MAX_N} patients the report does not run "
                f"it: the optimism is then small and each refit slow); apparent Harrell's C "
                f"{format_number(cox.concordance, 3)}. lms_prognosis.validate(...) runs it."
            )
        )
    else:
        _bootstrap(ctx, sec, cox, b, seed, horizon)
    _fitted_calibration(ctx, sec, cox, horizon)
    return sec


def _bootstrap(
    ctx: Context, sec: Section, cox: CoxResult, b: int, seed: int, horizon: float
) -> None:
    """The bootstrap validation: its paragraph, its table and its Methods sentence."""
    val = validate(
        cox,
        ctx.data,
        n_bootstrap=b,
        seed=seed,
        metrics=("c", "slope", "brier"),
        time_point=horizon,
        progress=False,
    )
    ctx.results["internal_validation"] = val
    _methods(
        ctx,
        f"The multivariable model was validated internally by Harrell's bootstrap ({b} "
        f"replicates, seed {seed}): optimism-corrected Harrell's C, calibration slope and "
        f"Brier score at {months(horizon)} months (inverse-probability-of-censoring weights, "
        "as riskRegression::Score); its calibration at that time is shown as observed "
        "(Kaplan\u2013Meier) against predicted risk with a smooth curve (Austin, Harrell "
        "and van Klaveren 2020).",
        HARRELL_RMS,
    )
    t = val.table.set_index("metric")
    sec.add(
        Paragraph(
            f"The multivariable model above was validated internally by the bootstrap "
            f"(Harrell's optimism correction, as R rms::validate): B = {b} samples drawn with "
            f"replacement (seed {seed}), the model refitted on each and evaluated on the "
            f"sample and on the original data; {int(t['n_bootstrap'].min())} refits "
            f"succeeded. Optimism-corrected C {format_number(_at(t, 'c', 'corrected'), 3)} "
            f"(apparent {format_number(_at(t, 'c', 'apparent'), 3)}); corrected calibration "
            f"slope {format_number(_at(t, 'slope', 'corrected'), 3)}, the shrinkage a new "
            "cohort would need."
        )
    )
    frame = pd.DataFrame(
        {
            "measure": [_METRIC_NAMES[m].format(h=months(horizon)) for m in t.index],
            **{
                col: [format_number(float(x), 3) for x in t[col]]
                for col in ("apparent", "optimism", "corrected")
            },
        }
    )
    sec.add(
        ctx.writer.table(
            frame,
            "internal_validation",
            f"Bootstrap validation of the fitted model (B = {b}, seed {seed})",
            csv_frame=val.table,
            note="Optimism = mean over replicates of (performance on the bootstrap sample "
            "\u2212 performance of that refit on the original data); corrected = apparent "
            "\u2212 optimism. Brier score: lower is better (IPCW, as riskRegression::Score).",
        )
    )


def _fitted_calibration(ctx: Context, sec: Section, cox: CoxResult, horizon: float) -> None:
    """The fitted model's calibration plot at the horizon (a note when it cannot be drawn)."""
    try:
        cal = calibration(cox, ctx.data, time_point=horizon)
    except LMSPrognosisError as exc:  # e.g. no event before the horizon
        sec.add(Paragraph(f"No calibration plot at {months(horizon)} months: {exc}", kind="note"))
        return
    ctx.results["fitted_calibration"] = cal
    ctx.writer.csv(cal.table, "tables/calibration_groups_fitted.csv")
    sec.add(
        ctx.writer.figure(
            plot_calibration(cal),
            "calibration_fitted",
            f"Calibration of the fitted model at {months(horizon)} months (apparent, on the "
            "data it was fitted on): observed (Kaplan\u2013Meier) against predicted event "
            f"probability in fifths of predicted risk, with a smooth curve; ICI "
            f"{format_number(cal.ici, 3)}. No bootstrap-corrected curve is drawn; the "
            "corrected calibration slope is in the table above.",
            width=0.55,
        )
    )


def _at(table: pd.DataFrame, row: str, column: str) -> float:
    value: Any = table.loc[row, column]
    return float(value)


# --------------------------------------------------------------------- applying the model
def reference_patient(cox: CoxResult) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A one-row frame with every covariate at its reference (first level of a factor,
    False, or the centring value of a number: 0 for 0/1 columns, else the mean, as R's
    ``fit$means``), and those values by covariate.

    Raises ReportError for a formula term (a spline or an interaction): its centring is on
    the basis columns, not on one value of the variable.

    Examples
    --------
    >>> import lms_prognosis as lp
    >>> fit = lp.fit_cox(lp.load_synthetic(), ["grade", "vascular_invasion"])
    >>> reference_patient(fit)[1]
    {'grade': '1', 'vascular_invasion': False}
    """
    data = cox.data
    values: dict[str, Any] = {}
    for c in cox.covariates:
        if c not in data:
            raise ReportError(f"the covariate {c!r} is a formula term: no reference patient")
        s = data[c].dropna()
        if isinstance(s.dtype, pd.CategoricalDtype):
            values[c] = s.cat.categories[0]
        elif pd.api.types.is_bool_dtype(s.dtype):
            values[c] = False
        else:
            x = s.to_numpy(dtype=float)
            values[c] = 0.0 if np.isin(x, (-1.0, 0.0, 1.0)).all() else float(x.mean())
    frame = pd.DataFrame({c: [v] for c, v in values.items()})
    for c in cox.covariates:  # keep the fitted categories
        if isinstance(data[c].dtype, pd.CategoricalDtype):
            frame[c] = pd.Categorical(frame[c], categories=data[c].cat.categories)
    return frame, values


def _coding(cox: CoxResult, values: dict[str, Any]) -> pd.DataFrame:
    """term, variable, the value coded 1 (or "value" for a number), reference, centring,
    coefficient, hazard ratio: one row per coefficient."""
    hr = cox.hazard_ratios
    rows = []
    for term, cov, coef in zip(hr["term"], hr["covariate"], hr["coef"], strict=True):
        term, cov = str(term), str(cov)
        level = term[len(cov) + 1 : -1] if term.startswith(f"{cov}[") else None
        numeric = level is None and not isinstance(values[cov], (str, bool))
        label = FACTOR_LABELS.get(cov, cov)
        rows.append(
            {
                "term": term,
                "name": label if level is None or level in label else f"{label}: {level}",
                "variable": label,
                "x": f"1 if {level}, else 0"
                if level is not None
                else ("the value" if numeric else "1 if True, else 0"),
                "reference": "" if numeric else str(values[cov]),
                "centring": float(values[cov]) if numeric else 0.0,
                "coef": float(coef),
                "hr": float(np.exp(coef)),
            }
        )
    return pd.DataFrame(rows)


def section_apply_model(ctx: Context) -> Section:
    """S0(t) at the reference patient, the coefficients with their coding, and the formula."""
    sec = Section("apply-model", "Applying the fitted model")
    if (skipped := _without_cox(ctx, sec)) is not None:
        return skipped
    cox, w = _cox(ctx), ctx.writer
    try:
        ref, values = reference_patient(cox)
    except ReportError:
        return _skip(
            ctx,
            sec,
            "The model has a spline or interaction term, so its baseline survival "
            "is not tabulated here; use the package (CoxResult.predict_survival) to apply it.",
        )
    tp = list(ctx.time_points)
    s0 = cox.predict_survival(ref, tp)
    coding = _coding(cox, values)
    ctx.results["baseline_survival"] = s0
    _methods(
        ctx,
        "The baseline survival S0(t) is the Cox model's prediction for the reference patient "
        "(R survfit.coxph at that patient), so S(t) = S0(t)^exp(LP) with the linear predictor "
        "LP of the coefficients as tabulated.",
    )
    w.csv(s0, "tables/baseline_survival.csv")
    w.csv(coding, "tables/model_coefficients.csv")
    base = pd.DataFrame(
        {
            "months": [months(t) for t in s0["time"]],
            "S0(t) (95% CI)": [
                f"{s:.4f} ({lo:.4f}\u2013{hi:.4f})"
                for s, lo, hi in zip(s0["surv"], s0["lower"], s0["upper"], strict=True)
            ],
            "H0(t)": [f"{h:.5f}" for h in s0["cumhaz"]],
        }
    )
    ref_text = ", ".join(
        f"{FACTOR_LABELS.get(c, c)} {v:g}"
        if isinstance(v, float)
        else f"{FACTOR_LABELS.get(c, c)}: {v}"
        for c, v in values.items()
    )
    sec.add(Paragraph(_apply_text(cox, coding, ref_text)))
    for note in _apply_notes(ctx):
        sec.add(Paragraph(note, kind="note"))
    sec.add(
        w.table(
            base,
            "baseline_survival_shown",
            "Baseline survival S0(t) of the fitted model at the reference patient",
            csv_frame=s0,
            note=f"Reference patient: {ref_text}. As R summary(survfit(fit, newdata = the "
            "reference patient), times = ...) (Efron baseline, log-scale CI including the "
            "variance of the coefficients). Full precision in tables/baseline_survival.csv.",
        )
    )
    shown = pd.DataFrame(
        {
            "variable": coding["variable"],
            "coding of x": [f"x = {c}" for c in coding["x"]],
            "reference": coding["reference"],
            "centring": [f"{c:g}" for c in coding["centring"]],
            "coefficient \u03b2": [f"{b:.4f}" for b in coding["coef"]],
            "HR": [format_number(h) for h in coding["hr"]],
        }
    )
    sec.add(
        w.table(
            shown,
            "model_coefficients_shown",
            "Coefficients of the fitted model, with the coding of each term",
            csv_frame=coding,
            group_column="variable",
            note="Full precision in tables/model_coefficients.csv.",
        )
    )
    return sec


def _apply_text(cox: CoxResult, coding: pd.DataFrame, ref_text: str) -> str:
    parts = []
    for name, x, c, b in zip(
        coding["name"], coding["x"], coding["centring"], coding["coef"], strict=True
    ):
        sign = "\u2212" if b < 0 else "+"
        xs = f"({name} \u2212 {c:g})" if x == "the value" and c else f"[{name}]"
        parts.append(f"{sign} {abs(b):.4f} \u00d7 {xs}")
    lp_text = " ".join(parts).lstrip("+ ")
    return (
        "To apply the model to a new patient: compute the linear predictor LP = "
        f"{lp_text}, where [factor: level] is 1 when the patient has that level and 0 "
        "otherwise; "
        "then the predicted survival is S(t) = S0(t)^exp(LP), with S0(t) the baseline "
        f"survival below (the reference patient, LP = 0: {ref_text}). The model was fitted "
        f"on {cox.n} patients with {cox.n_events} events ({cox.ties.capitalize()} ties); "
        "the same numbers are in tables/model_coefficients.csv and "
        "tables/baseline_survival.csv."
    )


def _apply_notes(ctx: Context) -> list[str]:
    """What the tabulated model is not: the absolute risk with competing events, the primary
    analysis after multiple imputation."""
    notes = []
    if (pd.to_numeric(ctx.data["event"]) == 2).any():
        notes.append(
            "The cohort has competing events (code 2), counted as censored here: S(t) is the "
            "cause-specific survival, which overstates the risk of the event in the presence "
            "of competing events; the absolute risks are in the competing-risks section."
        )
    if (ctx.results.get("missing_plan") or {}).get("m"):
        notes.append(
            "Multiple imputation is the primary analysis: the coefficients here are those of "
            "the complete-case model (the sensitivity analysis); the pooled hazard ratios are "
            "in the missing-data section."
        )
    return notes
