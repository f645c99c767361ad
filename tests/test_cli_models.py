"""`lms-prognosis models` and `predict` (lms_prognosis/_cli_models.py), issue 13 items 2, 3, 6:
evidence shown as reported, ploidy stated up front, per-patient files with their provenance and
printed probabilities rounded."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lms_prognosis.cli import main
from lms_prognosis.simulate import simulate_cohort


def test_models_lists_kind_ploidy_and_explains_markers(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    head = out.split("\n\n")[0]
    lines = {ln.split()[0]: ln for ln in head.splitlines()[1:]}
    assert "design" in lines["lms_default"] and "published" in lines["gustafson1992"]
    assert lines["lms_default"].split()[5] == "yes"  # needs ploidy
    assert lines["chapel2022"].split()[5] == "no"
    for marker in ("[V]", "[V2]", "[U]", "[D]"):
        assert marker in out
    assert "not a fitted model" in out and "DNA ploidy" in out
    assert "docs/evidence.md" in out and "shared/domain.md" not in out


def test_models_name_shows_factors_as_reported(capsys):
    assert main(["models", "gustafson1992"]) == 0
    out = capsys.readouterr().out
    rows = [ln for ln in out.splitlines() if re.match(r"\s{4}\S", ln) and "RR" in ln]
    assert len(rows) == 4
    assert all("not published" in r and " 48 " in r for r in rows)
    assert sum("NOT significant" in r for r in rows) == 2
    assert "HR" not in "".join(rows)
    assert main(["models", "lms_default"]) == 0
    out = capsys.readouterr().out
    assert "design value" in out and "published hazard ratio" not in out


@pytest.fixture()
def cohort_file(tmp_path):
    path = tmp_path / "c.csv"
    data = simulate_cohort(60, seed=4).data
    data.loc[data.index[:20], "aneuploidy"] = pd.NA  # ploidy not measured for a third
    data.to_csv(path, index=False)
    return path


def test_predict_csv_carries_provenance_at_full_precision(tmp_path, cohort_file, capsys):
    out = tmp_path / "r.csv"
    args = ["predict", str(cohort_file), "--model", "gustafson1992", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    risks = pd.read_csv(out)
    assert len(risks) == 40  # ploidy missing: left out by default
    for col, value in {
        "model": "gustafson1992",
        "model_kind": "published",
        "endpoint": "DSS",
        "population": "extremity, trunk wall leiomyosarcoma",
    }.items():
        assert set(risks[col]) == {value}
    assert set(risks["source"]) == {"Gustafson et al. Cancer 1992;70:114-119"}
    # the data keep full precision; the printed table shows 3 decimals
    text = open(out, encoding="utf-8").read()
    assert re.search(r",0\.\d{8,},", text)
    table = printed.split("rounded to 3 decimals:\n")[1].split("\ncaveat")[0]
    numbers = re.findall(r"\b\d+\.\d+\b", table)
    assert numbers and all(len(x.split(".")[1]) == 3 for x in numbers)
    assert "model_kind: published" in printed and "DNA ploidy" in printed


def test_predict_marginalise_scores_patients_without_ploidy(tmp_path, cohort_file):
    out = tmp_path / "r.csv"
    args = ["predict", str(cohort_file), "--model", "lms_default", "--out", str(out)]
    assert main([*args, "--missing", "marginalise"]) == 0
    risks = pd.read_csv(out, keep_default_na=False)
    assert len(risks) == 60
    assert (risks["marginalised"].iloc[:20] == "aneuploidy").all()
    assert (risks["marginalised"].iloc[20:] == "").all()
    assert set(risks["model_kind"]) == {"design"}
