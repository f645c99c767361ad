"""The report's model sections (lms_prognosis/report/_sections_model.py), issue 13 items 2, 3, 6:
the literature model is named for what it is, its evidence shown as reported, a circular check
said to be circular, and per-patient risks from the model fitted to the cohort, with their
provenance, shown to 3 decimals."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.report import write_report
from lms_prognosis.report._sections_model import (
    model_heading,
    model_use_sentence,
    simulated_from,
)


@pytest.fixture(scope="module")
def design_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("design") / "out"
    return write_report(lp.load_synthetic(), out, progress=False)


@pytest.fixture(scope="module")
def gustafson_report(tmp_path_factory):
    cohort = lp.simulate_cohort(400, seed=11, model="gustafson1992")
    out = tmp_path_factory.mktemp("gus") / "out"
    return write_report(cohort, out, model="gustafson1992", progress=False)


def _html(report) -> str:
    return Path(report.html).read_text(encoding="utf-8")


def _validation(html: str) -> str:
    return html.split('id="validation"')[1].split('id="risk"')[0]


def test_headings_say_what_the_model_is():
    assert model_heading(lp.published_model("lms_default")) == (
        "Design-value model (lms_default): not a fitted model"
    )
    assert model_heading(lp.published_model("gustafson1992")).startswith(
        "Published model: Gustafson 1992"
    )
    design = model_use_sentence(lp.published_model("lms_default"), 60)
    assert "published hazard ratios" not in design and "design" in design
    assert "none was published" in model_use_sentence(lp.published_model("gustafson1992"), 60)


def test_design_model_section_is_labelled_and_circular_check_said(design_report):
    sec = _validation(_html(design_report))
    assert "Design-value model (lms_default): not a fitted model" in sec
    assert "Published model" not in sec and "published hazard ratios" not in sec
    assert "Circular check, not evidence" in sec
    assert not re.search(r"\bas published", sec)
    assert "design value" in sec  # the factor table's CI / significance cells
    assert simulated_from(lp.published_model("lms_default"), lp.load_synthetic())
    assert not (design_report.out_dir / "tables" / "published_model_risk.csv").exists()


def test_gustafson_factors_as_reported_with_caveats(gustafson_report):
    sec = _validation(_html(gustafson_report))
    assert "Published model: Gustafson 1992" in sec
    assert "HR (95% CI)" not in sec and ">RR<" in sec
    assert sec.count("not published") >= 4
    assert sec.count("NOT significant") >= 2
    assert "n = 48" in sec
    assert "derived literature Weibull baseline [D] (no baseline was published)" in sec
    assert not re.search(r"\bas published", sec.replace("(as published)", ""))
    risk = pd.read_csv(gustafson_report.out_dir / "tables" / "published_model_risk.csv")
    assert set(risk["model"]) == {"gustafson1992"} and set(risk["model_kind"]) == {"published"}


def test_per_patient_risk_from_fitted_model_with_provenance(design_report):
    csv = pd.read_csv(design_report.out_dir / "per_patient_risk.csv")
    assert set(csv["model"]) == {"cox_fitted_to_cohort"}
    assert set(csv["model_kind"]) == {"fitted"} and set(csv["endpoint"]) == {"DSS"}
    assert csv["population"].str.startswith("this cohort").all() and csv["source"].notna().all()
    html = _html(design_report)
    risk = html.split('id="risk"')[1].split('id="methods"')[0]
    assert "fitted to this cohort" in risk
    cells = re.findall(r'<td class="num">([01]\.\d+) \(([01]\.\d+)', risk)
    assert cells and all(len(a) == 5 and len(b) == 5 for a, b in cells)  # 3 decimals
    assert re.search(r",0\.\d{8,}", (design_report.out_dir / "per_patient_risk.csv").read_text())
