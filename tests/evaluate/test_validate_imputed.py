"""validate(..., imputed): each completed data set validated with the same seed, the
corrected metrics pooled by Rubin's rules (C on the logit scale)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp

COVS = ["age", "grade", "size_cm"]
KW = {"n_bootstrap": 8, "seed": 3, "time_point": 60, "progress": False}


def test_two_imputations_of_complete_data_equal_plain_validate() -> None:
    d = lp.simulate_cohort(n=300, seed=4).data
    d = d.dropna(subset=COVS).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imp = lp.impute(d, m=2, seed=1, covariates=COVS)
    pooled = lp.validate(COVS, imp, **KW)
    plain = lp.validate(COVS, d, **KW)
    cols = ["metric", "apparent", "training", "test", "optimism", "corrected"]
    pd.testing.assert_frame_equal(pooled.table[cols], plain.table[cols], rtol=1e-12)
    assert (pooled.table["between"] == 0).all() and (pooled.table["m"] == 2).all()
    assert len(pooled.imputations) == 2 and pooled.n == plain.n


def test_pooled_from_each_imputation() -> None:
    d = lp.simulate_cohort(n=300, seed=4, missing={"size_cm": 0.3}).data
    imp = lp.impute(d, m=4, seed=2, covariates=COVS)
    res = lp.validate(COVS, imp, **KW)
    assert res.n == imp.n and len(res.imputations) == 4
    t = res.table.set_index("metric")
    per = np.array([r.corrected("c") for r in res.imputations])
    logit = np.log(per / (1 - per)).mean()
    assert t.loc["c", "corrected"] == pytest.approx(1 / (1 + np.exp(-logit)), abs=1e-12)
    assert t.loc["dxy", "corrected"] == pytest.approx(2 * t.loc["c", "corrected"] - 1)
    assert t.loc["c", "lower"] < t.loc["c", "corrected"] < t.loc["c", "upper"]
    assert 0 <= t.loc["c", "fmi"] <= 1
    slopes = [r.corrected("slope") for r in res.imputations]
    assert t.loc["slope", "corrected"] == pytest.approx(np.mean(slopes), abs=1e-12)
    assert t.loc["slope", "between"] == pytest.approx(np.std(slopes, ddof=1), abs=1e-12)
    assert set(res.replicates["imputation"]) == {0, 1, 2, 3}
    # the imputations differ, and the same bootstrap samples were drawn in each
    assert t.loc["c", "between"] > 0
