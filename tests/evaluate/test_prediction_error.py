"""Brier score and time-dependent AUC against R riskRegression::Score
(tests/reference/brier_auc.R), and where scikit-survival differs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sksurv.metrics import brier_score as sk_brier
from sksurv.metrics import cumulative_dynamic_auc

import lms_prognosis as lp
from lms_prognosis._survfit import product_limit
from lms_prognosis.evaluate.prediction_error import censoring_weights

REF = json.loads((Path(__file__).parents[1] / "reference" / "brier_auc.json").read_text())
CASES = {c["name"]: c for c in REF["cases"]}


def _case(name: str) -> tuple[pd.DataFrame, np.ndarray, list[float]]:
    c = CASES[name]
    return pd.DataFrame(c["data"]), np.asarray(c["predicted_risk"], dtype=float), c["times"]


def _y(t, e):
    y = np.empty(len(t), dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = np.asarray(e) == 1, t
    return y


@pytest.mark.parametrize("name", sorted(CASES))
def test_brier_and_auc_equal_score(name: str) -> None:
    d, risk, times = _case(name)
    call = CASES[name]["call"]  # the R call stored beside the numbers
    brier = lp.brier_score(d, 1.0 - risk, times)
    assert np.allclose(brier.table["brier"], CASES[name]["brier"], rtol=1e-12, atol=1e-14), call
    auc = lp.time_dependent_auc(d, risk, times)  # one score per horizon, as Score
    assert np.allclose(auc.table["auc"], CASES[name]["auc"], rtol=1e-12, atol=1e-14), call
    assert brier.n == auc.n == len(d) and brier.dropped.empty


@pytest.mark.parametrize("name", ["lung", "lung_tied"])
def test_a_cox_fit_as_the_model_equals_score(name: str) -> None:
    # Score(list(cox = coxph(...)), ...): predictRisk equals our predict_survival (Efron)
    d, _, times = _case(name)
    fit = lp.fit_cox(d, CASES[name]["covariates"])
    brier = lp.brier_score(d, fit, times)
    assert np.allclose(brier.table["brier"], CASES[name]["brier"], rtol=1e-9)
    auc = lp.time_dependent_auc(d, fit, times)  # the linear predictor ranks the same
    assert np.allclose(auc.table["auc"], CASES[name]["auc"], rtol=1e-9)


def test_censoring_weights_are_prodlim_reverse() -> None:
    w = REF["weights"]  # R call in w["call"]
    d = pd.DataFrame(CASES["tiny_ties"]["data"])
    t, e = d["time"].to_numpy(float), d["event"].to_numpy()
    g = product_limit(t, e, reverse=True)
    g_minus, _ = censoring_weights(g, t, 1.0)
    assert np.allclose(g_minus, w["G_minus"], rtol=1e-14)
    assert np.allclose(g.at(t), w["G"], rtol=1e-14)


def test_scikit_survival_differs_only_at_event_censoring_ties() -> None:
    # sksurv weights a case by 1 / G(T_i), Score by 1 / G(T_i-): with an event and a
    # censoring at the same time (lung_tied, whole months) the two disagree
    d, risk, times = _case("lung_tied")
    y = _y(d["time"], d["event"])
    _, sk = sk_brier(y, y, 1.0 - risk, times)
    ours = lp.brier_score(d, 1.0 - risk, times).table["brier"].to_numpy()
    assert np.all(np.abs(sk - ours) > 1e-3)
    sk_auc = [cumulative_dynamic_auc(y, y, risk[:, j], [t])[0][0] for j, t in enumerate(times)]
    assert (
        np.max(
            np.abs(
                np.asarray(sk_auc) - lp.time_dependent_auc(d, risk, times).table["auc"].to_numpy()
            )
        )
        > 1e-4
    )


def _weibull(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.4, size=n)
    lin = 0.8 * x1 + 0.9 * x2
    t = 80.0 * (rng.exponential(size=n) / np.exp(lin)) ** (1 / 1.3)
    c = rng.uniform(20, 120, size=n)
    return pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int)}), lin


def _true_surv(lin: np.ndarray, t: float) -> np.ndarray:
    return np.exp(-((t / 80.0) ** 1.3) * np.exp(lin))


def test_without_ties_scikit_survival_agrees() -> None:
    # continuous times: no event shares its time with a censoring, so G(T-) = G(T) at every
    # case and Score's weights are scikit-survival's (train/test split, G from train)
    d, lin = _weibull(4000, 11)
    train, test = d.iloc[:2000], d.iloc[2000:]
    times = np.array([12.0, 24.0, 36.0, 60.0])
    surv = np.column_stack([_true_surv(lin[2000:], t) for t in times])
    ours = lp.brier_score(test, surv, times, train=train)
    _, ref = sk_brier(_y(train.time, train.event), _y(test.time, test.event), surv, times)
    assert np.allclose(ours.table["brier"], ref, rtol=1e-12)
    auc = lp.time_dependent_auc(test, lin[2000:], times, train=train)
    ref_auc, ref_mean = cumulative_dynamic_auc(
        _y(train.time, train.event), _y(test.time, test.event), lin[2000:], times
    )
    assert np.allclose(auc.table["auc"], ref_auc, rtol=1e-12)
    assert auc.mean_auc == pytest.approx(ref_mean, rel=1e-12)


def test_missing_predictions_are_left_out_and_reported() -> None:
    d, risk, times = _case("lung")
    d.index = d.index + 100
    s = 1.0 - risk
    s[[3, 7]] = np.nan
    res = lp.brier_score(d, s, times)
    assert res.n == len(d) - 2
    assert res.dropped["row"].tolist() == [103, 107]
    assert set(res.dropped["column"]) == {"predicted"}
    assert "2 rows left out" in repr(res)
    auc = lp.time_dependent_auc(d, np.where(np.isnan(s), np.nan, risk), times)
    assert auc.n == len(d) - 2 and auc.to_frame().shape == (len(times), 2)


def test_r_status_and_bad_horizons_refused() -> None:
    d, risk, times = _case("tiny_ties")
    with pytest.raises(lp.SurvivalDataError, match="event_codes"):
        lp.brier_score(d.assign(event=d["event"] + 1), 1.0 - risk, times)
    with pytest.raises(lp.LMSPrognosisError, match="beyond the follow-up"):
        lp.brier_score(d, 1.0 - risk[:, :1], [8.0])
