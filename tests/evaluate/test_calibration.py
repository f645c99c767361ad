"""Calibration, Brier score, time-dependent AUC and decision curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from sksurv.metrics import brier_score as sk_brier

import lms_prognosis as lp
from lms_prognosis.evaluate._calibration import rcs_basis


def _weibull(n: int, seed: int, follow: float = 120.0) -> tuple[pd.DataFrame, np.ndarray]:
    """Weibull PH data: S(t | x) = exp(-(t / 80)^1.3 exp(lp)), uniform censoring to 120."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.4, size=n)
    lin = 0.8 * x1 + 0.9 * x2
    t = 80.0 * (rng.exponential(size=n) / np.exp(lin)) ** (1 / 1.3)
    c = rng.uniform(20, follow, size=n)
    d = pd.DataFrame({"time": np.minimum(t, c), "event": (t <= c).astype(int), "x1": x1, "x2": x2})
    return d, lin


def _true_surv(lin: np.ndarray, t: float) -> np.ndarray:
    return np.exp(-((t / 80.0) ** 1.3) * np.exp(lin))


@pytest.fixture(scope="module")
def sim() -> tuple[pd.DataFrame, np.ndarray]:
    return _weibull(6000, 11)


def test_correct_model_is_calibrated(sim) -> None:
    d, lin = sim
    cal = lp.calibration(_true_surv(lin, 60), d, time_point=60, groups=10)
    assert abs(cal.slope - 1) < 0.1
    assert cal.ici < 0.02
    assert abs(cal.oe - 1) < 0.08
    assert cal.e50 <= cal.e90 <= cal.emax
    assert list(cal.table.columns[:7]) == [
        "group",
        "n",
        "n_events",
        "predicted",
        "observed",
        "lower",
        "upper",
    ]
    assert cal.table["n"].sum() == len(d)
    # every group's observed risk inside its CI and near the predicted risk
    assert np.all(
        (cal.table["lower"] <= cal.table["observed"])
        & (cal.table["observed"] <= cal.table["upper"])
    )
    assert np.max(np.abs(cal.table["observed"] - cal.table["predicted"])) < 0.06
    assert "Calibration at 60 months" in repr(cal)


def test_misspecified_models_are_not(sim) -> None:
    d, lin = sim
    too_strong = lp.calibration(_true_surv(2 * lin, 60), d, time_point=60)
    assert too_strong.slope < 0.6  # effects doubled -> slope near 0.5
    assert too_strong.ici > 0.05
    shifted = lp.calibration(_true_surv(lin + 0.7, 60), d, time_point=60)
    assert shifted.oe < 0.85  # predicted risk too high
    assert shifted.ici > 0.05


def test_grouped_observed_is_kaplan_meier(sim) -> None:
    d, lin = sim
    cal = lp.calibration(_true_surv(lin, 36), d, time_point=36, groups=4)
    risk = 1 - _true_surv(lin, 36)
    ranks = pd.Series(risk).rank(method="first").to_numpy()
    grp = np.ceil(ranks * 4 / len(d)).astype(int)
    for k in range(1, 5):
        m = grp == k
        km = KaplanMeierFitter().fit(d["time"][m], d["event"][m])
        s = float(km.survival_function_at_times(36).iloc[0])
        assert cal.table["observed"].iloc[k - 1] == pytest.approx(1 - s, abs=1e-12)


def test_calibration_of_a_cox_fit_and_a_published_model() -> None:
    d, _ = _weibull(1500, 5)
    fit = lp.fit_cox(d, ["x1", "x2"])
    cal = lp.calibration(fit, d, time_point=60)
    assert cal.slope == pytest.approx(1.0, abs=1e-6)  # apparent slope of an MLE is 1
    assert abs(cal.oe - 1) < 0.1 and cal.ici < 0.03
    cohort = lp.simulate_cohort(n=3000, seed=3)
    model = lp.published_model("lms_default")
    cal2 = lp.calibration(model, cohort, time_point=60)
    assert cal2.n + cal2.n_dropped == len(cohort.data)
    assert np.isfinite(cal2.slope) and np.isfinite(cal2.ici)


def test_calibration_errors(sim) -> None:
    d, lin = sim
    with pytest.raises(ValueError, match="beyond the last follow-up"):
        lp.calibration(_true_surv(lin, 500), d, time_point=500)
    with pytest.raises(ValueError, match="method"):
        lp.calibration(_true_surv(lin, 60), d, time_point=60, method="loess")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        lp.calibration(lin, d, time_point=60)


def test_rcs_basis_is_linear_beyond_the_outer_knots() -> None:
    knots = np.array([0.0, 1.0, 3.0])
    x = np.array([4.0, 5.0, 6.0, 7.0])
    b = rcs_basis(x, knots)
    assert np.allclose(np.diff(b[:, 1], 2), 0.0)  # restricted: linear tail
    assert np.allclose(rcs_basis(np.array([-1.0, -0.5]), knots)[:, 1], 0.0)


def _y(t, e):
    y = np.empty(len(t), dtype=[("event", bool), ("time", float)])
    y["event"], y["time"] = np.asarray(e) == 1, t
    return y


