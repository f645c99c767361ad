"""PHTest.smooth: the spline smooth of the scaled Schoenfeld residuals and its band, against
the numbers R's own ``survival:::plot.cox.zph`` draws (tests/reference/zph_smooth.json, made
by zph_smooth.R: the arguments of its ``lines()`` calls, with the R call stored beside them).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import CoxError

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((REF_DIR / "zph_smooth.json").read_text())
CASES = {k: v for k, v in REF.items() if k != "meta"}


def _ph(case: dict) -> lp.cox.zph.PHTest:
    df = pd.read_csv(REF_DIR / case["data"], dtype={"ph.ecog": str, "celltype": str})
    py = case["python"]
    for v, levels in py["categorical"].items():
        df[v] = pd.Categorical(df[v], categories=levels)  # R's factor levels, in R's order
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rows with a missing covariate are dropped, as R
        fit = lp.fit_cox(df, py["covariates"])
    return fit.check_ph(transform=py["transform"])


@pytest.mark.parametrize("name", sorted(CASES))
def test_smooth_and_band_match_plot_cox_zph(name):
    case = CASES[name]
    ph = _ph(case)
    for term in case["terms"]:
        ref = case["smooth"][term]
        assert float(ph.var.loc[term, term]) == pytest.approx(ref["var"], rel=1e-6), case["call"]
        sm = ph.smooth(term)
        np.testing.assert_allclose(sm["transformed_time"], ref["pred_x"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(
            sm["fit"], ref["yhat"], rtol=1e-6, atol=1e-8, err_msg=case["call"]
        )
        np.testing.assert_allclose(
            sm["upper"], ref["yup"], rtol=1e-6, atol=1e-8, err_msg=case["call"]
        )
        np.testing.assert_allclose(
            sm["lower"], ref["ylow"], rtol=1e-6, atol=1e-8, err_msg=case["call"]
        )


def test_smooth_of_an_unknown_term_is_a_cox_error():
    ph = _ph(CASES["lung_identity"])
    with pytest.raises(CoxError, match="no residuals for term 'nope'"):
        ph.smooth("nope")
