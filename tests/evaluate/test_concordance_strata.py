"""Stratified concordance against R ``concordance(... + strata(s))``
(tests/reference/concordance_strata.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import ColumnNotFoundError, LMSPrognosisError

HERE = Path(__file__).parents[1] / "reference"
REF = json.loads((HERE / "concordance_strata.json").read_text())
CASES = {c["name"]: c for c in REF["cases"]}


def _data(case: dict) -> pd.DataFrame:
    if case["data"] == "tiny":
        return pd.DataFrame(REF["tiny"])
    d = pd.read_csv(HERE / "data" / f"{case['data']}.csv")
    d["w"] = d["age"] / 50  # as in the R script
    return d


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_r(name: str) -> None:
    case = CASES[name]
    res = lp.concordance(
        _data(case),
        case["risk"],
        strata=case["strata"],
        timewt=case["timewt"],
        tau=case["ymax"],
        weights=case["weights"],
    )
    call = case["call"]
    assert res.n == case["n"], call
    assert res.c == pytest.approx(case["concordance"], rel=1e-9, abs=1e-12), call
    assert res.se**2 == pytest.approx(case["var"], rel=1e-9, abs=1e-14), call
    for ours, r in (
        ("concordant", "concordant"),
        ("discordant", "discordant"),
        ("tied_risk", "tied_x"),
        ("tied_time", "tied_y"),
        ("tied_both", "tied_xy"),
    ):
        assert res.counts[ours] == pytest.approx(case[r], rel=1e-9, abs=1e-9), (ours, call)


def test_strata_differ_from_pooled() -> None:
    """Pairs across strata are not counted: the stratified counts are fewer."""
    d = _data(CASES["lung_age_inst"])
    pooled = lp.concordance(d.dropna(subset=["inst"]), "age")
    strat = lp.concordance(d, "age", strata="inst")
    assert sum(strat.counts.values()) < sum(pooled.counts.values())


def test_missing_stratum_is_dropped_and_reported() -> None:
    d = _data(CASES["lung_age_inst"])
    res = lp.concordance(d, "age", strata="inst")
    miss = d.index[d["inst"].isna()].tolist()
    assert res.n == len(d) - len(miss)
    assert res.dropped["row"].tolist() == miss
    assert set(res.dropped["column"]) == {"inst"}


def test_several_strata_columns_are_their_combination() -> None:
    d = _data(CASES["lung_age_sex"])
    d["half"] = np.arange(len(d)) % 2
    d["combo"] = d["sex"].astype(str) + "-" + d["half"].astype(str)
    two = lp.concordance(d, "age", strata=["sex", "half"])
    one = lp.concordance(d, "age", strata="combo")
    assert two.c == one.c and two.se == one.se


def test_unknown_strata_column_names_it() -> None:
    d = _data(CASES["lung_age_sex"])
    with pytest.raises(ColumnNotFoundError, match="centre"):
        lp.concordance(d, "age", strata="centre")


def test_no_pair_within_strata_is_a_clear_error() -> None:
    d = pd.DataFrame({"time": [1.0, 2, 3, 4], "event": [1, 0, 1, 0], "r": [1, 2, 3, 4]})
    d["centre"] = ["a", "b", "c", "d"]
    with pytest.raises(LMSPrognosisError, match="within a stratum"):
        lp.concordance(d, "r", strata="centre")
