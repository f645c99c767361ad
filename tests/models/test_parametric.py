"""Parametric AFT models against R's survreg (tests/reference/survreg.json, from survreg.R).

Coefficients, log(scale), their covariance, log-likelihood and AIC are compared to 1e-5
(survreg's own convergence tolerance is 1e-9 on the log-likelihood); survival predictions
against R's ``psurvreg`` with the delta-method CI computed in R from ``vcov(fit)``.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.exceptions import (
    ColumnNotFoundError,
    CoxError,
    DataWarning,
    ModelError,
    SurvivalDataError,
)
from lms_prognosis.models import (
    DISTRIBUTIONS,
    ParametricResult,
    fit_parametric,
    select_distribution,
)

ROOT = Path(__file__).parents[2]
REF_DIR = ROOT / "tests" / "reference"
REF = json.loads((REF_DIR / "survreg.json").read_text())
TOL = 1e-5


def load(name: str) -> pd.DataFrame:
    if name == "cohort":
        df = pd.read_csv(ROOT / "lms_prognosis" / "data" / "synthetic_somatic_500.csv")
        df["grade"] = pd.Categorical(df["grade"])
        df["necrosis"] = pd.Categorical(df["necrosis"], categories=["none", "<50%", ">=50%"])
        return df
    df = pd.read_csv(REF_DIR / "data" / f"{name}.csv")
    if name == "veteran":
        levels = ["squamous", "smallcell", "adeno", "large"]
        df["celltype"] = pd.Categorical(df["celltype"], categories=levels)
    return df


def arr(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


_FITS: dict[str, ParametricResult] = {}


def fitted(name: str) -> ParametricResult:
    if name not in _FITS:
        case = REF["fits"][name]
        _FITS[name] = fit_parametric(
            load(case["data"]), case["args"]["covariates"], case["args"]["distribution"]
        )
    return _FITS[name]


@pytest.mark.parametrize("name", sorted(REF["fits"]))
def test_fit_equals_survreg(name: str) -> None:
    case = REF["fits"][name]
    res = case["result"]
    fit = fitted(name)
    what = f"{name}: {case['call']}"
    terms = [res["term"]] if isinstance(res["term"], str) else res["term"]
    assert fit.table["term"].tolist() == terms, what
    np.testing.assert_allclose(fit.table["coef"], arr(res["coef"]), atol=TOL, err_msg=what)
    np.testing.assert_allclose(fit.table["se"], arr(res["se"]), atol=TOL, err_msg=what)
    np.testing.assert_allclose(
        fit.vcov.to_numpy(),
        np.array(res["vcov"], dtype=float).reshape(fit.vcov.shape),
        atol=TOL,
        err_msg=what,
    )
    assert fit.scale == pytest.approx(res["scale"], abs=TOL), what
    assert fit.loglik == pytest.approx(res["loglik"], abs=TOL), what
    assert fit.aic == pytest.approx(res["aic"], abs=TOL), what
    assert fit.df == res["df"]
    assert (fit.n, fit.n_events) == (res["n"], res["n_events"]), what
    assert fit.n + fit.n_dropped == len(load(case["data"]))


@pytest.mark.parametrize("name", sorted(REF["fits"]))
def test_predict_survival_equals_r(name: str) -> None:
    case = REF["fits"][name]
    pred = case["predict"]
    fit = fitted(name)
    newdata = load(case["data"]).iloc[np.atleast_1d(pred["rows"])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        out = fit.predict_survival(newdata, pred["times"], conf_level=pred["conf_level"])
    res = pred["result"]
    assert out["patient"].tolist() == np.atleast_1d(res["row"]).tolist()
    for col in ("time", "surv", "std_err", "lower", "upper", "cumhaz"):
        np.testing.assert_allclose(
            out[col], arr(res[col]), rtol=1e-6, atol=TOL, err_msg=f"{name} {col}: {pred['call']}"
        )


def test_select_distribution_ranks_by_r_aic() -> None:
    data = "veteran"  # each fit's AIC is checked above; here the ranking and "best"
    ref = REF["aic"][data]
    r_aic = dict(zip(ref["distribution"], ref["aic"], strict=True))
    covs = REF["fits"][f"{data}_weibull"]["args"]["covariates"]
    sel = select_distribution(load(data), covs)
    np.testing.assert_allclose(
        sel.table["aic"], [r_aic[d] for d in sel.table["distribution"]], atol=TOL
    )
    assert sel.best == min(r_aic, key=r_aic.get)
    assert sel.table["weight"].sum() == pytest.approx(1.0)
    assert sel.fit.selection is not None and sel.fit.distribution == sel.best
    best = fit_parametric(load(data), covs, distribution="best")
    assert best.distribution == sel.best
    pd.testing.assert_frame_equal(best.selection, sel.table)


def test_extrapolation_warns_with_the_package_warning_class() -> None:
    fit = fitted("cohort_weibull")
    nd = load("cohort").head(2)
    with pytest.warns(DataWarning, match="extrapolated"):
        fit.predict_survival(nd, [60, 240])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit.predict_survival(nd, [0, 12, 60])  # within follow-up: silent


def test_prediction_at_zero_and_monotone() -> None:
    fit = fitted("veteran_loglogistic")
    out = fit.predict_survival(load("veteran").head(1), [0, 10, 50, 100, 400])
    assert out.loc[0, ["surv", "lower", "upper", "std_err", "cumhaz"]].tolist() == [1, 1, 1, 0, 0]
    assert np.all(np.diff(out["surv"]) < 0)
    assert np.all((out["lower"] <= out["surv"]) & (out["surv"] <= out["upper"]))


def test_hazards_are_consistent_with_survival() -> None:
    # h = -d log S / dt, numerically, for every distribution
    for dist in DISTRIBUTIONS:
        fit = fitted(f"lung_{dist}")
        nd = load("lung").head(3)
        t = np.array([50.0, 300.0, 900.0])
        eps = 1e-4
        s_hi = fit.predict_survival(nd, t + eps)["surv"].to_numpy()
        s_lo = fit.predict_survival(nd, t - eps)["surv"].to_numpy()
        numeric = -(np.log(s_hi) - np.log(s_lo)) / (2 * eps)
        np.testing.assert_allclose(fit.predict_hazard(nd, t)["hazard"], numeric, rtol=1e-5)
        # marginal hazard of an intercept-only fit equals its hazard
    null = fitted("lung_null_weibull")
    np.testing.assert_allclose(
        null.marginal_hazard([100.0, 500.0])["hazard"],
        null.predict_hazard(pd.DataFrame(index=[0]), [100.0, 500.0])["hazard"],
    )


def test_dropped_rows_are_reported() -> None:
    fit = fitted("lung_weibull")
    assert fit.dropped["column"].tolist() == ["ph.ecog"]
    assert fit.dropped["reason"].tolist() == ["missing"]


def test_bad_input_gives_clear_errors() -> None:
    lung = load("lung")
    with pytest.raises(ModelError, match="distribution must be one of"):
        fit_parametric(lung, ["age"], distribution="gamma")
    zero = lung.copy()
    zero.loc[[3, 7], "time"] = 0.0
    with pytest.raises(ModelError, match=r"rows \[3, 7\].*log time"):
        fit_parametric(zero, ["age"])
    with pytest.raises(ModelError, match="no events"):
        fit_parametric(lung.assign(event=0), ["age"])
    with pytest.raises(ColumnNotFoundError, match="agee"):
        fit_parametric(lung, ["agee"])
    with pytest.raises(SurvivalDataError, match="R's Surv status"):
        fit_parametric(lung.assign(event=lung["event"] + 1), ["age"])
    fit = fitted("lung_weibull")
    with pytest.raises(CoxError, match="ph.ecog"):
        fit.predict_survival(lung[["age", "sex"]], [10])
    with pytest.raises(ModelError, match="times"):
        fit.predict_survival(lung.head(1), [-1])


def test_a_fit_that_does_not_converge_is_a_clear_error() -> None:
    # a group with no events: its coefficient runs off to infinity (R's survreg returns
    # armb = 24.5 with se 1.0e4 on these data, without a warning); here a ModelError
    rng = np.random.default_rng(3)
    n = 60
    df = pd.DataFrame(
        {
            "time": np.round(rng.exponential(20, n), 2) + 0.1,
            "event": np.r_[rng.integers(0, 2, n // 2), np.zeros(n // 2, dtype=int)],
            "arm": ["a"] * (n // 2) + ["b"] * (n // 2),
        }
    )
    with pytest.raises(ModelError, match=r"did not converge.*arm\[b\]"):
        fit_parametric(df, ["arm"], distribution="weibull")
    sel_err = None
    try:
        select_distribution(df, ["arm"])
    except ModelError as err:
        sel_err = err
    assert sel_err is not None and "no distribution converged" in str(sel_err)


def test_result_contract() -> None:
    fit = fitted("veteran_weibull")
    assert "weibull" in repr(fit) and "(Intercept)" in repr(fit)
    assert "<table" in fit._repr_html_()
    frame = fit.to_frame()
    frame.loc[0, "coef"] = 99.0
    assert fit.table.loc[0, "coef"] != 99.0
    tr = fit.table.set_index("term")
    assert tr.loc["karno", "time_ratio"] == pytest.approx(np.exp(tr.loc["karno", "coef"]))
    assert np.isnan(tr.loc["Log(scale)", "time_ratio"])


def test_cohort_input_and_competing_events_count_as_censored() -> None:
    import lms_prognosis as lp

    cohort = lp.load_synthetic()
    fit = fit_parametric(cohort, ["age"], "weibull")
    assert fit.n == len(cohort.data)
    df = cohort.data.copy()
    comp = df.copy()
    comp.loc[comp.index[::7], "event"] = np.where(comp["event"].iloc[::7] == 0, 2, 1)
    as_censored = comp.assign(event=comp["event"].where(comp["event"] != 2, 0))
    a = fit_parametric(comp, ["age"], "lognormal")
    b = fit_parametric(as_censored, ["age"], "lognormal")
    np.testing.assert_allclose(a.table["coef"], b.table["coef"], rtol=1e-9)
