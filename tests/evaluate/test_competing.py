"""Evaluation on the cumulative-incidence scale against R (tests/reference/competing_evaluate.R):
riskRegression::Score(..., cause =) Brier and AUC, Wolbers' C through survival::concordance,
and calibration (plotCalibration quantile/local groups, prodlim::jackknife pseudo-values and
their spline smoother)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lms_prognosis as lp
from lms_prognosis.evaluate._competing import aalen_johansen_at, pseudo_values
from lms_prognosis.exceptions import LMSPrognosisError, ModelError

HERE = Path(__file__).parents[1] / "reference"
REF = json.loads((HERE / "competing_evaluate.json").read_text())
CASES = {c["name"]: c for c in REF["cases"]}
TOL = {"rel": 1e-9, "abs": 1e-12}


def _data(case: dict) -> pd.DataFrame:
    return pd.read_csv(HERE / "data" / f"{case['data']}.csv")


def _num(values: list) -> np.ndarray:
    return np.array([np.nan if v == "NA" else v for v in values], dtype=float)


@pytest.mark.parametrize("name", sorted(CASES))
def test_brier_and_auc_match_score(name: str) -> None:
    case = CASES[name]
    d = _data(case)
    pred = d[case["columns"]].to_numpy()
    brier = lp.brier_score(d, pred, case["times"], cause=case["cause"])
    auc = lp.time_dependent_auc(d, pred, case["times"], cause=case["cause"])
    assert brier.n == auc.n == case["n"]
    np.testing.assert_allclose(brier.table["brier"], case["brier"], rtol=1e-9, err_msg=case["call"])
    np.testing.assert_allclose(auc.table["auc"], case["auc"], rtol=1e-9, err_msg=case["call"])
    assert brier.cause == auc.cause == case["cause"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_wolbers_c_matches_r(name: str) -> None:
    case = CASES[name]
    d = _data(case)
    for col, ref in zip(case["columns"], case["wolbers"], strict=True):
        res = lp.concordance(d, col, cause=case["cause"], tau=ref["tau"])
        assert res.c == pytest.approx(ref["concordance"], **TOL), case["wolbers_call"]
        assert res.se**2 == pytest.approx(ref["var"], rel=1e-9, abs=1e-15)
        assert res.counts["concordant"] == pytest.approx(ref["concordant"], **TOL)
        assert res.counts["discordant"] == pytest.approx(ref["discordant"], **TOL)
        assert res.counts["tied_risk"] == pytest.approx(ref["tied_x"], **TOL)
        assert res.counts["tied_time"] == pytest.approx(ref["tied_y"], **TOL)


@pytest.mark.parametrize("name", sorted(CASES))
def test_calibration_matches_r(name: str) -> None:
    case = CASES[name]
    d = _data(case)
    for col, ref in zip(case["columns"], case["calibration"], strict=True):
        tp = ref["time_point"]
        cal = lp.calibration(d[col].to_numpy(), d, time_point=tp, cause=case["cause"], groups=10)
        msg = ref["grouped_call"]
        np.testing.assert_allclose(cal.table["predicted"], ref["grouped_predicted"], rtol=1e-9)
        np.testing.assert_allclose(
            cal.table["observed"], _num(ref["grouped_observed"]), rtol=1e-9, err_msg=msg
        )
        np.testing.assert_allclose(cal.patients["pseudo"], ref["pseudo"], rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(
            cal.patients["observed"], ref["smooth_fitted"], rtol=1e-8, atol=1e-11
        )
        assert cal.ici == pytest.approx(ref["ici"], rel=1e-8)
        assert cal.e50 == pytest.approx(ref["e50"], rel=1e-8)
        assert cal.e90 == pytest.approx(ref["e90"], rel=1e-8)
        aj = ref["aalen_johansen"]
        assert cal.oe * cal.patients["predicted"].mean() == pytest.approx(aj, rel=1e-9)


def test_aalen_johansen_and_pseudo_values_match_prodlim() -> None:
    case = CASES["lms_csc_cause1"]  # whole months: many ties, some at time 0
    d = _data(case)
    t, e = d["time"].to_numpy(float), d["event"].to_numpy()
    for ref in case["calibration"]:
        tp = ref["time_point"]
        assert aalen_johansen_at(t, e, 1, tp) == pytest.approx(ref["aalen_johansen"], rel=1e-12)
        np.testing.assert_allclose(pseudo_values(t, e, 1, tp), ref["pseudo"], atol=1e-11)


def test_competing_events_are_not_censorings() -> None:
    """Scoring cause 1 with competing events differs from treating them as censored."""
    d = _data(CASES["mgus2_csc_cause1"])
    pred = d["csc1_120"].to_numpy()
    cr = lp.brier_score(d, pred, 120, cause=1).table["brier"].iloc[0]
    as_censored = lp.brier_score(d, 1 - pred, 120).table["brier"].iloc[0]
    assert abs(cr - as_censored) > 1e-3


def test_missing_prediction_is_dropped_and_reported() -> None:
    d = _data(CASES["mgus2_csc_cause1"]).copy()
    d.loc[[3, 10], "csc1_60"] = np.nan
    res = lp.brier_score(d, "csc1_60", 60, cause=1)
    assert res.n == len(d) - 2
    assert res.dropped["row"].tolist() == [3, 10]
    cal = lp.calibration("csc1_60", d, time_point=60, cause=1, groups=10)
    assert cal.n == len(d) - 2 and cal.dropped["row"].tolist() == [3, 10]


def test_bad_cause_is_a_clear_error() -> None:
    d = _data(CASES["mgus2_csc_cause1"])
    no2 = d[d["event"] != 2]
    with pytest.raises(LMSPrognosisError, match="cause 2 does not occur"):
        lp.time_dependent_auc(no2, "csc2_60", 60, cause=2)
    with pytest.raises(LMSPrognosisError, match="cause 2 does not occur"):
        lp.concordance(no2, "csc2_60", cause=2, tau=60)
    with pytest.raises(LMSPrognosisError, match="cause must be"):
        lp.brier_score(d, "csc1_60", 60, cause=0)
    with pytest.raises(LMSPrognosisError, match="only method='harrell'"):
        lp.concordance(d, "csc1_60", cause=1, method="uno")


def test_predictions_outside_0_1_are_refused() -> None:
    d = _data(CASES["mgus2_csc_cause1"])
    with pytest.raises(LMSPrognosisError, match=r"\[0, 1\]"):
        lp.brier_score(d, d["age"].to_numpy(), 60, cause=1)


def test_a_survival_model_is_refused_with_cause() -> None:
    d = _data(CASES["mgus2_csc_cause1"])
    fit = lp.fit_cox(d.assign(event=(d["event"] == 1).astype(int)), ["age"])
    with pytest.raises(ModelError, match="predict_cif"):
        lp.brier_score(d, fit, 60, cause=1)


class _CIFModel:
    """A stand-in for a competing-risk model: predict_cif returns the CSV's predictions."""

    covariates = ["age"]

    def __init__(self, d: pd.DataFrame, prefix: str) -> None:
        self.d, self.prefix = d, prefix

    def predict_cif(self, newdata: pd.DataFrame, times: list[float]) -> pd.DataFrame:
        rows = []
        for cause, prefix in ((1, "csc1"), (2, "csc2")):
            for t in times:
                col = self.d.loc[newdata.index, f"{prefix}_{t:g}"]
                rows.append(
                    pd.DataFrame(
                        {"patient": newdata.index, "time": t, "cause": cause, "cif": col.to_numpy()}
                    )
                )
        return pd.concat(rows, ignore_index=True)


