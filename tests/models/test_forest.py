"""Random survival forests (scikit-survival) in the package's contracts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis.exceptions import CoxError, ModelError
from lms_prognosis.models import ForestResult, fit_forest

COVS = ["age", "size_cm", "grade", "necrosis"]


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return lp.load_synthetic().data


@pytest.fixture(scope="module")
def forest(cohort: pd.DataFrame) -> ForestResult:
    return fit_forest(cohort, COVS, n_trees=40, seed=2)


def test_same_forest_for_any_n_jobs(cohort: pd.DataFrame, forest: ForestResult) -> None:
    other = fit_forest(cohort, COVS, n_trees=40, seed=2, n_jobs=2)
    a = forest.predict_survival(cohort, [12, 60, 120])
    b = other.predict_survival(cohort, [12, 60, 120])
    assert np.array_equal(a["surv"].to_numpy(), b["surv"].to_numpy())
    assert np.array_equal(forest.predict_risk(cohort)["risk"], other.predict_risk(cohort)["risk"])
    third = fit_forest(cohort, COVS, n_trees=40, seed=3)
    assert not np.array_equal(a["surv"], third.predict_survival(cohort, [12, 60, 120])["surv"])


def test_predict_survival_contract(cohort: pd.DataFrame, forest: ForestResult) -> None:
    new = cohort.head(2).set_index(pd.Index(["p", "q"]))
    out = forest.predict_survival(new, [0, 24, 60, 1000])
    assert list(out.columns) == ["patient", "time", "surv", "std_err", "lower", "upper", "cumhaz"]
    assert out["patient"].tolist() == ["p"] * 4 + ["q"] * 4
    assert out[["std_err", "lower", "upper"]].isna().all().all()
    s = out["surv"].to_numpy().reshape(2, 4)
    assert np.all(s[:, 0] == 1) and np.all(np.diff(s, axis=1) <= 0)
    # the forest's own step functions at an event time
    t = float(forest.event_times[10])
    mine = forest.predict_survival(new, [t])["surv"].to_numpy()
    x = forest._design.transform(new)  # type: ignore[union-attr]
    theirs = [fn(t) for fn in forest._forest.predict_survival_function(x)]
    np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-15)


def test_risk_orders_like_mortality(cohort: pd.DataFrame, forest: ForestResult) -> None:
    risk = forest.predict_risk(cohort.head(50))
    np.testing.assert_allclose(np.exp(risk["linear_predictor"]), risk["risk"])
    c = lp.concordance(cohort, forest.predict_risk(cohort)["risk"].to_numpy())
    assert c.c > 0.6  # apparent discrimination of a forest on its own data


def test_missing_rows_reported_and_new_levels_refused(cohort: pd.DataFrame) -> None:
    df = cohort.copy()
    df.loc[[1, 4], "age"] = np.nan
    fit = fit_forest(df, COVS, n_trees=10)
    assert fit.n == len(df) - 2 and sorted(fit.dropped["row"]) == [1, 4]
    out = fit.predict_survival(df.head(3), [60])
    assert np.isnan(out["surv"].iloc[1]) and not np.isnan(out["surv"].iloc[0])
    bad = cohort.head(1).assign(grade="9")
    with pytest.raises(CoxError):
        fit.predict_survival(bad, [60])


def test_no_events_and_refit(cohort: pd.DataFrame, forest: ForestResult) -> None:
    with pytest.raises(ModelError, match="no events"):
        fit_forest(cohort.assign(event=0), COVS)
    again = forest.refit(cohort.iloc[:200])
    assert again.n == 200 and again.settings == forest.settings
