"""lms_prognosis._compare: the tests and SMDs of Table 1, against R (tests/reference/table_one.json).

The fixture holds R's p-values and SMDs on the shipped cohort with the R call beside each;
here the functions are called directly on the counts and samples R used.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import lms_prognosis as lp
from lms_prognosis._compare import (
    NO_TEST,
    compare_categorical,
    compare_continuous,
    max_smd_categorical,
    max_smd_continuous,
    smd_categorical,
    smd_continuous,
)

REF = json.loads((Path(__file__).parent / "reference" / "table_one.json").read_text())
SHIPPED = Path(lp.__file__).parent / "data" / "synthetic_somatic_500.csv"


@pytest.fixture(scope="module")
def d() -> pd.DataFrame:
    d = pd.read_csv(SHIPPED)
    d["grade"] = pd.Categorical(d["grade"].astype(str), categories=["1", "2", "3"])
    d["necrosis"] = pd.Categorical(d["necrosis"], categories=["none", "<50%", ">=50%"])
    return d


def _by(d: pd.DataFrame, var: str, by: str) -> list[np.ndarray]:
    return [d.loc[d[by] == g, var].to_numpy(float) for g in sorted(d[by].dropna().unique())]


def test_rank_tests_match_r(d):
    r = compare_continuous(_by(d, "age", "sex"))
    assert r.test == "Mann-Whitney U"
    assert r.p == pytest.approx(REF["p_age_by_sex_wilcox"]["value"], rel=1e-9)
    r = compare_continuous([d.loc[d["grade"] == g, "age"] for g in ("1", "2", "3")])
    assert r.test == "Kruskal-Wallis"
    assert r.p == pytest.approx(REF["p_age_by_grade_kruskal"]["value"], rel=1e-9)


def test_chi_square_and_fisher_match_r(d):
    r = compare_categorical(pd.crosstab(d["grade"], d["sex"]).to_numpy())
    assert r.test == "chi-square"
    assert r.p == pytest.approx(REF["p_grade_by_sex_chisq"]["value"], rel=1e-9)
    r = compare_categorical(pd.crosstab(d["depth"], d["sex"]).to_numpy())  # 2x2: Yates
    assert r.p == pytest.approx(REF["p_depth_by_sex_chisq_yates"]["value"], rel=1e-9)
    small = d.iloc[:36]
    r = compare_categorical(pd.crosstab(small["vascular_invasion"], small["depth"]).to_numpy())
    assert r.test == "Fisher exact"
    assert r.p == pytest.approx(REF["p_small_vi_by_depth_fisher"]["value"], rel=1e-7)


def test_smds_match_r(d):
    a, b = _by(d, "age", "sex")
    assert smd_continuous(a, b) == pytest.approx(REF["smd_age_by_sex"]["value"], rel=1e-9)
    for var, key in (("grade", "smd_grade_by_sex"), ("necrosis", "smd_necrosis_by_sex")):
        counts = pd.crosstab(d[var], d["sex"]).to_numpy()
        assert max_smd_categorical(counts) == pytest.approx(REF[key]["value"], rel=1e-9)
        pa, pb = (counts / counts.sum(axis=0)).T
        assert smd_categorical(pa, pb) == pytest.approx(REF[key]["value"], rel=1e-9)


def test_edge_cases():
    assert compare_continuous([[1.0, 2.0], []]) == NO_TEST
    assert compare_categorical([[3, 0], [4, 0]]) == NO_TEST  # one group has nobody
    assert compare_categorical(np.zeros((2, 2))) == NO_TEST
    assert np.isnan(smd_continuous([1.0, 1.0], [1.0, 1.0]))  # no spread
    assert np.isnan(smd_continuous([1.0], [2.0, 3.0]))
    assert smd_categorical([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert np.isnan(max_smd_continuous([[1.0, 2.0]]))
    assert np.isnan(max_smd_categorical([[3, 0], [4, 0]]))


def test_two_level_smd_closed_form():
    p, q = 0.3, 0.8
    expected = abs(p - q) / np.sqrt((p * (1 - p) + q * (1 - q)) / 2)
    assert smd_categorical([1 - p, p], [1 - q, q]) == pytest.approx(expected, rel=1e-12)


def test_three_groups_take_the_largest_pair():
    rng = np.random.default_rng(3)
    samples = [rng.normal(m, 1, 40) for m in (0.0, 0.3, 1.0)]
    pairs = [smd_continuous(samples[i], samples[j]) for i, j in ((0, 1), (0, 2), (1, 2))]
    assert max_smd_continuous(samples) == max(pairs)
    assert compare_continuous(samples).p == pytest.approx(stats.kruskal(*samples).pvalue)
