"""Median follow-up (reverse Kaplan-Meier) against R (tests/reference/followup.json).

Each fixture entry stores the R call (``survfit(Surv(time, event == 0) ~ 1)``) beside n, the
number censored and ``print.survfit``'s median with its limits. Compared to 1e-9 relative.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import SurvivalDataError
from lms_prognosis.nonparametric.followup import FollowUpResult, median_follow_up

REF_DIR = Path(__file__).parents[1] / "reference"
REF = json.loads((REF_DIR / "followup.json").read_text(encoding="utf-8"))
RTOL = 1e-9
CASES = [k for k in REF if k not in ("meta", "inline")]


def _data(name: str) -> pd.DataFrame:
    if name == "shipped":
        return pd.read_csv(Path(lp.__file__).parent / "data" / "synthetic_somatic_500.csv")
    if name.startswith("inline_"):
        return pd.DataFrame(REF["inline"][name.removeprefix("inline_")])
    return pd.read_csv(REF_DIR / "data" / f"{name}.csv")


def _close(ours: float, r: float | None) -> bool:
    if r is None:
        return bool(np.isnan(ours))
    return bool(np.isclose(ours, r, rtol=RTOL, atol=0))


@pytest.mark.parametrize("case", CASES)
def test_median_follow_up_matches_r(case):
    ref = REF[case]
    fu = median_follow_up(_data(ref["data"]), event=ref["event_column"], conf_type=ref["conf_type"])
    assert fu.n == ref["n"], ref["call"]
    assert fu.n_censored == ref["n_censored"], ref["call"]
    for key in ("median", "lower", "upper"):
        assert _close(getattr(fu, key), ref[key]), (key, getattr(fu, key), ref[key], ref["call"])


def test_competing_events_end_follow_up():
    # pbc: code 2 (transplant) is censored in the reverse curve, as R's event_cr == 0
    pbc = _data("pbc")
    fu = median_follow_up(pbc, event="event_cr")
    assert fu.n_censored == int((pbc["event_cr"] == 0).sum())
    assert fu.km.table["n_event"].sum() == fu.n_censored


def test_result_contract_and_dropped_rows():
    df = pd.DataFrame({"time": [2.0, 4.0, np.nan, 7.0, 9.0, 12.0], "event": [1, 0, 0, 0, 0, 1]})
    fu = median_follow_up(df)
    assert isinstance(fu, FollowUpResult)
    assert fu.n == 5
    assert fu.dropped[["row", "column", "reason"]].values.tolist() == [[2, "time", "missing"]]
    assert "1 row left out" in repr(fu)
    assert "<table" in fu._repr_html_()
    frame = fu.to_frame()
    assert frame.loc[0, "median"] == fu.median
    frame.loc[0, "median"] = -1.0  # a copy: the result does not change
    assert fu.table.loc[0, "median"] == fu.median


def test_r_status_is_refused_with_the_fix():
    df = pd.DataFrame({"time": [5.0, 8.0, 12.0, 3.0], "event": [1, 2, 1, 2]})
    with pytest.raises(SurvivalDataError, match="event_codes"):
        median_follow_up(df)


def test_cohort_is_accepted():
    cohort = lp.load_synthetic()
    assert median_follow_up(cohort).median == median_follow_up(cohort.data).median
