"""fit_cox under the package's one contract (issue 11): the same bad input gets the same answer
as every other entry point (lms_prognosis._survdata.survival_data), results own their data, and
cox.concordance equals lp.concordance of the same linear predictor on near-tied times."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
from lms_prognosis._results import DROPPED_COLUMNS
from lms_prognosis._survdata import survival_data
from lms_prognosis.cox.engine import loglik_derivs
from lms_prognosis.cox.fit import fit_cox
from lms_prognosis.exceptions import CoxWarning, SurvivalDataError


def _toy(n=200, seed=11):
    rng = np.random.default_rng(seed)
    age = rng.normal(60, 10, n)
    grade = rng.choice(["1", "2", "3"], n)
    t = rng.exponential(50 * np.exp(-0.03 * (age - 60) - 0.6 * (grade == "3")))
    c = rng.exponential(80, n)
    return pd.DataFrame(
        {
            "time": np.round(np.minimum(t, c), 1),
            "event": (t <= c).astype(int),
            "age": age,
            "grade": pd.Categorical(grade, categories=["1", "2", "3"]),
            "centre": rng.choice(["A", "B"], n),
        }
    )


def _fit(df, covs=("age", "grade"), **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoxWarning)
        return fit_cox(df, list(covs), **kw)


# ---- refusals: the same exception and message as survival_data --------------------------------


@pytest.mark.parametrize("bad", ["r_status", "text", "code7", "negative", "infinite"])
def test_bad_input_refused_like_every_entry_point(bad):
    df = _toy()
    if bad == "r_status":
        df["event"] = df["event"] + 1
    elif bad == "text":
        df["event"] = np.where(df["event"] == 1, "dead", "alive")
    elif bad == "code7":
        df.loc[5, "event"] = 7
    elif bad == "negative":
        df.loc[5, "time"] = -1.0
    else:
        df.loc[5, "time"] = np.inf
    with pytest.raises(SurvivalDataError) as ours:
        fit_cox(df, ["age", "grade"])
    with pytest.raises(SurvivalDataError) as check:
        survival_data(df, covariates=["age", "grade"])
    assert str(ours.value) == str(check.value)
    if bad == "r_status":  # the message gives the fix
        assert "{1: 0, 2: 1}" in str(ours.value)


def test_r_status_no_longer_flips_the_sign():
    """Issue 11: with R's 1/2 status fit_cox used to run and flip the coefficient's sign."""
    df = _toy()
    with pytest.raises(SurvivalDataError, match="R's Surv status"):
        fit_cox(df.assign(event=df["event"] + 1), ["age"])
    recoded = df.assign(event=(df["event"] + 1).map({1: 0, 2: 1}))
    assert _fit(recoded, ["age"]).coef["age"] == _fit(df, ["age"]).coef["age"]


@pytest.mark.parametrize("column", ["time", "event", "age", "grade", "centre"])
def test_missing_values_left_out_and_reported(column):
    df = _toy()
    df[column] = df[column].astype(object) if column == "event" else df[column]
    df.loc[[4, 9], column] = np.nan
    strata = "centre" if column == "centre" else None
    with pytest.warns(CoxWarning, match="2 of 200 rows dropped"):
        fit = fit_cox(df, ["age", "grade"], strata=strata)
    sd = survival_data(df, covariates=["age", "grade"], strata=strata)
    pd.testing.assert_frame_equal(fit.dropped, sd.dropped)
    assert list(fit.dropped.columns) == list(DROPPED_COLUMNS)
    assert list(fit.dropped["row"]) == [4, 9] and set(fit.dropped["column"]) == {column}
    assert fit.n == sd.n == 198
    complete = _fit(df.drop(index=[4, 9]), strata=strata)
    np.testing.assert_array_equal(fit.coef.to_numpy(), complete.coef.to_numpy())


def test_cohort_accepted_wherever_a_frame_is():
    cohort = lp.load_synthetic()
    a = _fit(cohort, ["age", "grade"])
    b = _fit(cohort.data, ["age", "grade"])
    np.testing.assert_array_equal(a.coef.to_numpy(), b.coef.to_numpy())
    assert a.n == b.n
    pd.testing.assert_frame_equal(a.predict_risk(cohort), a.predict_risk(cohort.data))
    pd.testing.assert_frame_equal(
        a.predict_survival(cohort, [12, 60]), a.predict_survival(cohort.data, [12, 60])
    )


# ---- results own their data ---------------------------------------------------------------


def test_result_keeps_a_copy_of_the_data():
    df = _toy()
    fit = _fit(df, strata="centre")
    before = fit.predict_survival(df.head(3), [12, 24])
    lp_before = fit.predict_risk(df)["linear_predictor"].to_numpy()
    c_before = fit.concordance
    data_before = fit.data.copy()
    assert not np.shares_memory(fit.data["age"].to_numpy(), df["age"].to_numpy())
    df["age"] = 0.0  # the caller edits its frame afterwards
    df["time"] = 1.0
    df.loc[:, "event"] = 0
    pd.testing.assert_frame_equal(fit.data, data_before)
    assert fit.concordance == c_before
    pd.testing.assert_frame_equal(fit.predict_survival(data_before.head(3), [12, 24]), before)
    np.testing.assert_array_equal(fit.predict_risk(data_before)["linear_predictor"], lp_before)
    assert list(fit.data.columns) == ["time", "event", "age", "grade", "centre"]


def test_result_contract():
    fit = _fit(_toy())
    frame = fit.to_frame()
    pd.testing.assert_frame_equal(frame, fit.hazard_ratios)
    frame.loc[0, "coef"] = 99.0
    assert fit.hazard_ratios.loc[0, "coef"] != 99.0  # to_frame() is a copy
    text = repr(fit)
    assert text.startswith("CoxResult (ties=efron): n=200") and "HR (95% CI)" in text
    html = fit._repr_html_()
    assert "<table" in html and "grade[3]" in html
    assert fit.dropped.empty and list(fit.dropped.columns) == list(DROPPED_COLUMNS)


# ---- near-ties: R's timefix everywhere ----------------------------------------------------


def _near_tied(n=300, seed=5):
    """Tied event times where one of each pair is shifted by 1e-11 (rounding noise)."""
    df = _toy(n, seed)
    df["time"] = np.round(df["time"])
    ev = df.index[df["event"] == 1]
    dup = df.loc[ev].duplicated("time", keep="first")
    shift = ev[dup.to_numpy()]
    df.loc[shift, "time"] = df.loc[shift, "time"] + 1e-11
    assert len(shift) > 20
    return df


def test_near_tied_times_are_one_time_in_the_fit():
    df = _near_tied()
    clean = df.assign(time=np.round(df["time"]))
    np.testing.assert_array_equal(_fit(df).coef.to_numpy(), _fit(clean).coef.to_numpy())
    assert _fit(df).concordance == _fit(clean).concordance


def test_cox_concordance_equals_lp_concordance_on_near_ties():
    """Issue 11 'Show': cox.concordance == lp.concordance(df, cox.predict_risk(df)).

    Needs lms_prognosis.evaluate.concordance to apply R's timefix through survival_data
    (the evaluate side of issue 11); this test fails until it does.
    """
    df = _near_tied()
    fit = _fit(df)
    risk = fit.predict_risk(df)["linear_predictor"].to_numpy()
    res = lp.concordance(df, risk)
    assert res.c == pytest.approx(fit.concordance, abs=1e-12)
    assert res.se == pytest.approx(fit.concordance_se, rel=1e-9)


def test_result_holds_one_copy_of_the_design_and_rebuilds_the_layout():
    """Issue 16: the result keeps its own copy of the design columns (which also serve as the
    float covariates of .data) and no sorted layout; the layout is rebuilt from that copy on
    first use, even after the caller overwrote its arrays in place."""
    df = _toy()
    df["size"] = np.random.default_rng(3).gamma(2.0, 3.0, len(df))
    df["mitoses"] = np.random.default_rng(4).poisson(8, len(df))  # int64: converted, so copied
    fit = _fit(df, ("age", "size", "grade", "mitoses"))
    assert "_prep" not in fit.__dict__  # no sorted copy held after the fit
    # the float covariates are not copied twice; the others are copied as they are
    assert set(fit._columns.columns) == {"grade", "mitoses"}
    assert fit.data["mitoses"].dtype == np.int64 and fit.data["age"].dtype == np.float64
    fit = _fit(df, ("age", "size", "grade"))
    for c in fit._design.columns:
        assert not np.shares_memory(c, df["age"].to_numpy())
        assert not np.shares_memory(c, df["size"].to_numpy())
    fresh = _fit(df.copy(), ("age", "size", "grade"))
    df["age"].to_numpy()[:] = 0.0  # in place: the same arrays the fit read
    df["time"].to_numpy()[:] = 1.0
    assert fit.concordance == fresh.concordance  # layout rebuilt from the result's own copy
    assert "_prep" in fit.__dict__
    np.testing.assert_array_equal(fit.data["age"], fresh.data["age"])
    pd.testing.assert_frame_equal(fit.check_ph().table, fresh.check_ph().table)
    pd.testing.assert_frame_equal(
        fit.predict_survival(fresh.data.head(3), [12, 24]),
        fresh.predict_survival(fresh.data.head(3), [12, 24]),
    )


def test_rebuilt_layout_is_the_layout_of_the_fit():
    """The layout a result rebuilds is the fit's own: the log-likelihood at the estimate is
    the fit's to the last bit (same rows, order and centring)."""
    for kw in ({"strata": "centre"}, {}):
        fit = _fit(_toy(), **kw)
        assert loglik_derivs(fit._beta, fit._prep)[0] == fit.loglik[1]
