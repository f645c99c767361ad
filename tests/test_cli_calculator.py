"""`lms-prognosis calculator`: a fitted or published model's page, and its usage errors."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import lms_prognosis as lp
from lms_prognosis.cli import main
from lms_prognosis.cohort.reader import read_cohort
from lms_prognosis.simulate import load_synthetic

SHIPPED = Path(lp.__file__).parent / "data" / "synthetic_somatic_500.csv"


def _spec(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    m = re.search(r'<script type="application/json" id="lms-model">(.*?)</script>', text, re.S)
    assert m
    return json.loads(m.group(1))


def test_fits_the_cox_model_the_api_fits(tmp_path, capsys):
    out = tmp_path / "calculator.html"
    code = main(["calculator", str(SHIPPED), "--covariates", "age,grade,size_cm", "--out",
                 str(out)])  # fmt: skip
    assert code == 0
    stdout = capsys.readouterr().out
    assert "written to" in stdout and "fitted on 500 patients (133 events)" in stdout
    spec = _spec(out)
    fit = lp.fit_cox(read_cohort(SHIPPED), ["age", "grade", "size_cm"])
    assert spec["beta"] == fit.coef.tolist()
    assert spec["meta"]["endpoint"] == "DSS"
    assert spec["horizons"] == [12.0, 36.0, 60.0]  # 120 is past the last follow-up


def test_options_reach_export_calculator(tmp_path):
    out = tmp_path / "c.html"
    code = main(["calculator", str(SHIPPED), "--covariates", "age,grade", "--strata", "site",
                 "--ties", "breslow", "--conf-type", "log-log", "--horizons", "6,24",
                 "--endpoint", "OS", "--risk-groups", "tertiles", "--out", str(out)])  # fmt: skip
    assert code == 0
    spec = _spec(out)
    assert spec["strata_columns"] == ["site"] and len(spec["strata"]) == 2
    assert spec["conf_type"] == "log-log" and spec["horizons"] == [6.0, 24.0]
    assert spec["meta"]["endpoint"] == "OS"
    assert spec["groups"]["labels"] == ["low", "intermediate", "high"]


def test_published_model_with_and_without_recalibration(tmp_path):
    plain = tmp_path / "pub.html"
    assert main(["calculator", "--model", "gustafson", "--out", str(plain)]) == 0
    assert _spec(plain)["baseline"]["kind"] == "weibull"
    recal = tmp_path / "recal.html"
    args = ["calculator", str(SHIPPED), "--model", "lms_default", "--recalibrate"]
    assert main([*args, "--out", str(recal)]) == 0
    spec = _spec(recal)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = lp.published_model("lms_default").recalibrate(load_synthetic())
    assert spec["baseline"]["kind"] == "step"
    assert spec["baseline"]["cumhaz"] == list(model.baseline.cumhaz)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["calculator", "--out", "x.html"], "give COHORT with --covariates"),
        (["calculator", "c.csv", "--out", "x.html"], "give COHORT with --covariates"),
        (["calculator", "--model", "sin", "--covariates", "age", "--out", "x.html"], "not both"),
        (["calculator", "--model", "sin", "--recalibrate", "--out", "x.html"], "needs --model"),
        (["calculator", "--model", "nope", "--out", "x.html"], "unknown model 'nope'"),
        (
            ["calculator", "--model", "sin", "--risk-groups", "tertiles", "--out", "x.html"],
            "own risk groups",
        ),
        (
            ["calculator", "c.csv", "--covariates", "age", "--cause", "2", "--out", "x.html"],
            "--cause needs --competing finegray",
        ),
        (
            [
                "calculator",
                "c.csv",
                "--covariates",
                "age",
                "--competing",
                "cause-specific",
                "--cause",
                "2",
                "--out",
                "x.html",
            ],
            "shows both causes",
        ),
        (
            [
                "calculator",
                "c.csv",
                "--covariates",
                "age",
                "--competing",
                "finegray",
                "--strata",
                "site",
                "--out",
                "x.html",
            ],
            "--strata is for a Cox model",
        ),
        (
            [
                "calculator",
                "c.csv",
                "--covariates",
                "age",
                "--competing",
                "finegray",
                "--ties",
                "breslow",
                "--out",
                "x.html",
            ],
            "Breslow ties, as cmprsk::crr",
        ),
        (
            ["calculator", "--model", "sin", "--competing", "finegray", "--out", "x.html"],
            "cannot go with --model",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "x.html").exists()


def test_unknown_covariate_and_existing_out(tmp_path, capsys):
    out = tmp_path / "c.html"
    assert main(["calculator", str(SHIPPED), "--covariates", "age,grde", "--out", str(out)]) == 2
    assert "grde" in capsys.readouterr().err
    out.write_text("keep", encoding="utf-8")
    assert main(["calculator", "--model", "sin", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err and out.read_text(encoding="utf-8") == "keep"
    assert main(["calculator", "--model", "sin", "--out", str(out), "--force"]) == 0


@pytest.fixture(scope="module")
def competing_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cr") / "cohort.csv"
    lp.simulate_cohort(n=300, seed=3, competing_risks=True).data.to_csv(path, index=False)
    return path


def test_competing_finegray_fits_the_model_the_api_fits(competing_csv, tmp_path, capsys):
    out = tmp_path / "fg.html"
    argv = ["calculator", str(competing_csv), "--covariates", "age,grade", "--competing",
            "finegray", "--cause", "2", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert "Fine-Gray model of cause 2" in capsys.readouterr().out
    spec = _spec(out)
    fg = lp.fit_fine_gray(read_cohort(competing_csv), ["age", "grade"], cause=2)
    assert spec["type"] == "finegray" and spec["causes"] == [2]
    assert spec["beta"] == fg.coef.tolist() and spec["conf_type"] == "log-log"
    assert spec["cause_labels"] == {"2": "Death from other causes"}  # DSS: the report's names


def test_competing_cause_specific_shows_both_causes(competing_csv, tmp_path, capsys):
    out = tmp_path / "cs.html"
    argv = ["calculator", str(competing_csv), "--covariates", "age,grade", "--competing",
            "cause-specific", "--conf-type", "log", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert "cause 1:" in capsys.readouterr().out
    spec = _spec(out)
    cs = lp.fit_cause_specific(read_cohort(competing_csv), ["age", "grade"])
    assert spec["type"] == "cause_specific" and spec["causes"] == [1, 2]
    assert [h["beta"] for h in spec["hazards"]] == [m.coef.tolist() for m in cs.models.values()]
    assert spec["conf_type"] == "log"
    assert spec["cause_labels"] == {"1": "Death from LMS", "2": "Death from other causes"}


def test_competing_risk_groups(competing_csv, tmp_path):
    """--risk-groups with --competing: the page's cut-points are assign_risk_groups' (Fine-Gray:
    its own cause; cause-specific: the Cox model of --cause)."""
    from lms_prognosis.report import assign_risk_groups

    cohort = read_cohort(competing_csv)
    out = tmp_path / "fg.html"
    argv = ["calculator", str(competing_csv), "--covariates", "age,grade", "--competing",
            "finegray", "--risk-groups", "0.1,0.5", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    groups = _spec(out)["groups"]
    assert groups["cuts"] == [0.1, 0.5] and groups["labels"] == ["low", "intermediate", "high"]
    fg = lp.fit_fine_gray(cohort, ["age", "grade"])
    assert groups["beta"] == fg.coef.tolist()
    out = tmp_path / "cs.html"
    argv = ["calculator", str(competing_csv), "--covariates", "age,grade", "--competing",
            "cause-specific", "--risk-groups", "tertiles", "--cause", "2", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    groups = _spec(out)["groups"]
    cs = lp.fit_cause_specific(cohort, ["age", "grade"])
    assert groups["beta"] == cs.models[2].coef.tolist() and "of cause 2" in groups["text"]
    lp_fit = assign_risk_groups(cs, cohort, "tertiles", cause=2)["linear_predictor"]
    assert groups["cuts"] == pytest.approx(np.quantile(lp_fit, [1 / 3, 2 / 3]), abs=1e-12)
