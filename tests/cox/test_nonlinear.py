"""Tests of non-linearity of rcs() terms (lms_prognosis.cox.nonlinear) against R.

Numbers from tests/reference/report_model.json (tests/reference/report_model.R: coxph and
rms::cph/anova on the shipped synthetic cohort, age and size as rcs(x, 4)); the R call sits
next to each number there.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import lms_prognosis as lp
from lms_prognosis.cox.nonlinear import nonlinearity_tests, rcs_nonlinear_columns, spline_knots
from lms_prognosis.exceptions import CoxError
from lms_prognosis.report._factors import derive_factors

REF = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "report_model.json").read_text()
)["spline"]
OTHERS = ["necrosis_any", "vascular_invasion", "aneuploidy", "depth", "grade"]


@pytest.fixture(scope="module")
def fits():
    d = derive_factors(lp.load_synthetic().data)
    spline = lp.fit_cox(d, ["rcs(age, 4)", "rcs(size_cm, 4)", *OTHERS])
    linear = lp.fit_cox(d, ["age", "size_cm", *OTHERS])
    return spline, linear


def test_spline_model_equals_coxph(fits):
    spline, _ = fits
    np.testing.assert_allclose(spline.coef.to_numpy(), REF["coef"], rtol=1e-7, err_msg=REF["call"])
    np.testing.assert_allclose(spline.loglik, REF["loglik"], rtol=1e-10)
    knots = spline_knots(spline)
    np.testing.assert_allclose(knots["age"], REF["knots_age"], rtol=1e-12)
    np.testing.assert_allclose(knots["size_cm"], REF["knots_size"], rtol=1e-12)


def test_wald_and_lr_tests_equal_r(fits):
    spline, linear = fits
    t = nonlinearity_tests(spline, linear)
    assert t["test"].tolist() == ["Wald"] * 3 + ["likelihood ratio"]
    assert t["term"].tolist() == ["age", "size_cm", "all spline terms", "all spline terms"]
    got = t[["chisq", "df", "p"]].to_numpy(float)
    # b' V^-1 b on coxph's own fit: equal to rounding
    for row, key in zip(
        got[:3], ("wald_coxph_age", "wald_coxph_size", "wald_coxph_total"), strict=True
    ):
        np.testing.assert_allclose(row, REF[key], rtol=1e-7, err_msg=REF["wald_coxph_call"])
    # rms anova(cph) converges a hair differently (relative 1e-6 in chi-square)
    for row, key in zip(got[:3], ("wald_age", "wald_size", "wald_total"), strict=True):
        np.testing.assert_allclose(row, REF[key], rtol=1e-4, err_msg=REF["anova_call"])
    np.testing.assert_allclose(got[3], REF["lr"], rtol=1e-7, err_msg=REF["lr_call"])


def test_without_linear_model_only_wald_rows(fits):
    spline, _ = fits
    t = nonlinearity_tests(spline)
    assert (t["test"] == "Wald").all() and len(t) == 3
    assert rcs_nonlinear_columns(spline) == {"age": [1, 2], "size_cm": [4, 5]}


def test_refuses_a_model_without_rcs_and_an_unnested_or_other_sample(fits):
    spline, linear = fits
    with pytest.raises(CoxError, match="no rcs"):
        nonlinearity_tests(linear)
    with pytest.raises(CoxError, match="fewer coefficients"):
        nonlinearity_tests(spline, spline)
    d = derive_factors(lp.load_synthetic().data).iloc[:400]
    with pytest.raises(CoxError, match="same patients"):
        nonlinearity_tests(spline, lp.fit_cox(d, ["age", "size_cm", *OTHERS]))
