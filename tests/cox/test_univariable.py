"""fit_univariable: one fit_cox per covariate, with the result contract."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.cox.univariable import UnivariableResult, fit_univariable


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    d = lp.load_synthetic().data.copy()
    d.loc[d.index[:7], "size_cm"] = np.nan  # 7 patients without a size
    return d


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def test_each_fit_is_fit_cox_alone(df):
    uni = _quiet(fit_univariable, df, ["age", "grade", "size_cm"], ties="breslow")
    assert isinstance(uni, UnivariableResult)
    assert list(uni) == ["age", "grade", "size_cm"] and len(uni) == 3
    for cov in uni:
        alone = _quiet(lp.fit_cox, df, [cov], ties="breslow")
        pd.testing.assert_frame_equal(uni[cov].hazard_ratios, alone.hazard_ratios)
        assert uni[cov].ties == "breslow"
    tab = uni.table
    assert tab.loc[tab["covariate"] == "size_cm", "n"].unique().tolist() == [len(df) - 7]
    assert tab.loc[tab["covariate"] == "age", "n"].unique().tolist() == [len(df)]


def test_n_and_dropped(df):
    uni = _quiet(fit_univariable, df, ["age", "size_cm"])
    assert uni.n == len(df)  # every patient is in the age fit
    assert sorted(uni.dropped["row"]) == sorted(df.index[:7])
    assert set(uni.dropped["column"]) == {"size_cm"}
    assert "7 rows left out" in repr(uni)
    only_size = _quiet(fit_univariable, df, ["size_cm"])
    assert only_size.n == len(df) - 7


def test_a_mapping_accepted_by_hr_table(df):
    d = df.dropna(subset=["size_cm"])
    cox = _quiet(lp.fit_cox, d, ["age", "size_cm"])
    uni = _quiet(fit_univariable, d, ["age", "size_cm"])
    by_auto = _quiet(lp.hr_table, cox, univariable="auto")
    by_result = _quiet(lp.hr_table, cox, univariable=uni)
    assert (
        by_auto.table["Univariable HR (95% CI)"].tolist()
        == by_result.table["Univariable HR (95% CI)"].tolist()
    )
