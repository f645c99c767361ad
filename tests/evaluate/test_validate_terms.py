"""validate with formula terms (splines), case weights and clusters: the rows left out and the
refits follow fit_cox."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 300
    age = rng.normal(62, 12, n).round()
    x = rng.normal(size=n)
    lin = 0.0008 * (age - 62) ** 2 + 0.5 * x
    t = rng.exponential(40 * np.exp(-lin))
    c = rng.uniform(10, 80, n)
    d = pd.DataFrame(
        {
            "time": np.minimum(t, c).round(2),
            "event": (t <= c).astype(int),
            "age": age,
            "x": x,
            "w": rng.choice([1.0, 2.0, 3.0], n),
            "centre": rng.integers(0, 15, n),
        }
    )
    d.loc[[3, 17, 41], "age"] = np.nan
    return d


def test_spline_drops_rows_missing_its_variable(cohort) -> None:
    covs = ["rcs(age, 4)", "x"]
    res = lp.validate(covs, cohort, n_bootstrap=5, seed=2, metrics=("c",), progress=False)
    assert res.n == len(cohort) - 3
    assert sorted(res.dropped["row"].tolist()) == [3, 17, 41]
    assert set(res.dropped["column"]) == {"age"}
    fit = lp.fit_cox(cohort, covs)
    apparent = res.table.set_index("metric").loc["c", "apparent"]
    assert apparent == pytest.approx(fit.concordance, abs=1e-9)
    # the fitted model takes the same fast path
    again = lp.validate(fit, cohort, n_bootstrap=5, seed=2, metrics=("c",), progress=False)
    pd.testing.assert_frame_equal(res.table, again.table)


def test_general_path_reports_the_spline_variable(cohort) -> None:
    res = lp.validate(
        lambda d: lp.fit_cox(d, ["rcs(age, 4)", "x"]),
        cohort,
        n_bootstrap=3,
        seed=2,
        metrics=("c",),
        progress=False,
    )
    assert res.n == len(cohort) - 3 and set(res.dropped["column"]) == {"age"}


def test_weighted_fit_is_refitted_with_its_weights(cohort) -> None:
    d = cohort.dropna().reset_index(drop=True)
    covs = ["age", "x"]
    fit = lp.fit_cox(d, covs, weights="w", cluster="centre")
    kw = {"n_bootstrap": 6, "seed": 4, "metrics": ("c", "slope"), "progress": False}
    res = lp.validate(fit, d, **kw)
    by_hand = lp.validate(
        lambda df: lp.fit_cox(df, covs, weights="w", cluster="centre"), d, **kw
    )
    pd.testing.assert_frame_equal(res.table, by_hand.table)
    plain = lp.validate(covs, d, **kw)
    assert not np.allclose(res.replicates["test"], plain.replicates["test"])
    apparent = res.table.set_index("metric").loc["c", "apparent"]
    lin = fit.predict_risk(d)["linear_predictor"]
    assert apparent == pytest.approx(lp.concordance(d, lin.to_numpy()).c, abs=1e-12)
