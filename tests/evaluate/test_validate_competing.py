"""validate for competing-risk models: the apparent metrics are those of the evaluation
functions with cause=, and an overfitted model shows optimism."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp

COVS = ["age", "grade", "size_cm"]
TP = 60.0


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    d = lp.simulate_cohort(n=400, seed=3, competing_risks=True).data.copy()
    assert set(d["event"]) == {0, 1, 2}
    d.loc[[5, 9], "size_cm"] = np.nan  # left out and reported
    return d


@pytest.fixture(scope="module")
def fits(cohort):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "fine_gray": lp.fit_fine_gray(cohort, COVS),
            "cause_specific": lp.fit_cause_specific(cohort, COVS),
        }


@pytest.mark.parametrize("kind", ["fine_gray", "cause_specific"])
def test_apparent_equals_the_evaluation_functions(cohort, fits, kind) -> None:
    fit = fits[kind]
    metrics = ("c", "dxy", "brier", "ici", "e50", "e90", "oe")
    res = lp.validate(
        fit, cohort, n_bootstrap=4, seed=1, time_point=TP, metrics=metrics, progress=False
    )
    app = res.table.set_index("metric")["apparent"]
    c = lp.concordance(cohort, fit, cause=1, tau=TP).c
    brier = lp.brier_score(cohort, fit, TP, cause=1).table["brier"].iloc[0]
    cal = lp.calibration(fit, cohort, TP, cause=1)
    assert app["c"] == pytest.approx(c, abs=1e-12)
    assert app["dxy"] == pytest.approx(2 * c - 1, abs=1e-12)
    assert app["brier"] == pytest.approx(brier, abs=1e-12)
    for m in ("ici", "e50", "e90", "oe"):
        assert app[m] == pytest.approx(getattr(cal, m), abs=1e-12)
    assert res.cause == 1 and res.n == len(cohort) - 2
    assert sorted(res.dropped["row"]) == [5, 9]
    assert res.n_failed == 0 and (res.table["n_bootstrap"] == 4).all()


def test_cause_specific_point_estimate_is_predict_cif(cohort, fits) -> None:
    from lms_prognosis.evaluate._validation_cr import predict_cif_at

    cs = fits["cause_specific"]
    d = cohort.dropna(subset=COVS).head(40)
    for k in (1, 2):
        want = cs.predict_cif(d, [TP]).query("cause == @k")["cif"].to_numpy()
        assert np.allclose(predict_cif_at(cs, d, TP, k), want, rtol=0, atol=1e-13)


def test_covariates_with_cause_refit_fine_gray(cohort, fits) -> None:
    kw = {"n_bootstrap": 5, "seed": 2, "time_point": TP, "progress": False}
    by_list = lp.validate(COVS, cohort, cause=1, **kw)
    by_fit = lp.validate(fits["fine_gray"], cohort, **kw)
    by_fn = lp.validate(lambda d: lp.fit_fine_gray(d, COVS), cohort, **kw)
    pd.testing.assert_frame_equal(by_list.table, by_fit.table)
    pd.testing.assert_frame_equal(by_list.table, by_fn.table)
    assert "Fine-Gray" in by_list.method


def test_overfitted_model_is_optimistic() -> None:
    rng = np.random.default_rng(5)
    d = lp.simulate_cohort(n=150, seed=8, competing_risks=True).data.copy()
    noise = [f"z{j}" for j in range(12)]
    for z in noise:
        d[z] = rng.normal(size=len(d))
    res = lp.validate(
        ["age", "size_cm", *noise],
        d,
        cause=1,
        n_bootstrap=25,
        seed=3,
        time_point=48,
        progress=False,
    )
    t = res.table.set_index("metric")
    assert t.loc["c", "optimism"] > 0.02  # training C above test C
    assert t.loc["brier", "optimism"] < 0  # training Brier below (better than) test
    assert t.loc["ici", "optimism"] < 0  # better calibrated where fitted
    assert t.loc["c", "corrected"] < t.loc["c", "apparent"]


def test_same_for_any_n_jobs(cohort, monkeypatch) -> None:
    from lms_prognosis.evaluate import _validation

    monkeypatch.setattr(_validation, "PARALLEL_MIN_WORK", 0)
    kw = {"n_bootstrap": 4, "seed": 9, "time_point": TP, "progress": False, "cause": 1}
    a = lp.validate(COVS, cohort, n_jobs=1, **kw)
    b = lp.validate(COVS, cohort, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_competing_errors(cohort, fits) -> None:
    with pytest.raises(ValueError, match="time_point"):
        lp.validate(fits["fine_gray"], cohort, n_bootstrap=2, progress=False)
    with pytest.raises(ValueError, match="unknown metric"):
        lp.validate(
            fits["fine_gray"],
            cohort,
            n_bootstrap=2,
            time_point=TP,
            metrics=("slope",),
            progress=False,
        )
    with pytest.raises(ValueError, match="cause=2"):
        lp.validate(
            fits["fine_gray"], cohort, n_bootstrap=2, time_point=TP, cause=2, progress=False
        )
    with pytest.raises(ValueError, match="cause"):
        lp.validate(COVS, cohort, n_bootstrap=2, time_point=TP, cause=3, progress=False)