def test_a_model_with_predict_cif_is_read_by_cause() -> None:
    case = CASES["mgus2_csc_cause2"]
    d = _data(case)
    model = _CIFModel(d, "csc")
    res = lp.time_dependent_auc(d, model, case["times"], cause=2)
    np.testing.assert_allclose(res.table["auc"], case["auc"], rtol=1e-9)
    brier = lp.brier_score(d, model, case["times"], cause=2)
    np.testing.assert_allclose(brier.table["brier"], case["brier"], rtol=1e-9)


def test_result_text_names_the_cause() -> None:
    d = _data(CASES["mgus2_csc_cause1"])
    cal = lp.calibration("csc1_60", d, time_point=60, cause=1, groups=10)
    assert "cumulative incidence of cause 1" in repr(cal)
    assert set(cal.summary.columns) >= {"oe", "ici", "e50", "e90", "n_competing"}
    assert "cumulative incidence of cause 1" in repr(lp.brier_score(d, "csc1_60", 60, cause=1))


def test_concordance_of_a_cif_model_needs_tau_and_matches_r() -> None:
    case = CASES["mgus2_csc_cause1"]
    d = _data(case)
    model = _CIFModel(d, "csc")
    ref = case["wolbers"][1]
    res = lp.concordance(d, model, cause=1, tau=ref["tau"])
    assert res.c == pytest.approx(ref["concordance"], **TOL)
    with pytest.raises(LMSPrognosisError, match="give tau="):
        lp.concordance(d, model, cause=1)


