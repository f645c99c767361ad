"""Issue 16, item 1: a simulation study gives the same replicates here, on joblib workers and on
a 2-worker dask.distributed LocalCluster, for one seed; it recovers a known truth."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis._parallel import run_tasks
from lms_prognosis.exceptions import LMSPrognosisError


def mean_and_rejection(rng: np.random.Generator, n: int, shift: float) -> dict[str, float]:
    """The mean of n N(shift, 1) draws and whether a two-sided z-test rejects mean 0."""
    x = rng.normal(shift, 1.0, n)
    z = x.mean() * math.sqrt(n)
    return {"mean": float(x.mean()), "reject": float(abs(z) > 1.959963984540054)}


def cox_power(rng: np.random.Generator, n: int) -> dict[str, float]:
    """One replicate of a small power study through the package itself."""
    cohort = lp.simulate_cohort(n, seed=int(rng.integers(2**31)))
    fit = lp.fit_cox(cohort.data, ["age", "grade"])
    p = fit.hazard_ratios.set_index("term").loc["grade[3]", "p"]
    return {"reject": float(p < 0.05), "events": float(fit.n_events)}


SCENARIOS = {"null": {"n": 40, "shift": 0.0}, "shift": {"n": 40, "shift": 0.5}}


def test_it_recovers_the_truth_within_monte_carlo_error() -> None:
    res = lp.simulation_study(SCENARIOS, 400, mean_and_rejection, seed=7)
    tab = res.table.set_index("scenario")
    assert (tab["n_rep"] == 400).all() and (tab["n_failed"] == 0).all()
    for name, shift in (("null", 0.0), ("shift", 0.5)):
        assert abs(tab.loc[name, "mean_mean"] - shift) < 4 * tab.loc[name, "mean_mcse"]
    # type I error 0.05 and power 1 - Phi(1.96 - 0.5 sqrt(40)) = 0.885 (z-test, known SD)
    assert abs(tab.loc["null", "reject_mean"] - 0.05) < 4 * math.sqrt(0.05 * 0.95 / 400)
    assert abs(tab.loc["shift", "reject_mean"] - 0.885) < 4 * math.sqrt(0.885 * 0.115 / 400)
    assert res.table["mean_sd"].iloc[0] == pytest.approx(1 / math.sqrt(40), rel=0.15)


def test_same_seed_same_replicates_for_any_n_jobs() -> None:
    one = lp.simulation_study(SCENARIOS, 20, mean_and_rejection, seed=3, n_jobs=1)
    two = lp.simulation_study(SCENARIOS, 20, mean_and_rejection, seed=3, n_jobs=2)
    pd.testing.assert_frame_equal(one.replicates, two.replicates)
    other = lp.simulation_study(SCENARIOS, 20, mean_and_rejection, seed=4)
    assert not one.replicates["mean"].equals(other.replicates["mean"])


def test_more_replicates_and_scenarios_leave_earlier_draws_alone() -> None:
    small = lp.simulation_study({"null": SCENARIOS["null"]}, 10, mean_and_rejection, seed=5)
    big = lp.simulation_study(SCENARIOS, 30, mean_and_rejection, seed=5)
    first = big.replicates[big.replicates["scenario"] == "null"].head(10).reset_index(drop=True)
    pd.testing.assert_frame_equal(small.replicates, first)


def test_dask_local_cluster_gives_identical_results() -> None:
    distributed = pytest.importorskip("distributed", reason="the 'cluster' extra (in dev)")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        on_dask = lp.simulation_study({"n=300": {"n": 300}}, 4, cox_power, seed=11, backend="dask")
        assert run_tasks(abs, [-2, 3, -5], backend="dask") == [2, 3, 5]
    here = lp.simulation_study({"n=300": {"n": 300}}, 4, cox_power, seed=11, n_jobs=1)
    pd.testing.assert_frame_equal(on_dask.replicates, here.replicates)
    assert on_dask.replicates["events"].gt(10).all()


def test_dask_without_a_client_says_how_to_start_one() -> None:
    pytest.importorskip("distributed", reason="the 'cluster' extra (in dev)")
    with pytest.raises(LMSPrognosisError, match="Client\\(\\)"):
        run_tasks(abs, [1, 2], backend="dask")


def failing(rng: np.random.Generator, n: int) -> dict[str, float]:
    if rng.random() < 0.5:
        raise ValueError("no events")
    return {"x": float(n)}


def test_a_failing_replicate_is_counted_not_fatal() -> None:
    res = lp.simulation_study([{"n": 5}], 40, failing, seed=2)
    row = res.table.iloc[0]
    assert 0 < row["n_failed"] < 40 and row["x_mean"] == 5.0
    assert set(res.replicates.loc[res.replicates["error"] != "", "error"]) == {
        "ValueError: no events"
    }


def test_bad_arguments() -> None:
    with pytest.raises(LMSPrognosisError, match="n_rep must be >= 1"):
        lp.simulation_study(SCENARIOS, 0, mean_and_rejection)
    with pytest.raises(LMSPrognosisError, match="scenarios must be"):
        lp.simulation_study(3, 2, mean_and_rejection)
    with pytest.raises(LMSPrognosisError, match="backend must be one of"):
        run_tasks(abs, [1], backend="spark")


def test_imputation_chains_on_dask_equal_the_chains_here() -> None:
    distributed = pytest.importorskip("distributed", reason="the 'cluster' extra (in dev)")
    df = lp.load_synthetic().data.copy()
    df.loc[df.index[::4], "aneuploidy"] = None
    covs = ["age", "grade", "aneuploidy"]
    here = lp.impute(df, m=2, seed=9, covariates=covs)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        there = lp.impute(df, m=2, seed=9, covariates=covs, backend="dask")
    for a, b in zip(here.datasets, there.datasets, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert here.datasets[0]["aneuploidy"].notna().all()


def test_validate_and_power_on_dask_equal_the_results_here() -> None:
    distributed = pytest.importorskip("distributed", reason="the 'cluster' extra (in dev)")
    df = lp.load_synthetic().data
    covs = ["age", "grade", "vascular_invasion"]
    here = lp.validate(covs, df, n_bootstrap=12, seed=4, progress=False)
    power_here = lp.power_simulation(2.0, n_patients=[150], n_sim=4, n_jobs=1, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        there = lp.validate(covs, df, n_bootstrap=12, seed=4, progress=False, backend="dask")
        power_there = lp.power_simulation(
            2.0, n_patients=[150], n_sim=4, progress=False, backend="dask"
        )
    pd.testing.assert_frame_equal(here.table, there.table)
    pd.testing.assert_frame_equal(power_here, power_there)


def test_compare_models_on_dask_equals_the_comparison_here() -> None:
    distributed = pytest.importorskip("distributed", reason="the 'cluster' extra (in dev)")
    df = lp.load_synthetic().data
    models = {"small": ["age", "grade"], "large": ["age", "grade", "size_cm"]}
    here = lp.compare_models(models, df, time_point=36, n_bootstrap=4, seed=2)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        there = lp.compare_models(models, df, time_point=36, n_bootstrap=4, seed=2, backend="dask")
    pd.testing.assert_frame_equal(here.table, there.table)
