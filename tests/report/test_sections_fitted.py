"""The fitted model's report sections (lms_prognosis/report/_sections_fitted.py), issue 13
item 5: continuous age and size with splines, bootstrap internal validation with a calibration
plot, and the baseline survival with the coefficients so others can apply the model; plus the
slope recalibration shown in the published model's section.

Statistics are compared with R (tests/reference/report_model.json, made by
tests/reference/report_model.R; the R call beside each number there).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.report import _sections_fitted, write_report
from lms_prognosis.report._factors import derive_factors
from lms_prognosis.report._sections_fitted import (
    EVENTS_PER_COEFFICIENT,
    n_bootstrap,
    reference_patient,
)

FIX = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "report_model.json").read_text()
)
R_FIT = FIX["fitted"]
FACTORS = [
    "age_ge_60",
    "necrosis_any",
    "vascular_invasion",
    "aneuploidy",
    "size_gt_5cm",
    "depth",
    "grade",
]


def _html(rep) -> str:
    return Path(rep.html).read_text(encoding="utf-8")


def _part(html: str, sid: str, nxt: str) -> str:
    return html.split(f'id="{sid}"')[1].split(f'id="{nxt}"')[0]


def test_reference_patient_baseline_and_formula_equal_r():
    d = derive_factors(lp.load_synthetic().data)
    fit = lp.fit_cox(d, FACTORS)
    np.testing.assert_allclose(fit.coef.to_numpy(), R_FIT["coef"], rtol=1e-7, err_msg=R_FIT["call"])
    ref, values = reference_patient(fit)
    assert values["age_ge_60"] == "<60" and values["grade"] == "1"
    s0 = fit.predict_survival(ref, [12, 36, 60])
    for col, key in (
        ("surv", "s0"),
        ("lower", "s0_lower"),
        ("upper", "s0_upper"),
        ("cumhaz", "s0_cumhaz"),
    ):
        np.testing.assert_allclose(s0[col], R_FIT[key], rtol=1e-7, err_msg=R_FIT["baseline_call"])
    # the written-out formula S(t) = S0(t)^exp(LP) gives R's survfit for three patients
    lp3 = fit.predict_risk(d.iloc[:3])["linear_predictor"].to_numpy()
    np.testing.assert_allclose(lp3, R_FIT["patients_lp"], rtol=1e-9)
    formula = s0["surv"].to_numpy()[None, :] ** np.exp(lp3)[:, None]
    np.testing.assert_allclose(
        formula, R_FIT["patients_surv"], rtol=1e-7, err_msg=R_FIT["patients_call"]
    )


def test_reference_patient_of_numbers_and_formula_terms():
    d = lp.load_synthetic().data
    _, values = reference_patient(lp.fit_cox(d, ["age", "vascular_invasion"]))
    assert values["vascular_invasion"] is False
    assert values["age"] == pytest.approx(d["age"].mean())
    with pytest.raises(lp.LMSPrognosisError, match="formula term"):
        reference_patient(lp.fit_cox(d, ["rcs(age, 4)"]))


def test_bootstrap_replicates_shrink_with_size():
    got = [n_bootstrap(n) for n in (50, 500, 1000, 2000, 5000, 10_000, 10_001, 10**7)]
    assert got == [200, 200, 200, 100, 40, 20, 0, 0]


def test_report_shows_spline_validation_and_baseline(report):
    html = _html(report)
    spline = _part(html, "spline", "internal-validation")
    tests = FIX["spline"]
    assert "restricted cubic splines" in spline and "41.6, 59.6, 70.6, 86.1" in spline
    assert f"{tests['lr'][0]:.2f}" in spline  # the LR test of non-linearity, as R
    assert "fig-partial_effects" in spline
    val = _part(html, "internal-validation", "apply-model")
    assert "B = 200" in val and "seed 1" in val and "fig-calibration_fitted" in val
    app = _part(html, "apply-model", "validation")
    assert (
        "S(t) = S0(t)^exp(LP)" in app
        and f"{FIX['fitted']['coef'][0]:.4f} \u00d7 [Age \u226560 years]" in app
    )
    out = Path(report.out_dir)
    s0 = pd.read_csv(out / "tables" / "baseline_survival.csv")
    np.testing.assert_allclose(s0["surv"], R_FIT["s0"], rtol=1e-7)
    coefs = pd.read_csv(out / "tables" / "model_coefficients.csv")
    np.testing.assert_allclose(coefs["coef"], R_FIT["coef"], rtol=1e-7)
    iv = pd.read_csv(out / "tables" / "internal_validation.csv").set_index("metric")
    assert list(iv.index) == ["c", "slope", "brier"]
    assert iv.loc["c", "apparent"] == pytest.approx(R_FIT["concordance"], abs=1e-9)  # R concordance(fit)
    assert iv.loc["slope", "corrected"] < 1 and (iv["n_bootstrap"] == 200).all()
    nl = pd.read_csv(out / "tables" / "nonlinearity.csv")
    np.testing.assert_allclose(nl["chisq"].iloc[-1], tests["lr"][0], rtol=1e-7)
    methods = _part(html, "methods", "software")
    assert "bootstrap (200 replicates, seed 1)" in methods
    assert "Regression Modeling Strategies" in methods and "Van Houwelingen" in methods


def test_report_shows_both_recalibrations(report):
    sec = _part(_html(report), "recalibration", "risk")
    assert "Baseline only" in sec and "Slope and baseline" in sec
    assert "fig-calibration_recalibrated_slope" in sec
    out = Path(report.out_dir) / "tables"
    assert (out / "calibration_groups_recalibrated_slope.csv").is_file()
    tab = pd.read_csv(out / "recalibration.csv")
    assert tab["recalibration"].tolist() == ["as given", "baseline only", "slope and baseline"]
    assert float(tab["calibration slope"].iloc[2]) == pytest.approx(1.0)


def test_too_few_events_for_the_spline_model_gives_a_sentence(tmp_path):
    cohort = lp.simulate_cohort(300, seed=5)
    events = int((cohort.data["event"] == 1).sum())
    assert 10 <= events < EVENTS_PER_COEFFICIENT * 12  # enough for the model, not the splines
    rep = write_report(cohort, tmp_path / "out", progress=False)
    assert rep.errors == {}  # a choice said in a sentence, not an analysis that failed
    spline = _part(_html(rep), "spline", "internal-validation")
    assert f"{events} events are fewer than 10 per coefficient" in spline
    assert "was not fitted" in spline and "fig-partial_effects" not in spline
    assert "fig-calibration_fitted" in _part(_html(rep), "internal-validation", "apply-model")


def test_spline_terms_given_by_the_caller_skip_the_baseline_table(tmp_path, monkeypatch):
    # and a cohort above the bootstrap's size limit gets the apparent C and a sentence
    monkeypatch.setattr(_sections_fitted, "BOOTSTRAP_MAX_N", 100)
    rep = write_report(
        lp.load_synthetic(),
        tmp_path / "out",
        covariates=["rcs(age, 4)", "grade", "vascular_invasion"],
        progress=False,
    )
    assert "apply-model" in rep.errors and "spline or interaction" in rep.errors["apply-model"]
    assert "cox" not in rep.errors and "internal-validation" not in rep.errors
    val = _part(_html(rep), "internal-validation", "apply-model")
    assert "was not validated by the bootstrap (above 100 patients" in val
    assert "tab-internal_validation" not in val and "fig-calibration_fitted" in val
