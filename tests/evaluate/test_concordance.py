"""Concordance against R survival 3.5.3 ``concordance()`` (tests/reference/concordance.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lms_prognosis as lp
from lms_prognosis._concordance import concordance_core

REF = json.loads((Path(__file__).parents[1] / "reference" / "concordance.json").read_text())
CASES = {c["name"]: c for c in REF["cases"]}


def _args(case: dict) -> tuple[pd.DataFrame, str, float | None]:
    call = case["call"]
    timewt = call.split('timewt = "')[1].split('"')[0]
    tau = float(call.split("ymax = ")[1].split(",")[0]) if "ymax" in call else None
    x = np.asarray(case["x"], dtype=float)
    risk = x if "reverse = TRUE" in call else -x  # reverse = FALSE: larger x = longer survival
    d = pd.DataFrame({"time": case["time"], "event": case["event"], "risk": risk})
    return d, timewt, tau


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_r(name: str) -> None:
    case = CASES[name]
    d, timewt, tau = _args(case)
    res = lp.concordance(d, "risk", timewt=timewt, tau=tau)
    # R call stored beside the numbers: case["call"]
    assert res.c == pytest.approx(case["concordance"], rel=1e-9, abs=1e-12), case["call"]
    assert res.se**2 == pytest.approx(case["var"], rel=1e-9, abs=1e-14), case["call"]
    assert res.counts["concordant"] == pytest.approx(case["concordant"], rel=1e-9, abs=1e-9)
    assert res.counts["discordant"] == pytest.approx(case["discordant"], rel=1e-9, abs=1e-9)
    assert res.counts["tied_risk"] == pytest.approx(case["tied_x"], rel=1e-9, abs=1e-9)
    assert res.counts["tied_time"] == pytest.approx(case["tied_y"], rel=1e-9, abs=1e-9)
    assert res.counts["tied_both"] == pytest.approx(case["tied_xy"], rel=1e-9, abs=1e-9)


def test_tiny_by_hand() -> None:
    # time 1 2 2 3 4, event 1 1 0 1 0, risk 5 3 3 3 1 (larger risk = shorter survival)
    # event at t=1 (risk 5): risk set {2,3,4,5} all lower risk -> 4 concordant
    # event at t=2 (risk 3): risk set {obs 3 censored at t=2 (tied time, still at risk), 4, 5}
    #   -> obs 3 and 4 tied on risk, obs 5 concordant: 1 concordant, 2 tied_risk
    # event at t=3 (risk 3): risk set {5}: 1 concordant
    # C = (6 + 2/2) / (6 + 0 + 2) = 0.875
    d = pd.DataFrame({"time": [1, 2, 2, 3, 4], "event": [1, 1, 0, 1, 0], "risk": [5, 3, 3, 3, 1]})
    res = lp.concordance(d, "risk")
    assert res.counts["concordant"] == 6
    assert res.counts["discordant"] == 0
    assert res.counts["tied_risk"] == 2
    assert res.c == pytest.approx(0.875, abs=1e-15)
    assert res.se**2 == pytest.approx(CASES["tiny1_n"]["var"], rel=1e-12)


def test_tied_event_times_by_hand() -> None:
    # time 2 2 3, all events, risk 2 1 1: the two events at t=2 are not comparable (tied_time);
    # event 1 (risk 2) vs obs 3 (risk 1): concordant; event 2 (risk 1) vs obs 3: tied risk.
    # C = (1 + 1/2) / 2 = 0.75
    d = pd.DataFrame({"time": [2, 2, 3], "event": [1, 1, 1], "risk": [2, 1, 1]})
    res = lp.concordance(d, "risk")
    assert res.counts == {
        "concordant": 1,
        "discordant": 0,
        "tied_risk": 1,
        "tied_time": 1,
        "tied_both": 0,
    }
    assert res.c == pytest.approx(0.75)
    assert res.c == pytest.approx(CASES["tiny2_n"]["concordance"])


def test_uno_is_ng2_with_tau() -> None:
    case = CASES["lung_age_nG2_ymax365"]
    d, _, _ = _args(case)
    res = lp.concordance(d, "risk", method="uno", tau=365)
    assert res.timewt == "n/G2"
    assert res.c == pytest.approx(case["concordance"], rel=1e-9)


def test_no_comparable_pair() -> None:
    d = pd.DataFrame({"time": [1, 2, 3], "event": [0, 0, 0], "risk": [1, 2, 3]})
    with pytest.raises(ValueError, match="no comparable pair"):
        lp.concordance(d, "risk")
    d2 = pd.DataFrame({"time": [5, 5], "event": [1, 1], "risk": [1, 2]})
    with pytest.raises(ValueError, match="no comparable pair"):
        lp.concordance(d2, "risk")


def test_r_status_coding_refused_and_missing_counted() -> None:
    d = pd.DataFrame({"time": [1, 2, 3, 4], "event": [2, 1, 2, 1], "risk": [4, 3, 2, 1]})
    with pytest.raises(lp.SurvivalDataError, match="R's Surv status"):
        lp.concordance(d, "risk")
    d = pd.DataFrame(
        {"time": [1, 2, 3, 4, 5], "event": [1, 1, 0, 1, 0], "risk": [5, np.nan, 3, 2, 1]}
    )
    res = lp.concordance(d, "risk")
    assert res.n == 4 and res.n_dropped == 1
    assert res.dropped[["row", "column", "reason"]].values.tolist() == [[1, "risk", "missing"]]
    assert "c" in res.table.columns and "Concordance" in repr(res)


def test_array_risk_and_argument_errors() -> None:
    d = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 1, 0, 1]})
    assert lp.concordance(d, np.array([4, 3, 2, 1])).c == 1.0
    with pytest.raises(ValueError, match="rows"):
        lp.concordance(d, np.array([1, 2]))
    with pytest.raises(ValueError, match="method"):
        lp.concordance(d, np.array([4, 3, 2, 1]), method="antolini")


def _naive_counts(time, event, risk, w):
    conc = disc = tx = ty = 0.0
    event = (event == 1).astype(int)  # competing events (2) count as censored
    n = len(time)
    for i in range(n):
        if event[i] != 1:
            continue
        for j in range(n):
            if j == i:
                continue
            if time[j] > time[i] or (time[j] == time[i] and event[j] == 0):
                ww = w[i] * w[j]
                if risk[i] > risk[j]:
                    conc += ww
                elif risk[i] < risk[j]:
                    disc += ww
                else:
                    tx += ww
            elif time[j] == time[i] and event[j] == 1 and j > i and risk[i] != risk[j]:
                ty += w[i] * w[j]
    return conc, disc, tx, ty


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 6),
            st.integers(0, 2),
            st.integers(0, 4),
            st.sampled_from([0.5, 1.0, 2.0]),
        ),
        min_size=2,
        max_size=30,
    )
)
def test_counts_equal_brute_force(rows) -> None:
    time = np.array([r[0] for r in rows], float)
    event = np.array([r[1] for r in rows])
    risk = np.array([r[2] for r in rows], float)
    w = np.array([r[3] for r in rows])
    res = concordance_core(time, event, risk, weights=w)
    conc, disc, tx, ty = _naive_counts(time, event, risk, w)
    assert res["concordant"] == pytest.approx(conc)
    assert res["discordant"] == pytest.approx(disc)
    assert res["tied_x"] == pytest.approx(tx)
    assert res["tied_y"] == pytest.approx(ty)


@pytest.mark.parametrize("n", [7, 200, 1500, 3000])
def test_bootstrap_fast_c_equals_full(n: int) -> None:
    from lms_prognosis._concordance import harrell_c, time_keys

    rng = np.random.default_rng(n)
    t = rng.integers(0, max(3, n // 8), n).astype(float)
    e = rng.integers(0, 3, n)
    r = rng.integers(0, max(2, n // 15), n).astype(float)
    ref = concordance_core(t, e, r)["c"]
    assert harrell_c(time_keys(t, e), e, r) == pytest.approx(ref, abs=1e-12, nan_ok=True)
    idx = rng.integers(0, n, n)  # bootstrap sample indexing the keys of the original data
    ref_b = concordance_core(t[idx], e[idx], r[idx])["c"]
    assert harrell_c(time_keys(t, e)[idx], e[idx], r[idx]) == pytest.approx(
        ref_b, abs=1e-12, nan_ok=True
    )


def test_batched_c_equals_one_at_a_time() -> None:
    from lms_prognosis._concordance import harrell_c_batch, time_keys

    rng = np.random.default_rng(5)
    items, refs = [], []
    for n in (9, 40, 40, 700, 2000, 16000, 16000):  # stacked, then one by one past 30,000
        t = rng.integers(0, max(3, n // 8), n).astype(float)
        e = rng.integers(0, 3, n)
        r = rng.integers(0, max(2, n // 15), n).astype(float)
        items.append((time_keys(t, e), e, r))
        refs.append(concordance_core(t, e, r, std_err=False)["c"])
    assert np.allclose(harrell_c_batch(items), refs, atol=1e-12)
    assert np.allclose(harrell_c_batch(items[:4]), refs[:4], atol=1e-12)


def test_model_as_risk_equals_cox_concordance() -> None:
    d = pd.read_csv(Path(__file__).parents[1] / "reference" / "data" / "lung.csv")
    d = d.dropna(subset=["age", "sex", "ph.ecog"])
    fit = lp.fit_cox(d, ["age", "sex", "ph.ecog"])
    res = lp.concordance(d, fit)
    assert res.c == pytest.approx(fit.concordance, abs=1e-12)
    assert res.se == pytest.approx(fit.concordance_se, rel=1e-9)


def test_risk_as_a_series_is_values_not_a_model():
    # a pandas Series has .apply like a PublishedModel; it must be read as the risk values
    import pandas as pd

    from lms_prognosis.evaluate import concordance as conc

    d = pd.DataFrame({"time": [1, 2, 2, 3, 4], "event": [1, 1, 0, 1, 0], "risk": [5, 3, 3, 3, 1]})
    assert conc(d, d["risk"]).c == conc(d, "risk").c == conc(d, d["risk"].to_numpy()).c


def test_near_tied_times_are_one_time_as_in_fit_cox() -> None:
    # R's timefix (aeqSurv): times that differ by rounding error are one time, in
    # concordance exactly as in fit_cox, so the two C's of the same predictor agree
    d = pd.read_csv(Path(__file__).parents[1] / "reference" / "data" / "lung_tied.csv")
    d = d.dropna(subset=["age", "sex", "ph.ecog"]).reset_index(drop=True)
    repeat = d["time"].duplicated().to_numpy()
    near = d.assign(time=np.where(repeat, d["time"] + 1e-11, d["time"]))
    fit = lp.fit_cox(near, ["age", "sex", "ph.ecog"])
    lin = fit.predict_risk(near)["linear_predictor"].to_numpy()
    res = lp.concordance(near, lin)
    assert res.c == pytest.approx(fit.concordance, abs=1e-12)
    assert res.c == pytest.approx(lp.concordance(d, lin).c, abs=1e-15)
    assert res.counts["tied_time"] == lp.concordance(d, lin).counts["tied_time"] > 0


@pytest.mark.parametrize("spoil", ["r_status", "text", "code_7", "negative"])
def test_bad_survival_input_is_refused_as_everywhere(spoil: str) -> None:
    d = pd.DataFrame({"time": [1.0, 2, 3, 4], "event": [1, 0, 1, 0], "risk": [4, 3, 2, 1]})
    bad = {
        "r_status": d.assign(event=d["event"] + 1),
        "text": d.assign(event=["dead", "alive", "dead", "alive"]),
        "code_7": d.assign(event=[1, 0, 7, 0]),
        "negative": d.assign(time=[1.0, -2, 3, 4]),
    }[spoil]
    with pytest.raises(lp.SurvivalDataError):
        lp.concordance(bad, "risk")
