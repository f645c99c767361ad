"""Bootstrap validation against R rms::validate (tests/reference/validate_rms.R) and
external validation of a published model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp

REFDIR = Path(__file__).parents[1] / "reference"
RMS = json.loads((REFDIR / "validate_rms.json").read_text())
COVS = ["age", "sex", "ph.ecog"]


@pytest.fixture(scope="module")
def lung() -> pd.DataFrame:
    d = pd.read_csv(REFDIR / "data" / "lung.csv")
    return d.dropna(subset=["time", "event", *COVS]).reset_index(drop=True)


@pytest.fixture(scope="module")
def lung_validation(lung):
    return lp.validate(
        COVS, lung, n_bootstrap=200, seed=1, metrics=("c", "dxy", "slope"), progress=False
    )


def _band(values: list[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    widen = 0.5 * (hi - lo)  # "slightly": half the spread of R's 10 seeds on each side
    return lo - widen, hi + widen


def test_apparent_dxy_equals_rms(lung_validation) -> None:
    # R: cph(Surv(time, event) ~ age + sex + ph.ecog, x=TRUE, y=TRUE, surv=TRUE);
    #    validate(fit, B = 200, dxy = TRUE)["Dxy", "index.orig"]
    ref = RMS["runs"][0]["Dxy"]["index.orig"]
    t = lung_validation.table.set_index("metric")
    assert t.loc["dxy", "apparent"] == pytest.approx(ref, abs=1e-9)
    assert t.loc["c", "apparent"] == pytest.approx((1 + ref) / 2, abs=1e-9)
    assert t.loc["slope", "apparent"] == 1.0


def test_corrected_inside_rms_spread(lung_validation) -> None:
    t = lung_validation.table.set_index("metric")
    dxy = [r["Dxy"]["index.corrected"] for r in RMS["runs"]]  # R calls in r["call"]
    lo, hi = _band(dxy)
    assert lo <= t.loc["dxy", "corrected"] <= hi
    assert (1 + lo) / 2 <= t.loc["c", "corrected"] <= (1 + hi) / 2
    slope = [r["Slope"]["index.corrected"] for r in RMS["runs"]]
    lo, hi = _band(slope)
    assert lo <= t.loc["slope", "corrected"] <= hi
    assert t.loc["dxy", "optimism"] > 0
    assert t.loc["dxy", "n_bootstrap"] == 200 and lung_validation.n_failed == 0


def test_seeded_and_same_for_any_n_jobs(lung, monkeypatch) -> None:
    from lms_prognosis.evaluate import _validation

    monkeypatch.setattr(_validation, "PARALLEL_MIN_WORK", 0)  # force the worker processes
    a = lp.validate(COVS, lung, n_bootstrap=6, seed=7, metrics=("c", "slope"), progress=False)
    b = lp.validate(
        COVS, lung, n_bootstrap=6, seed=7, metrics=("c", "slope"), progress=False, n_jobs=2
    )
    pd.testing.assert_frame_equal(a.table, b.table)
    c = lp.validate(COVS, lung, n_bootstrap=6, seed=8, metrics=("c", "slope"), progress=False)
    assert not np.allclose(a.table["test"], c.table["test"])


def test_bootstrap_refits_and_slopes_follow_r_rules(lung) -> None:
    """Each replicate's refit is coxph from the full-data estimate (R's convergence rule at
    eps 1e-7, no shortcut) and its test slope is coxph(Surv ~ lp) from 1 on all rows. Adding the
    last small Newton step without evaluating it (the old code) moves replicates 5, 8, 10, 11
    by up to 5e-7."""
    from lms_prognosis.cox import engine
    from lms_prognosis.cox.slope import calibration_slope

    res = lp.validate(COVS, lung, n_bootstrap=12, seed=5, metrics=("slope",), progress=False)
    t, e, x = lung["time"].to_numpy(float), lung["event"].to_numpy(), lung[COVS].to_numpy(float)
    n = len(t)
    beta0 = engine.newton_raphson(engine.prepare(t, e, x - x.mean(axis=0))).beta
    got = res.replicates.set_index("replicate")["test"]
    for b, ss in enumerate(np.random.SeedSequence(5).spawn(12)):  # 5, 8, 10, 11: shortcut differs
        idx = np.random.default_rng(ss).integers(0, n, size=n)
        means = x[idx].mean(axis=0)
        nr = engine.newton_raphson(engine.prepare(t[idx], e[idx], x[idx] - means), beta0, eps=1e-7)
        assert nr.converged and nr.iterations >= 2
        slope = calibration_slope(t, e, (x - means) @ nr.beta, init=1.0, eps=1e-7)
        assert got.loc[b] == pytest.approx(slope.slope, rel=1e-12)


def test_general_path_equals_fast_path(lung) -> None:
    fast = lp.validate(COVS, lung, n_bootstrap=5, seed=3, time_point=365, progress=False)
    fit = lp.fit_cox(lung, COVS)
    from_fit = lp.validate(fit, lung, n_bootstrap=5, seed=3, time_point=365, progress=False)
    pd.testing.assert_frame_equal(fast.table, from_fit.table)
    general = lp.validate(
        lambda d: lp.fit_cox(d, COVS), lung, n_bootstrap=5, seed=3, time_point=365, progress=False
    )
    assert np.allclose(general.table["corrected"], fast.table["corrected"], atol=1e-5)
    assert general.table.set_index("metric").loc["brier", "apparent"] > 0


def test_validate_errors(lung) -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        lp.validate(COVS, lung, n_bootstrap=2, metrics=("auc",), progress=False)
    with pytest.raises(TypeError, match="fit_fn"):
        lp.validate(42, lung, n_bootstrap=2, progress=False)
    res = lp.validate(COVS, lung, n_bootstrap=2, progress=False)  # brier needs time_point
    assert "brier" not in set(res.table["metric"])


def test_external_validation_of_a_published_model() -> None:
    cohort = lp.simulate_cohort(n=2000, seed=21)
    model = lp.published_model("lms_default")
    ext = lp.external_validation(model, cohort, time_point=60)
    tab = ext.table.set_index("statistic")
    assert {"C (Harrell)", "O/E", "calibration slope", "ICI", "E50", "E90"} <= set(tab.index)
    assert 0.55 < tab.loc["C (Harrell)", "value"] < 0.95
    assert ext.concordance.se > 0
    assert ext.calibration.table["n"].sum() == ext.calibration.n
    assert ext.recalibrated is not None
    assert ext.recalibrated.calibration_slope == pytest.approx(ext.calibration.slope, rel=1e-6)


def test_stratified_cox_result_is_refitted(lung) -> None:
    fit = lp.fit_cox(lung, ["age", "ph.ecog"], strata="sex")
    res = lp.validate(fit, lung, n_bootstrap=3, metrics=("c", "slope"), progress=False)
    assert res.method == "refit with fit_fn"
    assert res.table["n_bootstrap"].tolist() == [3, 3]


@pytest.mark.parametrize("how", ["covariates", "callable"])
def test_rows_with_missing_covariates_are_reported(how: str) -> None:
    # issue 11: validate used to drop these rows and say nothing
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"x": rng.normal(size=500), "z": rng.normal(size=500)})
    d["time"] = rng.exponential(np.exp(-d["x"]))
    d["event"] = (rng.uniform(size=500) < 0.8).astype(int)
    d.loc[d.index[::10], "z"] = np.nan
    fit_fn = ["x", "z"] if how == "covariates" else (lambda df: lp.fit_cox(df, ["x", "z"]))
    res = lp.validate(fit_fn, d, n_bootstrap=3, metrics=("c",), progress=False)
    assert res.n == 450
    assert res.dropped["row"].tolist() == d.index[::10].tolist()
    assert set(res.dropped["column"]) == {"z"}
    assert "50 rows left out" in repr(res)


def test_text_events_refused_not_index_error(lung) -> None:
    d = lung.assign(event=lung["event"].map({0: "alive", 1: "dead"}))
    with pytest.raises(lp.SurvivalDataError, match="text codes"):
        lp.validate(COVS, d, n_bootstrap=2, progress=False)


def test_bootstrap_refits_on_copies_equal_the_repeated_samples(lung, monkeypatch) -> None:
    """The fast path refits each bootstrap sample on the rows drawn with their counts as
    copies; refitting the sample's rows repeated (np.repeat) gives the same replicates, Brier
    score included (the refit's baseline hazard), to rounding."""
    from lms_prognosis.evaluate import _validation

    def repeated(job, counts):
        rows = np.repeat(np.arange(counts.size), counts)
        x, t, e = job["x"][rows], job["time"][rows], job["event"][rows]
        order = np.arange(rows.size)
        return _validation.fit_lp(x, t, e, job["efron"], _validation.BOOT_EPS, job["beta0"], order)

    kw = dict(n_bootstrap=8, seed=11, time_point=365, metrics=("c", "slope", "brier"))
    copies = lp.validate(COVS, lung, progress=False, **kw)
    monkeypatch.setattr(_validation, "refit_sample", repeated)
    expanded = lp.validate(COVS, lung, progress=False, **kw)
    a, b = copies.replicates, expanded.replicates
    pd.testing.assert_frame_equal(a[["replicate", "metric"]], b[["replicate", "metric"]])
    np.testing.assert_allclose(a[["training", "test"]], b[["training", "test"]], rtol=1e-9)
    assert set(a["metric"]) == {"c", "slope", "brier"}
