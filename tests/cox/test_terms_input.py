"""fit_cox terms, weights, clusters and (start, stop]: bad input gets a clear error naming the
term or the rows; terms are parsed once, in R's order; knots are kept for new data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.cox.design import build_terms, design_matrix
from lms_prognosis.cox.fit import fit_cox
from lms_prognosis.exceptions import ColumnNotFoundError, CoxError, SurvivalDataError


@pytest.fixture
def df() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 120
    age = rng.normal(60, 10, n).round(1)
    grade = rng.choice(["1", "2", "3"], n)
    t = rng.exponential(50 * np.exp(-0.03 * (age - 60)), n)
    c = rng.uniform(10, 100, n)
    return pd.DataFrame(
        {
            "time": np.minimum(t, c).round(2),
            "event": (t <= c).astype(int),
            "age": age,
            "grade": grade,
            "size_cm": rng.uniform(1, 25, n).round(1),
            "deep": rng.random(n) < 0.5,
            "binary": rng.integers(0, 2, n).astype(float),
            "centre": rng.integers(0, 8, n),
            "w": rng.uniform(0.5, 2, n),
        }
    )


def test_interaction_with_a_missing_column_names_the_term(df):
    with pytest.raises(ColumnNotFoundError, match=r"term 'age:grde'.*'grde'.*did you mean 'grade'"):
        fit_cox(df, ["age", "age:grde"])


def test_spline_of_a_binary_column_is_refused(df):
    with pytest.raises(CoxError, match=r"ns\(binary, df=3\).*binary"):
        fit_cox(df, ["ns(binary, df=3)"])
    with pytest.raises(CoxError, match=r"rcs\(deep, 4\).*not numeric"):
        fit_cox(df, ["rcs(deep, 4)"])


def test_unknown_function_and_bad_df(df):
    with pytest.raises(CoxError, match="not a known term function"):
        fit_cox(df, ["log(age)"])
    with pytest.raises(CoxError, match="at least 3 knots"):
        fit_cox(df, ["rcs(age, 2)"])


def test_negative_or_missing_weights_name_the_rows(df):
    bad = df.copy()
    bad.loc[5, "w"] = -1.0
    with pytest.raises(SurvivalDataError, match=r"weights.*\[5\]"):
        fit_cox(bad, ["age"], weights="w")
    bad = df.copy()
    bad.loc[[3, 9], "w"] = np.nan
    with pytest.raises(CoxError, match=r"weights column 'w' is missing in 2 row\(s\).*\[3, 9\]"):
        fit_cox(bad, ["age"], weights="w")
    bad = df.copy()
    bad.loc[7, "w"] = 0.0  # R: "Invalid weights, must be >0"
    with pytest.raises(CoxError, match=r"is 0 in 1 row\(s\).*\[7\].*> 0"):
        fit_cox(bad, ["age"], weights="w")


def test_start_not_before_stop_names_the_row(df):
    d = df.assign(start=0.0)
    d.loc[4, "start"] = d.loc[4, "time"]
    with pytest.raises(SurvivalDataError, match=r"start.*\[4\].*start < stop"):
        fit_cox(d, ["age"], start="start")


def test_clusters_of_one_are_refused(df):
    with pytest.raises(CoxError, match="clusters of one"):
        fit_cox(df.assign(pid=np.arange(len(df))), ["age"], cluster="pid")


def test_star_expands_in_r_order_and_refits_identically(df):
    fit = fit_cox(df, ["age*grade", "size_cm"])
    assert fit.covariates == ["age", "grade", "size_cm", "age:grade"]
    again = fit_cox(df, fit.covariates)
    np.testing.assert_array_equal(fit.coef.to_numpy(), again.coef.to_numpy())
    assert list(fit.coef.index[-2:]) == ["age:grade[2]", "age:grade[3]"]


def test_duplicate_terms_are_one(df):
    terms = build_terms(df, ["age", "age*grade", "grade:age"], df.columns)
    assert [t.covariate for t in terms] == ["age", "grade", "age:grade"]


def test_knots_are_kept_for_new_data(df):
    fit = fit_cox(df, ["ns(size_cm, df=3)"])
    part = fit._design.terms[0].composite.parts[0]
    inner, bound = part.knots
    np.testing.assert_allclose(bound, [df.size_cm.min(), df.size_cm.max()])
    np.testing.assert_allclose(inner, np.quantile(df.size_cm, [1 / 3, 2 / 3]))
    # one new patient alone gets the fitted basis, not knots of its own
    one = fit.predict_risk(df.iloc[[0]])["linear_predictor"].iloc[0]
    all_rows = fit.predict_risk(df)["linear_predictor"].iloc[0]
    assert one == pytest.approx(all_rows, abs=1e-12)


def test_plain_columns_keep_the_old_design(df):
    d1 = design_matrix(df, ["age", "grade", "deep"])
    assert d1.names == ["age", "grade[2]", "grade[3]", "deep"]
    assert all(t.composite is None for t in d1.terms)


def test_weighted_fit_equals_replicated_rows(df):
    """Integer case weights are frequency weights: with Breslow ties (Efron would treat the
    copies as tied events) the same fit as repeated rows."""
    d = df.assign(k=(np.arange(len(df)) % 3 + 1))
    fit_w = fit_cox(d, ["age", "grade"], weights="k", ties="breslow")
    rep = d.loc[d.index.repeat(d["k"])].reset_index(drop=True)
    fit_r = fit_cox(rep, ["age", "grade"], ties="breslow")
    np.testing.assert_allclose(fit_w.coef, fit_r.coef, rtol=1e-9)
    np.testing.assert_allclose(fit_w.vcov, fit_r.vcov, rtol=1e-8)
    assert not fit_w.robust


def test_start_zero_equals_right_censored(df):
    fit_s = fit_cox(df.assign(s=-1.0), ["age", "grade"], start="s")
    fit_0 = fit_cox(df, ["age", "grade"])
    np.testing.assert_allclose(fit_s.coef, fit_0.coef, rtol=1e-9)
    np.testing.assert_allclose(fit_s.loglik, fit_0.loglik, rtol=1e-10)


def test_split_intervals_give_the_same_fit(df):
    """Cutting follow-up into (start, stop] pieces does not change a Cox fit."""
    rows = []
    for _, r in df.iterrows():
        cut = r["time"] / 2
        rows.append({**r, "start": 0.0, "time": cut, "event": 0})
        rows.append({**r, "start": cut, "time": r["time"]})
    split = pd.DataFrame(rows).assign(pid=np.repeat(np.arange(len(df)), 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_s = fit_cox(split, ["age", "grade"], start="start", cluster="pid")
    fit_0 = fit_cox(df, ["age", "grade"])
    np.testing.assert_allclose(fit_s.coef, fit_0.coef, rtol=1e-8)
    np.testing.assert_allclose(
        fit_s.hazard_ratios["naive_se"], fit_0.hazard_ratios["se"], rtol=1e-7
    )


def test_data_keeps_start_weights_and_cluster(df):
    d = df.assign(s=-1.0)
    fit = fit_cox(d, ["ns(age, df=2)"], start="s", weights="w", cluster="centre")
    assert {"time", "event", "s", "w", "centre", "age"} <= set(fit.data.columns)
    d.loc[0, "w"] = 99.0  # the result keeps copies
    assert fit.data["w"].iloc[0] == df["w"].iloc[0]
    refit = fit_cox(fit.data, fit.covariates, start="s", weights="w", cluster="centre")
    np.testing.assert_allclose(refit.coef, fit.coef, rtol=1e-12)


def test_equal_weights_change_only_the_variance(df):
    """All weights 2 (integers: frequency weights, R keeps the model variance): the same
    estimate, half the variance, twice the log-likelihood."""
    fit_1 = fit_cox(df, ["age", "grade"])
    fit_2 = fit_cox(df.assign(two=2), ["age", "grade"], weights="two")
    np.testing.assert_allclose(fit_2.coef, fit_1.coef, rtol=1e-9)
    np.testing.assert_allclose(fit_2.vcov, fit_1.vcov / 2, rtol=1e-9)
    np.testing.assert_allclose(
        fit_2.loglik[1] - fit_2.loglik[0], 2 * (fit_1.loglik[1] - fit_1.loglik[0]), rtol=1e-9
    )
    assert not fit_2.robust


def test_split_intervals_keep_the_cluster_robust_se(df):
    """A patient's score residual is the sum over its intervals, so splitting follow-up into
    (start, stop] pieces leaves the centre-clustered robust variance unchanged."""
    from lms_prognosis.cox._robust import score_residuals

    rows = []
    for _, r in df.iterrows():
        cut = r["time"] / 3
        rows.append({**r, "start": 0.0, "time": cut, "event": 0})
        rows.append({**r, "start": cut, "time": r["time"]})
    split = pd.DataFrame(rows)
    fit_s = fit_cox(split, ["age", "grade"], start="start", cluster="centre")
    fit_0 = fit_cox(df, ["age", "grade"], cluster="centre")
    np.testing.assert_allclose(fit_s.vcov, fit_0.vcov, rtol=1e-7)
    resid = score_residuals(fit_0._prep, fit_0._beta)
    np.testing.assert_allclose(resid.sum(axis=0), 0.0, atol=1e-8)  # the score at the MLE
