"""The report's competing-risks sections (issue 14 item 8): CIF instead of 1 - KM, Gray's tests,
cause-specific and Fine-Gray models side by side, absolute risk per patient, ``--cause``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import ReportError
from lms_prognosis.report import write_report
from lms_prognosis.report._factors import derive_factors
from lms_prognosis.report._sections_competing import check_cause, competing_steps
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


@pytest.fixture(scope="module")
def cohort():
    return lp.simulate_cohort(n=300, seed=3, competing_risks=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory, cohort):
    return write_report(cohort, tmp_path_factory.mktemp("cr") / "out", progress=False)


def test_sections_replace_km_and_add_the_models(report):
    assert report.errors == {}
    assert report.sections == [
        "summary",
        "sample-size",
        "table-one",
        "cif",
        "cox",
        "ph",
        "competing",
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
    assert "Gray&#39;s test" in html or "Gray's test" in html
    assert "Which analysis answers which question" in html
    assert "cause-specific hazard ratios of the endpoint event" in html
    for fig in ("cif_overall", "cif_grade", "forest_competing"):
        assert (report.out_dir / "figures" / f"{fig}.png").is_file()


def test_gray_tests_are_those_of_gray_test(report, cohort):
    tab = pd.read_csv(report.out_dir / "tables" / "gray_tests.csv", dtype=str)
    row = tab[tab["factor"] == "FNCLCC grade"].iloc[0]
    gt = lp.gray_test(derive_factors(cohort.data), group="grade", cause=1)
    assert row["chi-square"] == f"{gt.chisq:.2f}"
    assert int(row["df"]) == gt.df == 2


def test_overall_cif_and_one_minus_km(report, cohort):
    at = pd.read_csv(report.out_dir / "tables" / "cif_overall.csv")
    ref = lp.cumulative_incidence(cohort.data).at([12, 36, 60], extend=True)
    np.testing.assert_allclose(at["cif"], ref["cif"], rtol=0, atol=1e-12)
    # the competing events make 1 - KM larger than the cumulative incidence by 60 months
    km = lp.kaplan_meier(cohort.data).at([60])["surv"].iloc[0]
    cif60 = ref[(ref["cause"] == 1) & (ref["time"] == 60)]["cif"].iloc[0]
    assert 1 - km > cif60


def test_hazard_ratios_side_by_side(report, cohort):
    d = derive_factors(cohort.data)
    cs, fg = lp.fit_cause_specific(d, COVS), lp.fit_fine_gray(d, COVS, cause=1)
    csv = pd.read_csv(report.out_dir / "tables" / "hazard_ratios_competing.csv")
    fg_rows = csv[csv["cause"] == "fine-gray 1"]
    np.testing.assert_allclose(fg_rows["coef"], fg.hazard_ratios["coef"], atol=1e-12)
    cs1 = csv[csv["cause"] == "1"]
    np.testing.assert_allclose(
        cs1["coef"], cs.hazard_ratios.query("cause == 1")["coef"], atol=1e-12
    )
    html = report.html.read_text(encoding="utf-8")
    for head in ("CS, cause 1: HR (95% CI)", "Fine\u2013Gray: HR (95% CI)", "CS, cause 2: p"):
        assert head in html


def test_per_patient_risk_is_absolute_risk(report, cohort):
    wide = pd.read_csv(report.out_dir / "per_patient_risk.csv")
    d = derive_factors(cohort.data)
    pred = lp.fit_fine_gray(d, COVS, cause=1).predict_cif(d, [60])
    assert list(wide["patient_id"]) == list(cohort.data["patient_id"])
    np.testing.assert_allclose(wide["cif_60m"], pred["cif"], atol=1e-12)
    np.testing.assert_allclose(wide["upper_60m"], pred["upper"], atol=1e-12)
    assert "surv_60m" not in wide


def test_methods_describe_competing_risks(report):
    html = report.html.read_text(encoding="utf-8")
    assert "Competing risks. The cohort has competing events" in html
    assert "Fine JP, Gray RJ" in html and "Aalen OO, Johansen S" in html


def test_cause_two(tmp_path, cohort):
    rep = write_report(cohort, tmp_path / "c2", progress=False, cause=2)
    assert rep.errors == {}
    wide = pd.read_csv(rep.out_dir / "per_patient_risk.csv")
    d = derive_factors(cohort.data)
    pred = lp.fit_fine_gray(d, COVS, cause=2).predict_cif(d, [60])
    np.testing.assert_allclose(wide["cif_60m"], pred["cif"], atol=1e-12)
    assert "death from other causes" in rep.html.read_text(encoding="utf-8")


def test_no_competing_events_report_as_before():
    from lms_prognosis.report._context import Context

    c = lp.simulate_cohort(n=100, seed=1)
    ctx = Context.__new__(Context)  # only data and results are read
    ctx.data, ctx.results = derive_factors(c.data), {"options": {"cause": 1}}
    steps = section_steps("lms_default")
    assert competing_steps(steps, ctx) == steps
    ctx.results["options"]["cause"] = 2
    with pytest.raises(ReportError, match="no competing event"):
        competing_steps(steps, ctx)


@pytest.mark.parametrize("bad", [0, 3, True, "1", None])
def test_bad_cause_refused(bad, tmp_path):
    with pytest.raises(ReportError, match="--cause"):
        check_cause(bad)
    with pytest.raises(ReportError):
        write_report(lp.load_synthetic(), tmp_path / "o", cause=bad, progress=False)
    assert not (tmp_path / "o").exists()  # refused before any work


def test_cli_cause_flag(tmp_path, monkeypatch):
    import lms_prognosis.report as report_pkg
    from lms_prognosis.cli import main
    from lms_prognosis.report.build import Report

    seen = {}

    def fake(cohort, out_dir, **kwargs):
        seen.update(kwargs)
        o = Path(out_dir)
        return Report(o, o / "report.html", o / "report.pdf", o / "manifest.json")

    monkeypatch.setattr(report_pkg, "write_report", fake)
    shipped = Path(lp.__file__).parent / "data" / "synthetic_somatic_500.csv"
    assert main(["report", str(shipped), "--out", str(tmp_path / "o"), "--quiet"]) == 0
    assert seen["cause"] == 1
    args = ["report", str(shipped), "--out", str(tmp_path / "p"), "--quiet", "--cause", "2"]
    assert main(args) == 0 and seen["cause"] == 2
    assert main([*args[:-1], "3"]) == 2


def test_competing_models_after_imputation(tmp_path):
    c = lp.simulate_cohort(
        n=300, seed=5, competing_risks=True, missing={"aneuploidy": 0.4}, missing_mechanism="MAR"
    )
    rep = write_report(c, tmp_path / "both", progress=False, impute=3, seed=2)
    assert rep.errors == {} and {"cif", "missing", "competing"} <= set(rep.sections)
    raw = ["age", "necrosis", "vascular_invasion", "aneuploidy", "size_cm", "depth", "grade"]
    imp = lp.impute(c.data, m=3, seed=2, covariates=raw)
    fg = lp.pool([lp.fit_fine_gray(derive_factors(d), COVS) for d in imp.datasets])
    csv = pd.read_csv(rep.out_dir / "tables" / "hazard_ratios_competing_mi.csv")
    got = csv[csv["model"] == "fine-gray 1"]
    np.testing.assert_allclose(got["coef"], fg.hazard_ratios["coef"], atol=1e-12)
    np.testing.assert_allclose(got["df"], fg.hazard_ratios["df"], atol=1e-9)
    html = rep.html.read_text(encoding="utf-8")
    assert "hazard ratios, after multiple imputation" in html
    assert "Complete cases (sensitivity analysis):" in html
