"""Spline and interaction terms in the HR table, the forest plot and the nomogram: one row
with the overall p of ``term_tests`` (not one "per unit" row per basis column); a nomogram
refuses them."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.cox.nomogram import nomogram_scales
from lms_prognosis.exceptions import ModelError
from lms_prognosis.plotting.forest import composite_terms, hr_frame

TERMS = ["rcs(age, 4)", "size_cm", "grade", "age:vascular_invasion", "vascular_invasion"]


@pytest.fixture(scope="module")
def fit() -> lp.CoxResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.fit_cox(lp.load_synthetic().data, TERMS)


def overall_p(fit: lp.CoxResult, term: str) -> float:
    t = fit.term_tests
    return float(t.loc[t["term"] == term, "p"].iloc[0])


def test_composite_terms(fit: lp.CoxResult) -> None:
    comp = composite_terms(fit)
    assert comp["term"].tolist() == ["rcs(age, 4)", "age:vascular_invasion"]
    assert comp["kind"].tolist() == ["spline", "interaction"]
    assert comp["df"].tolist() == [3, 1]
    assert composite_terms(lp.fit_cox(lp.load_synthetic().data, ["age"])).empty


def test_forest_one_row_per_spline(fit: lp.CoxResult) -> None:
    f = hr_frame(fit)
    assert f["term"].tolist()[:2] == ["rcs(age, 4)", "size_cm"]
    assert not any(t.startswith("rcs(age, 4)[") for t in f["term"])
    row = f.set_index("term").loc["rcs(age, 4)"]
    assert np.isnan(row["hr"]) and row["p"] == pytest.approx(overall_p(fit, "rcs(age, 4)"))
    res = lp.plot_forest(fit)
    t = res.table.set_index("term")
    assert t.loc["rcs(age, 4)", "multivariable_text"] == "spline, 3 df"
    assert t.loc["age:vascular_invasion", "multivariable_text"] == "interaction, 1 df"
    p = overall_p(fit, "rcs(age, 4)")
    assert t.loc["rcs(age, 4)", "multivariable_p"] == pytest.approx(p)
    # an ordinary term is unchanged
    hr = fit.hazard_ratios.set_index("term")
    assert t.loc["size_cm", "multivariable_hr"] == pytest.approx(hr.loc["size_cm", "hr"])


def test_hr_table_one_row_per_spline(fit: lp.CoxResult) -> None:
    tab = lp.hr_table(fit)
    rows = tab.table[tab.table["variable"] == "rcs(age, 4)"]
    assert len(rows) == 1 and rows["level"].item() == "spline, 3 df"
    assert rows["Multivariable HR (95% CI)"].item() == ""
    p = overall_p(fit, "rcs(age, 4)")
    assert rows["Multivariable p"].item() == lp._format.format_p(p, prefix=False)
    assert "per unit" not in set(tab.table.loc[tab.table["variable"] == "rcs(age, 4)", "level"])
    inter = tab.table[tab.table["variable"] == "age:vascular_invasion"]
    assert inter["level"].tolist() == ["interaction, 1 df"]


def test_nomogram_refuses_formula_terms(fit: lp.CoxResult) -> None:
    with pytest.raises(ModelError, match=r"rcs\(age, 4\).*plot_partial_effect"):
        nomogram_scales(fit)
    df = pd.DataFrame(lp.load_synthetic().data)
    plain = lp.fit_cox(df, ["age", "grade"])
    assert len(nomogram_scales(plain).points) > 0