def test_a_cif_model_covariate_missing_is_reported_under_it() -> None:
    d = _data(CASES["mgus2_csc_cause1"]).copy()
    d.loc[5, "age"] = np.nan
    res = lp.brier_score(d, _CIFModel(d, "csc"), [60, 120], cause=1)
    assert res.n == len(d) - 1
    assert res.dropped[["row", "column"]].values.tolist() == [[5, "age"]]


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 8), st.sampled_from([0, 1, 2])), min_size=1, max_size=30
    ),
    horizon=st.sampled_from([0.0, 2.0, 5.0, 20.0]),
    cause=st.sampled_from([1, 2]),
)
def test_pseudo_values_are_the_leave_one_out_definition(rows, horizon, cause) -> None:
    """The O(n log n) jackknife equals n F - (n - 1) F_(-i) computed one row at a time."""
    t = np.array([r[0] for r in rows], dtype=float)
    e = np.array([r[1] for r in rows])
    n = t.size
    full = aalen_johansen_at(t, e, cause, horizon)
    brute = [
        n * full - (n - 1) * aalen_johansen_at(np.delete(t, i), np.delete(e, i), cause, horizon)
        for i in range(n)
    ]
    np.testing.assert_allclose(pseudo_values(t, e, cause, horizon), brute, atol=1e-12)


def test_without_competing_events_cause_1_is_the_survival_evaluation() -> None:
    """No event 2: the CIF of cause 1 is 1 - S, and every cumulative-incidence measure
    equals its survival counterpart (Score, concordance and calibration alike)."""
    d = pd.read_csv(HERE / "data" / "lung.csv")
    d["risk"] = (d["age"] - 30) / 60
    d["risk36"] = np.clip(d["risk"] * 0.9, 0, 1)
    times = [180, 365]
    pred = np.column_stack([d["risk"], d["risk36"]])
    cr = lp.brier_score(d, pred, times, cause=1).table["brier"]
    surv = lp.brier_score(d, 1 - pred, times).table["brier"]
    np.testing.assert_allclose(cr, surv, rtol=1e-12)
    a_cr = lp.time_dependent_auc(d, pred, times, cause=1)
    a_s = lp.time_dependent_auc(d, pred, times)
    np.testing.assert_allclose(a_cr.table["auc"], a_s.table["auc"], rtol=1e-12)
    assert a_cr.mean_auc == pytest.approx(a_s.mean_auc, rel=1e-12)
    c_cr = lp.concordance(d, "risk", cause=1, tau=365)
    c_s = lp.concordance(d, "risk", tau=365)
    assert (c_cr.c, c_cr.se) == pytest.approx((c_s.c, c_s.se), rel=1e-12)
    cal = lp.calibration("risk", d, time_point=365, cause=1, groups=4)
    km = lp.calibration(1 - d["risk"], d, time_point=365, groups=4)
    assert cal.n_competing == 0
    assert cal.oe == pytest.approx(km.oe, rel=1e-12)
