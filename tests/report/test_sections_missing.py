"""The report's missing-data section (issue 15 item 5): the pattern table; multiple imputation as
the primary analysis beside the complete cases when a covariate is missing in > 5%; ``--impute``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import ReportError
from lms_prognosis.impute.result import missing_pattern
from lms_prognosis.report import write_report
from lms_prognosis.report._factors import derive_factors
from lms_prognosis.report._sections_missing import (
    check_impute,
    hr_side_by_side,
    missing_steps,
    term_label,
)
from lms_prognosis.report.build import section_steps

COVS = [
    "age_ge_60",
    "necrosis_any",
    "vascular_invasion",
    "aneuploidy",
    "size_gt_5cm",
    "depth",
    "grade",
]
RAW = ["age", "necrosis", "vascular_invasion", "aneuploidy", "size_cm", "depth", "grade"]


@pytest.fixture(scope="module")
def cohort():
    return lp.simulate_cohort(
        n=300,
        seed=3,
        missing={"aneuploidy": 0.6, "vascular_invasion": 0.2},
        missing_mechanism="MAR",
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory, cohort):
    out = tmp_path_factory.mktemp("mi") / "out"
    return write_report(cohort, out, progress=False, impute=5, seed=7)


def test_missing_section_before_the_complete_case_model(report):
    assert report.errors == {}
    assert report.sections == [
        "summary",
        "sample-size",
        "table-one",
        "km",
        "missing",
        "cox",
        "ph",
        "spline",
        "internal-validation",
        "apply-model",
        "validation",
        "risk",
        "limitations",
        "methods",
        "software",
    ]
    html = report.html.read_text(encoding="utf-8")
    assert "Missing data: multiple imputation (primary analysis)" in html
    assert "Multivariable Cox model: complete cases (sensitivity analysis)" in html
    assert (report.out_dir / "figures" / "forest_mi.png").is_file()


def test_pattern_table_is_md_pattern(report, cohort):
    got = pd.read_csv(report.out_dir / "tables" / "missing_pattern.csv")
    ref = missing_pattern(derive_factors(cohort.data)[COVS])
    pd.testing.assert_frame_equal(got, ref, check_dtype=False)
    assert got["n"].sum() == len(cohort.data)


def test_pooled_estimates_are_rubins_rules_on_the_imputed_sets(report, cohort):
    imp = lp.impute(cohort.data, m=5, seed=7, covariates=RAW)
    pooled = lp.pool([lp.fit_cox(derive_factors(d), COVS) for d in imp.datasets])
    cc = lp.fit_cox(derive_factors(cohort.data), COVS)
    csv = pd.read_csv(report.out_dir / "tables" / "hazard_ratios_mi.csv")
    mi = csv[csv["analysis"] == "mi"].reset_index(drop=True)
    np.testing.assert_allclose(mi["coef"], pooled.hazard_ratios["coef"], atol=1e-12)
    np.testing.assert_allclose(mi["fmi"], pooled.hazard_ratios["fmi"], atol=1e-12)
    np.testing.assert_allclose(
        csv.loc[csv["analysis"] == "cc", "coef"], cc.hazard_ratios["coef"], atol=1e-12
    )
    html = report.html.read_text(encoding="utf-8")
    assert "5 imputations pooled by Rubin" in html
    assert "seed 7" in html and "predictive mean matching" in html  # Methods


def test_per_patient_risk_of_every_patient_after_imputation(report, cohort):
    imp = lp.impute(cohort.data, m=5, seed=7, covariates=RAW)
    preds = []
    for d in imp.datasets:
        d = derive_factors(d)
        preds.append(lp.fit_cox(d, COVS).predict_survival(d, [60])["surv"].to_numpy())
    wide = pd.read_csv(report.out_dir / "tables" / "per_patient_risk_mi.csv")
    assert len(wide) == len(cohort.data)
    np.testing.assert_allclose(wide["surv_60m"], np.mean(preds, axis=0), atol=1e-12)
    np.testing.assert_allclose(wide["min_60m"], np.min(preds, axis=0), atol=1e-12)
    n_missing = derive_factors(cohort.data)[COVS].isna().sum(axis=1).to_numpy()
    np.testing.assert_array_equal(wide["n_imputed"], n_missing)


def test_threshold_and_no_impute(tmp_path):
    few = lp.simulate_cohort(n=200, seed=2, missing={"aneuploidy": 0.03})
    rep = write_report(few, tmp_path / "few", progress=False)
    html = rep.html.read_text(encoding="utf-8")
    assert "missing" in rep.sections and "Missing data: pattern" in html
    assert "no model covariate is missing in more than 5%" in html
    assert not (rep.out_dir / "tables" / "hazard_ratios_mi.csv").exists()
    many = lp.simulate_cohort(n=200, seed=2, missing={"aneuploidy": 0.3})
    rep = write_report(many, tmp_path / "off", progress=False, impute=False)
    html = rep.html.read_text(encoding="utf-8")
    assert "imputation was turned off (--no-impute)" in html
    assert not (rep.out_dir / "tables" / "hazard_ratios_mi.csv").exists()


def test_no_missing_value_no_section():
    from lms_prognosis.report._context import Context

    ctx = Context.__new__(Context)  # only data, covariates and results are read
    ctx.data, ctx.covariates, ctx.results = derive_factors(lp.load_synthetic().data), None, {}
    steps = section_steps("lms_default")
    assert missing_steps(steps, ctx) == steps


@pytest.mark.parametrize("bad", [1, 0, -3, 2.5, "5"])
def test_bad_impute_refused(bad):
    with pytest.raises(ReportError, match="impute"):
        check_impute(bad)


def test_side_by_side_table():
    data = pd.DataFrame({"grade": pd.Categorical(["1", "2", "3"]), "age": [1.0, 2, 3]})
    a = pd.DataFrame(
        {
            "term": ["grade[2]", "grade[3]", "age"],
            "covariate": ["grade", "grade", "age"],
            "hr": [2.0, 3.0, 1.5],
            "lower": [1.0, 1.5, 1.1],
            "upper": [4.0, 6.0, 2.0],
            "p": [0.04, 0.0001, 0.5],
        }
    )
    out = hr_side_by_side([("A:", a), ("B:", a.iloc[:2])], data, ["grade", "age"])
    assert list(out["level"]) == ["1", "2", "3", "per unit"]
    assert list(out["A: HR (95% CI)"]) == [
        "1 (reference)",
        "2.00 (1.00\u20134.00)",
        "3.00 (1.50\u20136.00)",
        "1.50 (1.10\u20132.00)",
    ]
    assert out["B: HR (95% CI)"].iloc[-1] == "" and out["A: p"].iloc[2] == "< 0.001"
    assert term_label("grade[3]", "grade") == "FNCLCC grade: 3"


def test_cli_impute_flags(tmp_path, monkeypatch, capsys):
    import lms_prognosis.report as report_pkg
    from lms_prognosis.cli import main
    from lms_prognosis.report.build import Report

    seen = {}

    def fake(cohort, out_dir, **kwargs):
        seen.update(kwargs)
        o = Path(out_dir)
        return Report(o, o / "report.html", o / "report.pdf", o / "manifest.json")

    monkeypatch.setattr(report_pkg, "write_report", fake)
    shipped = str(Path(lp.__file__).parent / "data" / "synthetic_somatic_500.csv")
    base = ["report", shipped, "--quiet", "--out"]
    assert main([*base, str(tmp_path / "a")]) == 0
    assert seen["impute"] is None and seen["seed"] == 1
    assert main([*base, str(tmp_path / "b"), "--impute", "10", "--seed", "4"]) == 0
    assert seen["impute"] == 10 and seen["seed"] == 4
    assert main([*base, str(tmp_path / "c"), "--no-impute"]) == 0
    assert seen["impute"] is False
    assert main([*base, str(tmp_path / "d"), "--no-impute", "--impute", "5"]) == 2
    assert "not allowed with" in capsys.readouterr().err


def test_progress_bar_only_on_a_terminal(monkeypatch):
    import io

    import lms_prognosis.report._sections_missing as M
    from lms_prognosis.report._context import Context

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    ctx = Context.__new__(Context)
    ctx.results = {"options": {"progress": True}}
    monkeypatch.setattr(M.sys, "stderr", io.StringIO())
    assert not M.show_progress(ctx)  # a pipe or a file: no bar
    monkeypatch.setattr(M.sys, "stderr", Tty())
    assert M.show_progress(ctx)
    ctx.results["options"]["progress"] = False  # --quiet
    assert not M.show_progress(ctx)
