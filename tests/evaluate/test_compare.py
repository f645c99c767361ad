"""compare_models: every model scored on the same rows and the same bootstrap replicates, with
the package's own concordance, brier_score and calibration."""

from __future__ import annotations

import warnings
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.evaluate.compare import METRICS, ComparisonResult, compare_models
from lms_prognosis.exceptions import LMSPrognosisError, ModelError

COVS = ["age", "size_cm", "grade"]
B = 6


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return lp.load_synthetic().data


@pytest.fixture(scope="module")
def result(cohort: pd.DataFrame) -> ComparisonResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = {
            "cox": COVS,
            "penalised": lp.fit_cox(cohort, COVS, penalty="ridge", alpha=0.05),
            "parametric": lp.fit_parametric(cohort, COVS, distribution="weibull"),
            "forest": lambda d: lp.fit_forest(d, COVS, n_trees=20, seed=1),
        }
        return compare_models(models, cohort, time_point=60, n_bootstrap=B, seed=7)


def s60(model: Any, data: pd.DataFrame) -> np.ndarray:
    return model.predict_survival(data, [60])["surv"].to_numpy()


def test_table_shape(result: ComparisonResult) -> None:
    assert list(result.summary.index) == ["cox", "penalised", "parametric", "forest"]
    assert list(result.summary.columns) == list(METRICS)
    assert (result.table["n_bootstrap"] == B).all() and result.n_failed == 0
    t = result.table
    np.testing.assert_allclose(t["corrected"], t["apparent"] - t["optimism"])
    assert "forest" in repr(result)


def test_apparent_metrics_are_the_package_functions(
    cohort: pd.DataFrame, result: ComparisonResult
) -> None:
    cox = lp.fit_cox(cohort, COVS)
    s = s60(cox, cohort)
    row = result.table[result.table["model"] == "cox"].set_index("metric")["apparent"]
    assert row["c"] == pytest.approx(lp.concordance(cohort, cox).c, abs=1e-12)
    assert row["brier"] == pytest.approx(lp.brier_score(cohort, cox, 60).table["brier"][0])
    cal = lp.calibration(s, cohort, time_point=60)
    assert row["slope"] == pytest.approx(cal.slope) and row["ici"] == pytest.approx(cal.ici)
    assert row["slope"] == pytest.approx(1.0, abs=1e-6)  # a Cox model on its own data
    assert result.calibrations["cox"].ici == pytest.approx(cal.ici)


def test_optimism_from_the_same_replicates(cohort: pd.DataFrame, result: ComparisonResult) -> None:
    reps = result.replicates
    per_model = reps.groupby("model")["replicate"].apply(lambda r: sorted(set(r)))
    assert all(v == list(range(B)) for v in per_model)
    # replicate 2 by hand: the seed's third child draws the sample, every model uses it
    ss = np.random.SeedSequence(7).spawn(B)[2]
    idx = np.random.default_rng(ss).integers(0, len(cohort), size=len(cohort))
    boot = cohort.iloc[idx].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cox = lp.fit_cox(boot, COVS)
        weib = lp.fit_parametric(boot, COVS, distribution="weibull")
    for name, model in (("cox", cox), ("parametric", weib)):
        r = reps[(reps["replicate"] == 2) & (reps["model"] == name)].set_index("metric")
        assert r.loc["c", "training"] == pytest.approx(
            lp.concordance(boot, 1 - s60(model, boot)).c, abs=1e-12
        )
        assert r.loc["c", "test"] == pytest.approx(
            lp.concordance(cohort, 1 - s60(model, cohort)).c, abs=1e-12
        )
        assert r.loc["brier", "test"] == pytest.approx(
            lp.brier_score(cohort, s60(model, cohort), 60).table["brier"][0]
        )
    opt = reps[(reps["model"] == "cox") & (reps["metric"] == "c")]
    got = result.table.query("model == 'cox' and metric == 'c'")["optimism"].iloc[0]
    assert got == pytest.approx((opt["training"] - opt["test"]).mean())


def test_seeded_and_same_for_any_n_jobs(cohort: pd.DataFrame) -> None:
    models = {"a": ["age", "grade"], "b": ["size_cm"]}
    one = compare_models(models, cohort, n_bootstrap=4, seed=3)
    two = compare_models(models, cohort, n_bootstrap=4, seed=3, n_jobs=2)
    pd.testing.assert_frame_equal(one.table, two.table)
    other = compare_models(models, cohort, n_bootstrap=4, seed=4)
    assert not one.table["corrected"].equals(other.table["corrected"])


def test_failed_replicate_left_out_for_every_model(cohort: pd.DataFrame) -> None:
    calls = {"n": 0}

    def flaky(d: pd.DataFrame) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:  # 1 = apparent fit, 2 = replicate 0, 3 = replicate 1
            raise ModelError("did not converge")
        return lp.fit_cox(d, ["age"])

    res = compare_models({"flaky": flaky, "cox": ["grade"]}, cohort, n_bootstrap=3, seed=1)
    assert res.n_failed == 1 and (res.table["n_bootstrap"] == 2).all()
    assert 1 not in set(res.replicates["replicate"])


def test_rows_missing_for_any_model_are_left_out_for_all(cohort: pd.DataFrame) -> None:
    df = cohort.copy()
    df.loc[[2, 5], "size_cm"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compare_models({"a": ["age"], "b": ["size_cm"]}, df, n_bootstrap=2)
    assert res.n == len(df) - 2 and sorted(set(res.dropped["row"])) == [2, 5]
    assert res.models["a"].n == len(df) - 2


def test_calibration_plot(result: ComparisonResult, tmp_path: Any) -> None:
    out = lp.plot_calibration(result.calibrations["forest"])
    fig = getattr(out, "figure", None) or out.fig  # type: ignore[attr-defined]
    fig.savefig(tmp_path / "cal.png")
    assert (tmp_path / "cal.png").stat().st_size > 1000


def test_bad_specs(cohort: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="model 'x'"):
        compare_models({"x": 3}, cohort)
    with pytest.raises(LMSPrognosisError, match="at least one model"):
        compare_models({}, cohort)
    with pytest.raises(LMSPrognosisError, match="predict_survival"):
        compare_models({"x": lambda d: object()}, cohort, n_bootstrap=1)
