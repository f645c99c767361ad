"""lms_prognosis.cox.finegray against R (fixtures: tests/reference/competing_regression.R).

cmprsk 2.2-11 ``crr``: coefficients, SE, variance, z, p, CI, log-likelihoods, baseline jumps and
``predict.crr`` to 1e-6 relative (the same iteration, so in practice ~1e-12). The second R route,
``finegray()`` + ``coxph(weights = fgwt, ties = "breslow")``, iterates to a tighter tolerance than
crr (whose stopping rule is a gradient below 1e-6), so on the untied simulated cohort with one
censoring group its coefficients agree with ours to 1e-5 relative and its log-likelihood to
1e-9. The CI of ``predict_cif`` is R's ``survfit`` on that fit held at crr's coefficients
(``init = coef, iter.max = 0``) with crr's variance: 1e-6 (in practice 1e-13).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.cox.finegray import FineGrayResult, fit_fine_gray
from lms_prognosis.exceptions import CoxError, CoxWarning, SurvivalDataError

REF = Path(__file__).parents[1] / "reference"
CASES = json.loads((REF / "competing_regression.json").read_text())["fine_gray"]
RTOL = 1e-6


def load(case: dict) -> pd.DataFrame:
    df = pd.read_csv(REF / case["data"])
    for col, levels in case["python"]["levels"].items():
        df[col] = pd.Categorical(df[col].astype(str), categories=levels)
    return df


def fit(name: str) -> FineGrayResult:
    case = CASES[name]
    py = case["python"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoxWarning)
        return fit_fine_gray(
            load(case), py["covariates"], cause=py["cause"], cens_strata=py["cens_strata"]
        )


@pytest.fixture(scope="module")
def fits() -> dict[str, FineGrayResult]:
    return {name: fit(name) for name in CASES}


def _newdata(case: dict) -> pd.DataFrame:
    nd = pd.DataFrame(case["predict"]["newdata"])
    for col, levels in case["python"]["levels"].items():
        if col in nd:
            nd[col] = pd.Categorical(nd[col].astype(str), categories=levels)
    return nd


@pytest.mark.parametrize("name", list(CASES))
def test_coefficients_match_crr(fits, name):
    case, res = CASES[name]["crr"], fits[name]
    hr = res.hazard_ratios
    r_names = [t.replace("[", "").replace("]", "") for t in hr["term"]]  # sex[M] is R's sexM
    assert r_names == CASES[name]["terms"]
    for col in ("coef", "se", "z", "p", "lower", "upper"):
        np.testing.assert_allclose(hr[col], case[col]["value"], rtol=RTOL, err_msg=col)
    np.testing.assert_allclose(res.vcov.to_numpy(), case["var"]["value"], rtol=RTOL)
    np.testing.assert_allclose(res.loglik[1], case["loglik"]["value"], rtol=1e-9)
    np.testing.assert_allclose(res.loglik[0], case["loglik_null"]["value"], rtol=1e-9)
    assert res.converged == case["converged"]
    lr, df = case["logtest"]["value"]
    np.testing.assert_allclose(res.tests["statistic"].iloc[0], lr, rtol=1e-8)
    assert res.tests["df"].iloc[0] == df
    np.testing.assert_allclose(res.tests["statistic"].iloc[1], case["wald"]["value"], rtol=RTOL)
    assert res.n == CASES[name]["n"]["value"]


@pytest.mark.parametrize("name", list(CASES))
def test_baseline_matches_crr(fits, name):
    case, res = CASES[name]["crr"], fits[name]
    np.testing.assert_allclose(res.baseline["time"], case["uftime"]["value"], rtol=1e-12)
    np.testing.assert_allclose(res.baseline["jump"], case["bfitj"]["value"], rtol=RTOL)


@pytest.mark.parametrize("name", list(CASES))
def test_predict_cif_matches_predict_crr(fits, name):
    pred = CASES[name]["predict"]
    out = fits[name].predict_cif(_newdata(CASES[name]), pred["times"])
    ours = out["cif"].to_numpy().reshape(len(pred["cif"]["value"]), -1)
    np.testing.assert_allclose(ours, pred["cif"]["value"], rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize("name", ["sim_lms"])
def test_predict_cif_interval_matches_survfit_on_finegray_fit(fits, name):
    pred = CASES[name]["predict"]
    out = fits[name].predict_cif(_newdata(CASES[name]), pred["times"], conf_type="log-log")
    shape = (len(pred["cif"]["value"]), -1)
    for col in ("cif", "std_err", "lower", "upper"):
        ours = out[col].to_numpy().reshape(shape)
        np.testing.assert_allclose(ours, pred[f"survfit_{col}"]["value"], rtol=RTOL, err_msg=col)


def test_finegray_coxph_route_agrees():
    case = CASES["sim_lms"]
    res = fit("sim_lms")
    np.testing.assert_allclose(res.coef, case["finegray"]["coef"]["value"], rtol=1e-5)
    np.testing.assert_allclose(res.loglik, case["finegray"]["loglik"]["value"], rtol=1e-9)


def test_dropped_rows_are_reported(fits):
    res = fits["mgus2_age_sex_hgb"]
    assert res.n_dropped == CASES["mgus2_age_sex_hgb"]["n_missing"]["value"] > 0
    assert set(res.dropped["column"]) == {"hgb"}
    assert list(res.dropped.columns) == ["row", "column", "value", "reason"]


def test_hazard_ratio_columns_as_cox(fits):
    from lms_prognosis.cox.fit import fit_cox

    df = load(CASES["sim_lms"])
    cox = fit_cox(df, ["age", "grade"])
    assert list(fits["sim_lms"].hazard_ratios.columns) == list(cox.hazard_ratios.columns)


def test_bad_input_messages():
    df = load(CASES["sim_lms"])
    with pytest.raises(CoxError, match="cause must be 1 or 2"):
        fit_fine_gray(df, ["age"], cause=3)
    no_cause2 = df.assign(event=df["event"].replace(2, 0))
    with pytest.warns(CoxWarning, match="no competing events"):
        fit_fine_gray(no_cause2, ["age"])
    with pytest.raises(CoxError, match="no events with code 2"):
        fit_fine_gray(no_cause2, ["age"], cause=2)
    with pytest.raises(SurvivalDataError):
        fit_fine_gray(df.assign(event=df["event"] + 1), ["age"])
    with pytest.raises(CoxError, match="conf_type"):
        fit_fine_gray(df, ["age"]).predict_cif(df.head(1), [12], conf_type="arcsin")


def test_cause_two_mirrors_recoded_cause_one():
    df = load(CASES["sim_lms"])
    swapped = df.assign(event=df["event"].replace({1: 2, 2: 1}))
    a = fit_fine_gray(df, ["age", "grade"], cause=2).hazard_ratios
    b = fit_fine_gray(swapped, ["age", "grade"], cause=1).hazard_ratios
    pd.testing.assert_frame_equal(a, b)


def test_repr_and_table(fits):
    res = fits["sim_lms"]
    assert "FineGrayResult (cause 1)" in repr(res)
    assert res.to_frame().equals(res.hazard_ratios)
    assert "<strong>" in res._repr_html_()


def test_accepts_a_cohort_and_predicts_for_it():
    import lms_prognosis as lp

    cohort = lp.simulate_cohort(n=300, seed=3, competing_risks=True)
    res = fit_fine_gray(cohort, ["age", "grade"])
    out = res.predict_cif(cohort, [0.0, 24.0, 1e6])
    assert len(out) == 3 * 300
    first = out[out["time"] == 0.0]
    assert (first["cif"] == 0).all() and (first["upper"] == 0).all()
    last = out[out["time"] == 1e6]["cif"].to_numpy()
    at_end = res.predict_cif(cohort, [res.max_time])["cif"].to_numpy()
    np.testing.assert_allclose(last, at_end)  # a step function: constant after the last time
