"""Rubin's rules against R's ``mice::pool`` on the same completed data sets
(tests/reference/mice_pool.json, made by mice_pool.R from data/mice_pool_*.csv)."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis._rubin import rubin
from lms_prognosis.cox.pool import pool, pool_scalar
from lms_prognosis.exceptions import ModelError

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "mice_pool.json").read_text())
CASES = list(REF["cases"])
TOL = 1e-6


def completed(case: dict) -> list[pd.DataFrame]:
    long = pd.read_csv(REF_DIR / "data" / f"{case['data']}.csv")
    if "grade" in long:
        long["grade"] = pd.Categorical(long["grade"].astype(str), categories=["1", "2", "3"])
    return [d.drop(columns="imp").reset_index(drop=True) for _, d in long.groupby("imp")]


def covariates(case: dict) -> list[str]:
    rhs = case["formula"].split("~")[1]
    return [c.strip() for c in re.split(r"\+", rhs)]


def fits(case: dict) -> list[lp.CoxResult]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [lp.fit_cox(d, covariates(case), ties=case["ties"]) for d in completed(case)]


@pytest.fixture(scope="module", params=CASES)
def case(request):
    c = REF["cases"][request.param]
    return c, fits(c)


def test_each_fit_is_rs_coxph(case):
    ref, fitted = case
    for i, f in enumerate(fitted, start=1):
        np.testing.assert_allclose(f.coef.to_numpy(), ref["per_fit"]["coef"][str(i)], atol=1e-8)
        se = f.hazard_ratios["se"].to_numpy()
        np.testing.assert_allclose(se, ref["per_fit"]["se"][str(i)], atol=1e-8)


def test_pool_equals_mice_pool(case):
    ref, fitted = case
    dfcom = ref["dfcom_given"]
    out = pool(fitted, dfcom=dfcom).hazard_ratios
    p, s = ref["pooled"], ref["summary"]
    assert len(out) == len(p["term"])
    np.testing.assert_allclose(out["coef"], p["estimate"], atol=TOL, rtol=0)
    np.testing.assert_allclose(out["se"], s["std_error"], atol=TOL, rtol=0)
    np.testing.assert_allclose(out["t"], s["statistic"], atol=TOL, rtol=0)
    np.testing.assert_allclose(out["df"], p["df"], atol=TOL, rtol=1e-9)
    np.testing.assert_allclose(out["p"], s["p_value"], atol=TOL, rtol=0)
    np.testing.assert_allclose(out["fmi"], p["fmi"], atol=TOL, rtol=0)
    np.testing.assert_allclose(out["riv"], p["riv"], atol=TOL, rtol=0)
    np.testing.assert_allclose(out["lambda"], p["lambda"], atol=TOL, rtol=0)
    np.testing.assert_allclose(out["ubar"], p["ubar"], atol=TOL, rtol=0)
    np.testing.assert_allclose(out["b"], p["b"], atol=TOL, rtol=0)
    np.testing.assert_allclose(np.log(out["lower"]), s["conf_low"], atol=TOL, rtol=0)
    np.testing.assert_allclose(np.log(out["upper"]), s["conf_high"], atol=TOL, rtol=0)


def test_default_dfcom_is_events_minus_coefficients_as_mice(case):
    ref, fitted = case
    res = pool(fitted, dfcom=ref["dfcom_given"])
    assert res.dfcom == pytest.approx(ref["pooled"]["dfcom"][0])
    if ref["dfcom_given"] is None:
        assert res.dfcom == ref["per_fit"]["nevent"][0] - len(ref["pooled"]["term"])


def test_rubin_kernel_on_rs_own_estimates(case):
    # the kernel alone, fed R's per-fit numbers: no Cox fit in between
    ref, _ = case
    m = len(ref["per_fit"]["coef"])
    q = np.array([ref["per_fit"]["coef"][str(i)] for i in range(1, m + 1)])
    u = np.array([ref["per_fit"]["se"][str(i)] for i in range(1, m + 1)]) ** 2
    r = rubin(q, u, ref["pooled"]["dfcom"][0])
    for ours, theirs in (("estimate", "estimate"), ("t", "t"), ("df", "df"), ("fmi", "fmi")):
        np.testing.assert_allclose(r[ours], ref["pooled"][theirs], rtol=1e-10, atol=1e-12)


def test_concordance_pooled_on_the_logit_scale_as_mice_pool_scalar(case):
    ref, fitted = case
    c = ref["concordance"]
    res = pool(fitted, dfcom=ref["dfcom_given"]).concordance.iloc[0]
    assert res["estimate"] == pytest.approx(c["estimate"], abs=TOL)
    assert res["se"] ** 2 == pytest.approx(c["t_logit"], abs=TOL)
    assert res["df"] == pytest.approx(c["df"], rel=1e-6)
    assert res["fmi"] == pytest.approx(c["fmi"], abs=TOL)


def test_fit_cox_on_an_imputed_cohort_is_the_pooled_fit():
    c = lp.simulate_cohort(300, seed=4, missing={"aneuploidy": 0.4}, missing_mechanism="MAR")
    imp = lp.impute(c, m=3, seed=1, covariates=["age", "grade", "aneuploidy"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = lp.fit_cox(imp, ["grade", "aneuploidy"])
        by_hand = pool([lp.fit_cox(d, ["grade", "aneuploidy"]) for d in imp.datasets])
    pd.testing.assert_frame_equal(direct.hazard_ratios, by_hand.hazard_ratios)
    assert direct.n == imp.n and direct.m == 3
    assert "Rubin" in repr(direct) and "fmi" in direct._repr_html_()


def test_calibration_slope_is_pooled_as_it_is():
    est, se = [0.9, 1.1, 1.0], [0.1, 0.12, 0.11]
    out = pool_scalar(est, se).iloc[0]
    ref = rubin(np.array(est)[:, None], np.array(se)[:, None] ** 2).iloc[0]
    assert out["estimate"] == pytest.approx(1.0)
    assert out["se"] == pytest.approx(ref["se"]) and out["df"] == pytest.approx(ref["df"])


def test_pool_refuses_bad_input():
    ref = REF["cases"]["sim"]
    fitted = fits(ref)
    with pytest.raises(ModelError, match="at least 2"):
        pool(fitted[:1])
    other = lp.fit_cox(completed(ref)[0], ["age"])
    with pytest.raises(ModelError, match="same terms"):
        pool([fitted[0], other])
    with pytest.raises(ModelError, match="hazard_ratios"):
        pool([1.0, 2.0])
    with pytest.raises(ModelError, match="scale"):
        pool_scalar([0.7, 0.71], [0.02, 0.02], scale="probit")


def test_predict_survival_averages_over_imputations_of_a_patients_missing_covariates():
    c = lp.simulate_cohort(400, seed=5, missing={"aneuploidy": 0.4}, missing_mechanism="MCAR")
    imp = lp.impute(c, m=4, seed=1, covariates=["age", "grade", "aneuploidy", "size_cm"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = lp.fit_cox(imp, ["grade", "aneuploidy"])
    new = pd.DataFrame(
        {
            "age": [60.0, 70.0],
            "grade": pd.Categorical(["3", "3"], categories=["1", "2", "3"]),
            "aneuploidy": pd.array([pd.NA, True], dtype="boolean"),
            "size_cm": [8.0, 8.0],
        },
        index=["missing", "known"],
    )
    out = fit.predict_survival(new, [60])
    assert out["n_imputed"].tolist() == [1, 0]
    # the known patient: the mean of the m fits' own predictions
    each = [f.predict_survival(new.loc[["known"]], [60])["surv"].iloc[0] for f in fit.fits]
    assert out.loc[out["patient"] == "known", "surv"].iloc[0] == pytest.approx(np.mean(each))
    # the imputed patient lies between "aneuploid" and "diploid" predictions
    lo = np.mean(each)
    dip = new.loc[["known"]].assign(aneuploidy=pd.array([False], dtype="boolean"))
    hi = np.mean([f.predict_survival(dip, [60])["surv"].iloc[0] for f in fit.fits])
    miss = out.loc[out["patient"] == "missing", "surv"].iloc[0]
    assert lo - 1e-9 <= miss <= hi + 1e-9


def test_fine_gray_and_cause_specific_accept_an_imputed_cohort() -> None:
    """Issue 15: every fitting function takes an Imputed and returns the pooled result."""
    import lms_prognosis as lp

    cohort = lp.simulate_cohort(500, seed=21, competing_risks=True, missing={"aneuploidy": 0.4})
    covs = ["age", "grade", "aneuploidy"]
    imp = lp.impute(cohort, m=3, seed=2, covariates=covs)
    fg = lp.fit_fine_gray(imp, covs)
    by_hand = lp.pool([lp.fit_fine_gray(d, covs) for d in imp.datasets])
    pd.testing.assert_frame_equal(fg.hazard_ratios, by_hand.hazard_ratios)
    assert fg.n == imp.n and fg.m == 3
    cs = lp.fit_cause_specific(imp, covs)
    terms = cs.hazard_ratios["term"].tolist()
    assert "cause 1: aneuploidy" in terms and "cause 2: age" in terms
    assert len(terms) == len(set(terms)) == 2 * 4
