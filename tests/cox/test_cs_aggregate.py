"""Aggregate-only standard errors of cause-specific absolute risk against R
(fixtures: tests/reference/cs_aggregate.R, R's own numbers with the call beside each).

* ``se_method="mstate"``: R mstate ``msfit(..., variance = TRUE)`` + ``probtrans(...,
  variance = TRUE)`` on the stacked cause-specific model, untied data and whole-month ties,
  Breslow and Efron, estimate and standard error to 1e-6 (this also pins the Efron terms
  ``sum 1/den^2`` and ``sum xbar/den`` that ``se_method="aggregate"`` shares).
* ``se_method="aggregate"``: the delta method (Cheng, Fine & Wei 1998) written in plain R from
  ``coxph`` + ``coxph.detail``, Breslow, untied and tied, to 1e-6.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.cox.cause_specific import fit_cause_specific
from lms_prognosis.exceptions import CoxError, CoxWarning

REF = json.loads((Path(__file__).parents[1] / "reference" / "cs_aggregate.json").read_text())
CASES = [("mstate", n) for n in REF["mstate"]] + [("delta", n) for n in REF["delta"]]
METHOD = {"mstate": "mstate", "delta": "aggregate"}


def _levels(df: pd.DataFrame, levels: dict) -> pd.DataFrame:
    for col, lv in levels.items():
        df[col] = pd.Categorical(df[col].astype(str), categories=lv)
    return df


def _fit(case: dict):
    py = case["python"]
    df = _levels(pd.read_csv(Path(__file__).parents[1] / "reference" / case["data"]), py["levels"])
    if py["time"] == "ceiling(time)":
        df["time"] = np.ceil(df["time"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoxWarning)
        return fit_cause_specific(df, py["covariates"], ties=py["ties"])


@pytest.mark.parametrize(("block", "name"), CASES)
def test_aggregate_standard_errors_match_r(block, name):
    case = REF[block][name]
    res = _fit(case)
    newdata = _levels(pd.DataFrame(case["newdata"]), case["python"]["levels"])
    out = res.predict_cif(newdata, case["times"], se_method=METHOD[block])
    shape = (len(newdata), len(case["times"]))
    for k in (1, 2):
        got = out[out["cause"] == k]
        want_f = np.array(case["cif"][f"cause{k}"]["value"])
        want_se = np.array(case["se"][f"cause{k}"]["value"])
        np.testing.assert_allclose(got["cif"].to_numpy().reshape(shape), want_f, atol=1e-6)
        np.testing.assert_allclose(
            got["std_err"].to_numpy().reshape(shape), want_se, rtol=1e-6, atol=1e-9
        )
        assert (want_se > 0).sum() >= shape[0] * (shape[1] - 1)  # not a fixture of zeros


def test_the_two_aggregate_methods_and_the_influence_function_differ():
    """With two causes mstate's recursion is not the delta method: the fixtures say by how
    much (so a silent switch from one to the other fails here)."""
    m = np.array(REF["mstate"]["untied_efron"]["se"]["cause2"]["value"])
    d = np.array(REF["delta"]["untied_breslow"]["se"]["cause2"]["value"])
    pos = d > 0
    assert np.max(np.abs(m[pos] / d[pos] - 1)) > 0.05


def test_intervals_use_the_aggregate_standard_error():
    res = _fit(REF["delta"]["untied_breslow"])
    nd = _levels(
        pd.DataFrame({"age": [70], "grade": ["3"], "size_cm": [15.0]}), {"grade": ["1", "2", "3"]}
    )
    agg = res.predict_cif(nd, [36.0, 500.0], se_method="aggregate", conf_type="plain")
    inf = res.predict_cif(nd, [36.0, 500.0])
    row = agg.iloc[0]
    assert row["lower"] == pytest.approx(row["cif"] - 1.959963984540054 * row["std_err"])
    assert row["std_err"] != pytest.approx(inf["std_err"].iloc[0], rel=1e-3)
    assert np.isnan(agg.loc[agg["time"] == 500.0, "std_err"]).all()  # after the last time
    before = res.predict_cif(nd, [0.0], se_method="aggregate")
    assert (before[["cif", "std_err", "lower", "upper"]].to_numpy() == 0).all()


def test_unknown_se_method_is_refused():
    res = _fit(REF["delta"]["tied_breslow"])
    with pytest.raises(CoxError, match="se_method must be one of"):
        res.predict_cif(
            pd.DataFrame({"age": [60], "grade": ["1"], "size_cm": [5.0]}), [12], se_method="boot"
        )
