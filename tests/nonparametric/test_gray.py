"""Gray's test against ``cmprsk::cuminc``'s ``$Tests`` (tests/reference/competing_nonparametric.json).

Made by tests/reference/competing_nonparametric.R on mgus2, a simulated LMS cohort (with
strata and rho) and tiny inline sets with ties; each entry carries the R call.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lms_prognosis import GrayTestResult, SurvivalDataError, gray_test

REF_DIR = Path(__file__).parents[1] / "reference"
REF = json.loads((REF_DIR / "competing_nonparametric.json").read_text())
RTOL = 1e-9


def load(name: str) -> pd.DataFrame:
    if name.startswith("inline_"):
        return pd.DataFrame(REF["inline"][name.removeprefix("inline_")])
    return pd.read_csv(REF_DIR / "data" / f"{name}.csv")


@pytest.mark.parametrize("name", sorted(REF["gray"]))
def test_gray_matches_cuminc(name: str) -> None:
    case = REF["gray"][name]
    args = case["args"]
    df = load(case["data"])
    for cause, chisq, p, dof in zip(
        case["cause"], case["chisq"], case["p"], case["df"], strict=True
    ):
        res = gray_test(
            df, group=args["group"], cause=cause, strata=args["strata"], rho=args["rho"]
        )
        assert isinstance(res, GrayTestResult)
        np.testing.assert_allclose(res.chisq, chisq, rtol=RTOL, err_msg=case["call"])
        np.testing.assert_allclose(res.p, p, rtol=1e-7, atol=1e-15, err_msg=case["call"])
        assert res.df == dof, case["call"]
        tests = res.tests.set_index("cause")
        np.testing.assert_allclose(
            tests.loc[case["cause"], "chisq"], case["chisq"], rtol=RTOL, err_msg=case["call"]
        )


def test_scores_sum_to_zero_and_table_counts() -> None:
    df = load("lms_competing")
    res = gray_test(df, group="grade")
    assert abs(res.table["score"].sum()) < 1e-9
    assert res.table["group"].tolist() == [1, 2, 3]
    assert res.n == 998 and res.n_dropped == 2
    counts = df.dropna(subset=["grade"]).query("event == 1").groupby("grade").size()
    assert res.table["n_event"].tolist() == counts.tolist()
    assert res.variance.shape == (2, 2)
    assert "Gray's test of cause 1 across grade" in repr(res)


def test_cause_that_does_not_occur_is_a_clear_error() -> None:
    df = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 0, 1, 0], "g": ["a", "a", "b", "b"]})
    with pytest.raises(SurvivalDataError, match=r"cause 2 has no events .*causes present: \[1\]"):
        gray_test(df, group="g", cause=2)


def test_one_group_is_refused() -> None:
    df = pd.DataFrame({"time": [1, 2, 3], "event": [1, 2, 0], "g": ["a"] * 3})
    with pytest.raises(SurvivalDataError, match="only one group"):
        gray_test(df, group="g")


def test_undeclared_codes_are_refused() -> None:
    df = pd.DataFrame({"time": [1, 2, 3, 4], "event": [0, 1, 9, 2], "g": ["a", "a", "b", "b"]})
    with pytest.raises(SurvivalDataError, match="9"):
        gray_test(df, group="g")


def test_group_order_does_not_change_the_test() -> None:
    df = load("lms_competing").dropna(subset=["grade"])
    a = gray_test(df, group="grade").chisq
    df["grade"] = pd.Categorical(df["grade"].astype(int), categories=[3, 1, 2])
    assert gray_test(df, group="grade").chisq == pytest.approx(a, rel=1e-10)
