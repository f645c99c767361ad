"""fit_cox with formula terms, splines, case weights, clusters and (start, stop] data against R.

Every number comes from tests/reference/cox_terms.json (made by tests/reference/cox_terms.R
with survival, splines and rms); nothing here is compared with the package's own output.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.cox._splines import ns_basis, ns_knots, rcs_basis, rcs_knots
from lms_prognosis.cox.fit import fit_cox
from lms_prognosis.exceptions import CoxWarning

REF = Path(__file__).resolve().parents[1] / "reference"
FIX = json.loads((REF / "cox_terms.json").read_text())
CASES = FIX["cases"]
TOL = 1e-6


def _data(path: str) -> pd.DataFrame:
    df = pd.read_csv(REF / path, keep_default_na=True)
    if "ecog" in df.columns:  # R factor levels "0" < "1" < "2"
        df["ecog"] = df["ecog"].map(lambda v: None if pd.isna(v) else str(int(v)))
    if path.endswith("pbc.csv"):
        df = df[df["trt"].notna()].reset_index(drop=True)
    return df


def _fit(name: str):
    case = CASES[name]
    py = case["python"]
    covs = py["covariates"] if isinstance(py["covariates"], list) else [py["covariates"]]
    kwargs = {
        k: py[k] for k in ("weights", "cluster", "start", "time", "ties", "strata") if k in py
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoxWarning)
        return fit_cox(_data(case["data"]), covs, **kwargs), case


def _r_name(term: str) -> str:
    """Our column name in R's spelling (age:ecog[1] -> age:ecog1, ns(age, df=3)[1] -> ...)."""
    return term


ALL = sorted(CASES)


def _close(ours, theirs, tol=TOL):
    ours = np.asarray(ours, dtype=float)
    theirs = np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape, (ours.shape, theirs.shape)
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", ALL)
def test_coefficients_se_loglik(name):
    fit, case = _fit(name)
    assert len(fit.coef) == len(case["terms"])
    _close(fit.coef, case["coef"]["value"])
    _close(fit.hazard_ratios["se"], case["se"]["value"])
    _close(fit.vcov.to_numpy(), case["vcov"]["value"])
    _close(fit.loglik, case["loglik"]["value"])
    assert fit.n == case["n"]["value"]
    assert fit.n_events == case["nevent"]["value"]
    _close(fit._means, case["means"]["value"])
    if "naive_se" in case:
        assert fit.robust
        _close(fit.hazard_ratios["naive_se"], case["naive_se"]["value"])
    else:
        assert not fit.robust and "naive_se" not in fit.hazard_ratios


@pytest.mark.parametrize("name", ALL)
def test_overall_tests(name):
    fit, case = _fit(name)
    tests = fit.tests.set_index("test")["statistic"]
    _close(tests["wald"], case["wald"]["value"])
    _close(tests["score"], case["score"]["value"])
    lr = 2 * (case["loglik"]["value"][1] - case["loglik"]["value"][0])
    _close(tests["likelihood ratio"], lr)
    if "robust_score" in case:
        _close(tests["robust score"], case["robust_score"]["value"])
    else:
        assert "robust score" not in tests


@pytest.mark.parametrize("name", ALL)
def test_terms_group_columns_as_r(name):
    fit, case = _fit(name)
    labels = case["term_labels"]
    labels = labels if isinstance(labels, list) else [labels]
    assign = [a if isinstance(a, list) else [a] for a in case["assign"]]
    ours = [cols for _, cols in fit._term_columns]
    assert ours == assign
    assert len(fit.term_tests) == len(labels)


@pytest.mark.parametrize("name", ALL)
def test_wald_per_term(name):
    fit, case = _fit(name)
    ref = case["wald_terms"]["value"]
    tt = fit.term_tests
    labels = list(ref)
    assert len(tt) == len(labels)
    _close(tt["chisq"], [ref[t]["chisq"] for t in labels])
    _close(tt["df"], [ref[t]["df"] for t in labels])
    _close(tt["p"], [ref[t]["p"] for t in labels])


@pytest.mark.parametrize("name", [n for n in ALL if "zph" in CASES[n]])
def test_check_ph_terms(name):
    fit, case = _fit(name)
    z = case["zph"]
    tab = fit.check_ph().table
    assert len(tab) == len(z["terms"])
    assert tab["term"].iloc[-1] == "GLOBAL"
    _close(tab["df"], z["df"])
    _close(tab["chisq"], z["chisq"])
    _close(tab["p"], z["p"])


@pytest.mark.parametrize("name", ALL)
def test_concordance(name):
    fit, case = _fit(name)
    c, se = case["concordance"]["value"]
    _close([fit.concordance, fit.concordance_se], [c, se])


@pytest.mark.parametrize("name", [n for n in ALL if "survfit" in CASES[n]])
def test_predictions_rebuild_the_basis(name):
    fit, case = _fit(name)
    nd = pd.DataFrame(case["newdata"])
    if "ecog" in nd:
        nd["ecog"] = nd["ecog"].astype(str)
    _close(fit.predict_risk(nd)["linear_predictor"], case["predict_lp"]["value"])
    sf = case["survfit"]
    times = case["times"]
    pred = fit.predict_survival(nd, times)
    for col, key in (
        ("surv", "surv"),
        ("std_err", "std_err"),
        ("lower", "lower"),
        ("upper", "upper"),
        ("cumhaz", "cumhaz"),
    ):
        ours = pred.pivot(index="time", columns="patient", values=col).to_numpy()
        _close(ours, sf[key])


# ---- the bases ---------------------------------------------------------------------------

_X = {
    "lung_age": lambda: _data("data/cox_terms_lung.csv")["age"],
    "pbc_bili": lambda: _data("data/pbc.csv")["bili"],
    "ovarian_age": lambda: _data("data/ovarian.csv")["age"],
}


@pytest.mark.parametrize("key", ["ns_lung_age", "ns_pbc_bili"])
def test_ns_basis_equals_r(key):
    x = _X[key[3:]]().to_numpy(float)
    for ref in FIX["bases"][key]:
        inner, bound = ns_knots(x, ref["df"])
        _close(inner, np.atleast_1d(ref["knots"]) if ref["knots"] else np.zeros(0))
        _close(bound, ref["boundary"])
        basis = ns_basis(np.asarray(ref["newx"], float), inner, bound)
        _close(basis, np.asarray(ref["basis"], float).reshape(basis.shape), 1e-9)


@pytest.mark.parametrize("key", ["rcs_lung_age", "rcs_pbc_bili", "rcs_ovarian_age"])
def test_rcs_knots_and_basis_equal_r(key):
    x = _X[key[4:]]().to_numpy(float)
    for ref in FIX["bases"][key]:
        knots = rcs_knots(x, ref["nk"])
        _close(knots, ref["knots"], 1e-9)
        _close(rcs_basis(np.asarray(ref["newx"], float), knots), ref["basis"], 1e-9)


@pytest.mark.parametrize("name", sorted(FIX["partial"]))
def test_partial_effect_equals_r(name):
    ref = FIX["partial"][name]
    covs = ref["python"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoxWarning)
        fit = fit_cox(_data(ref["data"]), covs)
    at = dict(ref["at"])
    pe = fit.partial_effect(ref["variable"], ref["values"], reference=ref["reference"], at=at)
    _close(pe.table["log_hr"], ref["log_hr"])
    _close(pe.table["se"], ref["se"])
    assert pe.reference == ref["reference"]