def test_test_follow_up_beyond_training_is_handled(sim) -> None:
    d, lin = sim
    train = d[d.time < 70].copy()  # short training follow-up
    train.loc[train.time.idxmax(), "event"] = 1  # G > 0 at the end: sksurv refuses later times
    test = d.iloc[:1000]
    with pytest.raises(ValueError):  # scikit-survival's confusing IPCW error
        sk_brier(
            _y(train.time, train.event), _y(test.time, test.event), _true_surv(lin[:1000], 36), 36
        )
    res = lp.brier_score(test, _true_surv(lin[:1000], 36), 36, train=train)
    assert 0 < res.table["brier"].iloc[0] < 0.25
    auc = lp.time_dependent_auc(test, lin[:1000], [24, 36], train=train)
    assert np.all(auc.table["auc"] > 0.6)
    with pytest.raises(ValueError, match="beyond the follow-up"):
        lp.brier_score(test, _true_surv(lin[:1000], 80), 80, train=train)
    with pytest.raises(ValueError, match="beyond the follow-up"):
        lp.time_dependent_auc(test, lin[:1000], [80], train=train)


def test_decision_curve_by_hand() -> None:
    # risk >= 0.5: patients 1, 2, 4 (times 2, 4, 8, all events) -> KM at 9 is 0:
    # TP = 1 * 3/6 = 0.5, FP = 0 -> net benefit 0.5.
    # treat all: KM(9) of everyone = (1 - 1/6)(1 - 1/5)(1 - 1/3) = 4/9;
    # NB_all = (1 - 4/9) - (4/9) * 1 = 1/9
    d = pd.DataFrame(
        {
            "time": [2.0, 4, 6, 8, 10, 12],
            "event": [1, 1, 0, 1, 0, 0],
            "risk": [0.9, 0.8, 0.3, 0.6, 0.2, 0.1],
        }
    )
    dc = lp.decision_curve(d, "risk", 9, thresholds=[0.5, 0.95])
    row = dc.table.iloc[0]
    assert row["net_benefit"] == pytest.approx(0.5)
    assert row["treat_all"] == pytest.approx(1 / 9)
    assert row["treat_none"] == 0.0
    assert dc.table.iloc[1]["n_positive"] == 0 and dc.table.iloc[1]["net_benefit"] == 0.0
    with pytest.raises(ValueError, match="between 0 and 1"):
        lp.decision_curve(d, "risk", 9, thresholds=[0, 0.5])


def test_decision_curve_of_a_good_model_beats_the_defaults(sim) -> None:
    d, lin = sim
    dc = lp.decision_curve(d, 1 - _true_surv(lin, 60), 60, thresholds=[0.2, 0.3, 0.4])
    t = dc.table
    assert np.all(t["net_benefit"] >= np.maximum(t["treat_all"], 0) - 0.005)


def test_smoothed_calibration_matches_r() -> None:
    import json
    from pathlib import Path

    ref = json.loads((Path(__file__).parents[1] / "reference" / "validate_rms.json").read_text())
    c = ref["calibration"]  # the R calls are in c["calls"]
    d = pd.DataFrame({"time": c["time"], "event": c["event"]})
    cal = lp.calibration(np.asarray(c["predicted_survival"]), d, time_point=c["time_point"])
    assert np.allclose(cal.knots, c["knots"], rtol=1e-12)
    assert np.allclose(cal.patients["observed"], c["observed_risk"], atol=1e-9)
    assert cal.ici == pytest.approx(c["ici"], rel=1e-7)
    assert cal.e50 == pytest.approx(c["e50"], rel=1e-7)
    assert cal.e90 == pytest.approx(c["e90"], rel=1e-7)
    assert cal.slope == pytest.approx(c["slope"], abs=1e-6)
    s = cal.smooth
    assert np.all((s["lower"] <= s["observed"] + 1e-12) & (s["observed"] <= s["upper"] + 1e-12))


def test_hazard_regression_smoother(sim) -> None:
    d, lin = sim
    good = lp.calibration(_true_surv(lin, 60), d, time_point=60, method="hazard")
    assert good.ici < 0.02 and "hazard regression" in good.method
    bad = lp.calibration(_true_surv(2 * lin, 60), d, time_point=60, method="hazard")
    assert bad.ici > 0.05
    rcs = lp.calibration(_true_surv(2 * lin, 60), d, time_point=60, method="rcs")
    assert bad.ici == pytest.approx(rcs.ici, abs=0.01)  # Austin et al.: the two agree
    assert bad.slope == rcs.slope and bad.oe == rcs.oe  # smoother-independent statistics


def test_missing_covariates_of_a_model_are_reported() -> None:
    d, _ = _weibull(800, 9)
    fit = lp.fit_cox(d, ["x1", "x2"])
    d.loc[d.index[:40], "x1"] = np.nan
    cal = lp.calibration(fit, d, time_point=60)
    assert cal.n == 760 and cal.n_dropped == 40
    assert cal.dropped["column"].unique().tolist() == ["x1"]  # once, under the covariate
    assert "40 rows left out" in repr(cal)
    assert cal.table["n"].sum() == 760
