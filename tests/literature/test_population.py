"""Issue 13, item 1: a published model is applied only inside its population.

The issue's example: a 55-year-old woman with a 9 cm uterine LMS was scored by Gustafson 1992
(extremity and trunk wall only) at 5-year DSS 0.91-0.98 with no warning.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import DataWarning, PopulationError

PATIENTS = pd.DataFrame(
    {
        "patient_id": ["uterine", "thigh", "unknown_site"],
        "time": [30.0, 40.0, 50.0],
        "event": [1, 0, 0],
        "age": [55.0, 68.0, 50.0],
        "sex": ["female", "male", "female"],
        "site": ["uterus", "extremity", None],
        "size_cm": [9.0, 12.0, 4.0],
        "depth": ["deep", "deep", "superficial"],
        "grade": [3, 3, 1],
        "necrosis": ["<50%", ">=50%", "none"],
        "vascular_invasion": [False, True, False],
        "aneuploidy": [True, True, False],
        "margin": ["R0", "R0", "R0"],
    }
)


@pytest.mark.parametrize("name", ["gustafson1992", "lms_default", "sin2003"])
def test_a_uterine_patient_is_left_out_of_a_somatic_model(name: str) -> None:
    model = lp.published_model(name)
    res = model.score(PATIENTS, horizons=[60], allow_endpoint_mismatch=True)
    assert "uterine" not in res.table["patient_id"].tolist()
    assert "thigh" in res.table["patient_id"].tolist()  # lms_default also needs a known site
    row = res.dropped.set_index("row").loc[0]
    assert row["column"] == "site" and row["value"] == "uterus"
    assert "outside the model's population" in row["reason"]
    assert "extremity, trunk wall" in row["reason"]
    assert any("1 patient(s) with no site" in n for n in res.notes)


def test_the_uterine_model_leaves_out_somatic_patients() -> None:
    res = lp.published_model("chapel2022").score(PATIENTS, horizons=[60])
    assert 1 in res.dropped["row"].tolist()
    assert "chapel2022 is for uterus leiomyosarcoma" in " ".join(res.dropped["reason"])


def test_override_scores_them_with_a_warning() -> None:
    model = lp.published_model("gustafson1992")
    with pytest.warns(DataWarning, match="1 patient.s. outside the population of gustafson1992"):
        res = model.score(PATIENTS, horizons=[60], allow_outside_population=True)
    assert res.table["patient_id"].tolist() == ["uterine", "thigh", "unknown_site"]
    assert any("allow_outside_population=True" in n for n in res.notes)


def test_every_patient_outside_is_an_error_naming_the_fix() -> None:
    uterine = PATIENTS.iloc[[0]]
    model = lp.published_model("gustafson1992")
    for call in (model.apply, model.predict_risk, lambda d: model.predict_survival(d, [60])):
        with pytest.raises(PopulationError, match="allow_outside_population=True"):
            call(uterine)


def test_no_site_column_is_noted_not_assumed() -> None:
    no_site = PATIENTS.drop(columns="site")
    res = lp.published_model("gustafson1992").score(no_site, horizons=[60])
    assert res.n == 3
    assert any("no site column" in n and "not checked" in n for n in res.notes)


def test_recalibration_uses_only_patients_inside() -> None:
    cohort = lp.load_synthetic()
    data = cohort.data.copy()
    data.loc[data.index[:50], "site"] = "uterus"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        refit = lp.published_model("gustafson1992").recalibrate(data)
    assert refit.recalibration is not None
    left_out = refit.recalibration.dropped
    assert (left_out["column"] == "site").sum() == 50


def test_population_is_data_shown_by_list_models() -> None:
    tab = lp.list_models().set_index("name")
    assert tab.loc["chapel2022", "population"].startswith("uterus; leiomyosarcoma; FIGO stage I")
    assert "extremity, trunk wall" in tab.loc["gustafson1992", "population"]
    assert tab.loc["lms_default", "kind"] == "design"
    assert tab.loc["gustafson1992", "kind"] == "published"
    assert set(tab["model_type"]) == {"cox", "points"}


def test_command_line_leaves_them_out_and_has_the_override(tmp_path: Path) -> None:
    src = tmp_path / "cohort.csv"
    PATIENTS.to_csv(src, index=False)
    cmd = [sys.executable, "-m", "lms_prognosis", "predict", str(src), "--model"]
    out = tmp_path / "r.csv"
    run = subprocess.run([*cmd, "gustafson1992", "--out", str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert pd.read_csv(out)["patient_id"].tolist() == ["thigh", "unknown_site"]
    run = subprocess.run(
        [*cmd, "gustafson1992", "--out", str(out), "--force", "--allow-outside-population"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert len(pd.read_csv(out)) == 3
    only_uterine = tmp_path / "u.csv"
    PATIENTS.iloc[[0]].to_csv(only_uterine, index=False)
    run = subprocess.run(
        [
            *cmd[:-2],
            str(only_uterine),
            "--model",
            "gustafson1992",
            "--out",
            str(tmp_path / "x.csv"),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "--allow-outside-population" in run.stderr
    assert "Traceback" not in run.stderr


def test_external_validation_reports_the_population_reason() -> None:
    cohort = lp.simulate_cohort(300, seed=5, profile="all_site")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("ignore", DataWarning)
        ev = lp.external_validation(lp.published_model("gustafson1992"), cohort, time_point=36)
    outside = ~cohort.data["site"].isin(["extremity", "trunk"])
    assert ev.n == int((~outside).sum())
    reasons = ev.dropped.set_index("row")["reason"]
    assert set(reasons.index) == set(cohort.data.index[outside])
    assert reasons.str.startswith("outside the model's population: gustafson1992").all()
    assert set(ev.dropped["column"]) == {"site"}
