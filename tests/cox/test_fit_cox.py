"""lms_prognosis.cox.fit against R's survival 3.5.3 (fixtures: tests/reference/cox.R -> cox.json).

Iterative results (coefficients, standard errors, log-likelihoods, tests, predicted survival,
cox.zph) to 1e-6 relative; the closed forms given the fit (concordance, counts) tighter.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lms_prognosis.cox import engine as _cox_engine
from lms_prognosis.cox.fit import CoxError, CoxWarning, fit_cox
from lms_prognosis.exceptions import ColumnNotFoundError, ConvergenceWarning, SurvivalDataError

REF = Path(__file__).parents[1] / "reference"
CASES = json.loads((REF / "cox.json").read_text())["cases"]
RTOL = 1e-6


def _load(case: dict) -> tuple[pd.DataFrame, dict]:
    py = case["python"]
    df = pd.read_csv(REF / case["data"])
    for v in py["categorical"]:
        raw = df[v]
        as_str = raw.map(lambda z: z if isinstance(z, str) or pd.isna(z) else str(int(z)))
        df[v] = pd.Categorical(as_str, categories=py["levels"][v])
    if py.get("strata") and py.get("strata_levels") and df[py["strata"]].dtype == object:
        df[py["strata"]] = pd.Categorical(df[py["strata"]], categories=py["strata_levels"])
    return df, py


def _fit(name: str):
    df, py = _load(CASES[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CoxWarning)
        return fit_cox(df, py["covariates"], ties=py["ties"], strata=py["strata"]), py


def _close(ours, ref, rtol=RTOL, atol=0.0):
    ours = np.asarray(ours, float)
    ref = np.asarray(ref, float)
    ours = np.where(np.isnan(ref) & np.isinf(ours), np.nan, ours)  # JSON writes R's Inf as null
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol, equal_nan=True)


@pytest.fixture(scope="module")
def fits():
    return {name: _fit(name) for name in CASES}


@pytest.mark.parametrize("name", list(CASES))
def test_coefficients_and_tests(fits, name):
    case = CASES[name]
    fit, _ = fits[name]
    hr = fit.hazard_ratios
    _close(fit.coef, case["coef"]["value"])
    _close(hr["se"], case["se"]["value"])
    _close(fit.vcov.to_numpy(), case["vcov"]["value"])
    _close(hr["lower"], case["hr_lower"]["value"])
    _close(hr["upper"], case["hr_upper"]["value"])
    _close(hr["z"], case["z"]["value"])
    _close(hr["p"], case["p"]["value"])
    _close(fit.loglik, case["loglik"]["value"], rtol=1e-9)
    tests = fit.tests.set_index("test")
    _close(tests.loc["likelihood ratio", "statistic"], case["logtest"]["value"])
    _close(tests.loc["wald", "statistic"], case["waldtest"]["value"])
    _close(tests.loc["score", "statistic"], case["sctest"]["value"])
    assert (tests["df"] == case["test_df"]["value"]).all()
    assert fit.iterations == case["iter"]["value"]
    assert fit.n == case["n"]["value"]
    assert fit.n_events == case["nevent"]["value"]
    assert list(fit.dropped["row"].unique()) == list(np.atleast_1d(case["dropped_rows"]["value"]))
    _close(fit._means, case["means"]["value"], rtol=1e-12)


@pytest.mark.parametrize("name", list(CASES))
def test_concordance(fits, name):
    fit, _ = fits[name]
    _close(fit.concordance, CASES[name]["concordance"]["value"][0], rtol=1e-12)
    _close(fit.concordance_se, CASES[name]["concordance"]["value"][1], rtol=1e-9)


@pytest.mark.parametrize("name", [n for n, c in CASES.items() if not c["python"]["strata"]])
def test_linear_predictor(fits, name):
    fit, _ = fits[name]
    lp = fit.predict_risk(fit.data)
    _close(lp["linear_predictor"], CASES[name]["lp"]["value"], atol=1e-9)
    _close(lp["relative_risk"], np.exp(CASES[name]["lp"]["value"]), rtol=1e-7)


SURV_CASES = [(n, ct) for n, c in CASES.items() if "survfit" in c for ct in c["survfit"]]


@pytest.mark.parametrize(("name", "conf_type"), SURV_CASES)
def test_predict_survival(fits, name, conf_type):
    case = CASES[name]
    fit, py = fits[name]
    nd = pd.DataFrame(case["newdata"])
    for v in py["categorical"]:
        nd[v] = pd.Categorical(nd[v], categories=py["levels"][v])
    ref = case["survfit"][conf_type]
    out = fit.predict_survival(nd, case["times"], conf_type=conf_type)
    assert list(out.columns) == ["patient", "time", "surv", "std_err", "lower", "upper", "cumhaz"]
    ntime = len(case["times"])
    for col in ["surv", "std_err", "lower", "upper", "cumhaz"]:
        ours = out[col].to_numpy().reshape(len(nd), ntime)  # patient-major
        ref_arr = np.array(ref[col], dtype=float)
        if py["strata"]:  # R: one curve per newdata row
            ref_arr = ref_arr.reshape(len(nd), ntime)
        else:  # R: rows are times, columns newdata rows
            ref_arr = ref_arr.reshape(ntime, len(nd)).T
        _close(ours, ref_arr, atol=1e-14)
    if not py["strata"]:
        lp = fit.predict_risk(nd)["linear_predictor"]
        _close(lp, case["predict_lp"]["value"], rtol=1e-9, atol=1e-12)


ZPH_CASES = [(n, tr) for n, c in CASES.items() if "zph" in c for tr in c["zph"]]


@pytest.mark.parametrize(("name", "transform"), ZPH_CASES)
def test_check_ph(fits, name, transform):
    ref = CASES[name]["zph"][transform]
    fit, _ = fits[name]
    ph = fit.check_ph(transform)
    assert list(ph.table["term"]) == ref["terms"]
    _close(ph.table["chisq"], ref["chisq"])
    _close(ph.table["df"], ref["df"], rtol=0)
    _close(ph.table["p"], ref["p"])
    res = ph.residuals
    terms = list(dict.fromkeys(res["term"]))
    y = np.column_stack([res.loc[res["term"] == t, "residual"].to_numpy() for t in terms])
    _close(y, np.array(ref["y"], dtype=float), atol=1e-10)
    first = res[res["term"] == terms[0]]
    _close(first["transformed_time"], ref["x"], rtol=1e-12)
    _close(first["time"], ref["time"], rtol=0)


# ---- behaviour -----------------------------------------------------------------------------


def _toy(n=200, seed=1):
    rng = np.random.default_rng(seed)
    age = rng.normal(60, 10, n)
    grade = rng.choice(["1", "2", "3"], n)
    t = rng.exponential(50 * np.exp(-0.03 * (age - 60) - 0.5 * (grade == "3")))
    c = rng.exponential(80, n)
    return pd.DataFrame(
        {
            "patient_id": [f"P{i}" for i in range(n)],
            "time": np.minimum(t, c),
            "event": (t <= c).astype(int),
            "age": age,
            "grade": pd.Categorical(grade, categories=["1", "2", "3"]),
            "vascular_invasion": rng.random(n) < 0.4,
        }
    )


def test_term_names_and_reference_level():
    df = _toy()
    fit = fit_cox(df, ["age", "grade", "vascular_invasion"])
    assert list(fit.coef.index) == ["age", "grade[2]", "grade[3]", "vascular_invasion"]
    assert list(fit.hazard_ratios["covariate"]) == ["age", "grade", "grade", "vascular_invasion"]
    ph = fit.check_ph()
    assert list(ph.table["term"]) == ["age", "grade", "vascular_invasion", "GLOBAL"]
    assert list(ph.table["df"]) == [1, 2, 1, 4]
    assert "CoxResult" in repr(fit) and "<table" in fit._repr_html_()


def test_dropped_rows_reported_one_line_per_missing_cell():
    """The package's one .dropped contract (row, column, value, reason), as SurvData.dropped."""
    df = _toy()
    df.loc[[3, 7], "age"] = np.nan
    df.loc[7, "grade"] = np.nan
    with pytest.warns(CoxWarning, match="2 of 200 rows dropped"):
        fit = fit_cox(df, ["age", "grade"])
    d = fit.dropped
    assert list(d.columns) == ["row", "column", "value", "reason"]
    assert list(d["row"]) == [3, 7, 7]
    assert list(d["column"]) == ["age", "age", "grade"]
    assert set(d["reason"]) == {"missing"}
    assert fit.n + d["row"].nunique() == len(df)
    assert "2 rows left out" in repr(fit)


def test_level_without_events_warns_separation():
    df = _toy()
    df.loc[df["grade"] == "3", "event"] = 0
    with pytest.warns(CoxWarning) as rec:
        fit = fit_cox(df, ["age", "grade"])
    msgs = [str(r.message) for r in rec]
    assert any(
        "grade[3] has no events in level '3': the hazard ratio is infinite "
        "(separation); merge levels or drop grade" in m
        for m in msgs
    )
    assert np.isfinite(fit.coef).all()  # R's large finite value, never NaN


def test_monotone_likelihood_numeric():
    rng = np.random.default_rng(3)
    n = 60
    x = rng.normal(size=n)
    df = pd.DataFrame(
        {"time": np.argsort(np.argsort(-x)) + 1.0, "event": 1, "x": x, "z": rng.normal(size=n)}
    )
    with pytest.warns((CoxWarning, ConvergenceWarning)) as rec:
        fit = fit_cox(df, ["x", "z"])
    msgs = " | ".join(str(r.message) for r in rec)
    assert "x: the coefficient is diverging" in msgs
    assert any(
        r.category is ConvergenceWarning
        and "did not converge" in str(r.message)
        and "Ran out of iterations" in str(r.message)
        for r in rec
    )
    assert not fit.converged
    assert "z: the coefficient" not in msgs
    assert np.isfinite(fit.loglik[1]) and np.isfinite(fit.coef).all()


def test_constant_covariate_dropped():
    df = _toy()
    df["site"] = "uterus"
    with pytest.warns(CoxWarning, match="site is constant"):
        fit = fit_cox(df, ["age", "site"])
    assert list(fit.coef.index) == ["age"]


def test_collinear_covariate_dropped():
    df = _toy()
    df["age2"] = 2 * df["age"] + 1
    with pytest.warns(CoxWarning, match="collinear"):
        fit = fit_cox(df, ["age", "age2"])
    assert list(fit.coef.index) == ["age"]


def test_few_events_per_variable_warns():
    df = _toy(40)
    with pytest.warns(CoxWarning, match="events per coefficient"):
        fit_cox(df, ["age", "grade", "vascular_invasion"])


def test_errors_are_clear():
    df = _toy()
    with pytest.raises(ColumnNotFoundError, match="'nope' is not in the data"):
        fit_cox(df, ["nope"])
    with pytest.raises(CoxError, match="ties"):
        fit_cox(df, ["age"], ties="exact")
    bad = df.assign(time=-df["time"])
    with pytest.raises(SurvivalDataError, match=">= 0"):
        fit_cox(bad, ["age"])
    with pytest.raises(CoxError, match="listed twice"):
        fit_cox(df, ["age", "age"])
    with pytest.raises(CoxError, match="no events"):
        fit_cox(df.assign(event=0), ["age"])
    fit = fit_cox(df, ["age", "grade"])
    with pytest.raises(CoxError, match="not in the fitted data"):
        fit.predict_risk(pd.DataFrame({"age": [50], "grade": ["4"]}))
    with pytest.raises(CoxError, match="conf_type"):
        fit.predict_survival(df.head(1), [12], conf_type="arcsin")


def test_competing_event_code_is_censored():
    df = _toy()
    df2 = df.copy()
    df2.loc[df2.index[:10], "event"] = 2
    df3 = df.copy()
    df3.loc[df3.index[:10], "event"] = 0
    a = fit_cox(df2, ["age"])
    b = fit_cox(df3, ["age"])
    assert a.coef["age"] == pytest.approx(b.coef["age"], rel=1e-12)


def test_object_and_bool_columns():
    df = _toy()
    df["grade_obj"] = df["grade"].astype(str)
    a = fit_cox(df, ["grade_obj", "vascular_invasion"])
    b = fit_cox(df, ["grade", "vascular_invasion"])
    np.testing.assert_allclose(a.coef.to_numpy(), b.coef.to_numpy(), rtol=1e-12)
    assert list(a.coef.index) == ["grade_obj[2]", "grade_obj[3]", "vascular_invasion"]


def test_strata_newdata_needs_stratum():
    df = _toy()
    fit = fit_cox(df, ["age"], strata="grade")
    with pytest.raises(CoxError, match="newdata needs"):
        fit.predict_survival(pd.DataFrame({"age": [50]}), [12])
    out = fit.predict_survival(pd.DataFrame({"age": [50, 50], "grade": ["1", "3"]}), [12])
    assert out["surv"].iloc[0] != out["surv"].iloc[1]


def test_survival_beyond_follow_up_is_nan():
    df = _toy()
    fit = fit_cox(df, ["age"])
    out = fit.predict_survival(df.head(1), [0.0, df["time"].max() + 1])
    assert out["surv"].iloc[0] == 1.0
    assert np.isnan(out["surv"].iloc[1])


@pytest.mark.parametrize("efron", [True, False])
def test_score_is_gradient_of_loglik(efron):
    """The analytic score and information are the derivatives of the log-likelihood."""
    df = _toy(150)
    df["time"] = np.round(df["time"])  # ties
    x = np.column_stack([df["age"], df["grade"] == "3"]).astype(float)
    x -= x.mean(axis=0)
    prep = _cox_engine.prepare(df["time"].to_numpy(float), df["event"].to_numpy(), x, None, efron)
    beta = np.array([0.02, 0.3])
    h = 1e-5

    def central(fun):
        return np.column_stack(
            [(fun(beta + h * e) - fun(beta - h * e)) / (2 * h) for e in np.eye(2)]
        )

    loglik, score, info = _cox_engine.loglik_derivs(beta, prep)
    num_score = central(lambda b: np.atleast_1d(_cox_engine.loglik_derivs(b, prep, False)[0]))
    np.testing.assert_allclose(score, num_score.ravel(), rtol=1e-6)
    num_info = -central(lambda b: _cox_engine.loglik_derivs(b, prep, False)[1])
    np.testing.assert_allclose(info, num_info, rtol=1e-6)


def test_matches_lifelines_coefficients():
    """lifelines' Efron fit gives the same coefficients (independent implementation)."""
    lifelines = pytest.importorskip("lifelines")
    df = _toy(300)
    df["grade3"] = (df["grade"] == "3").astype(float)
    ours = fit_cox(df, ["age", "grade3"])
    cph = lifelines.CoxPHFitter().fit(df[["time", "event", "age", "grade3"]], "time", "event")
    np.testing.assert_allclose(ours.coef.to_numpy(), cph.params_.to_numpy(), rtol=1e-5)


def test_concordance_counts_match_pairwise_definition():
    """The O(n log n) counts equal a direct O(n^2) count of R's pair definition."""
    from lms_prognosis._concordance import stratified_harrell as concordance

    rng = np.random.default_rng(7)
    n = 300
    t = rng.integers(0, 40, n).astype(float)  # heavy ties, time 0 included
    e = rng.random(n) < 0.6
    lp = np.round(rng.normal(size=n), 1)  # tied predictors
    st = rng.integers(0, 2, n)
    c, se, counts = concordance(t, e, lp, st)
    comp = e[:, None] & ((t[:, None] < t[None, :]) | ((t[:, None] == t[None, :]) & ~e[None, :]))
    comp &= st[:, None] == st[None, :]
    conc = comp & (lp[:, None] > lp[None, :])
    disc = comp & (lp[:, None] < lp[None, :])
    tie = comp & (lp[:, None] == lp[None, :])
    assert counts["concordant"] == conc.sum()
    assert counts["discordant"] == disc.sum()
    assert counts["tied_risk"] == tie.sum()
    npair = comp.sum()
    assert c == pytest.approx((conc.sum() + tie.sum() / 2) / npair, rel=1e-12)
    infl = np.column_stack([m.sum(0) + m.sum(1) for m in (conc, disc, tie)])
    somer = (conc.sum() - disc.sum()) / npair
    dfb = (infl[:, 0] - infl[:, 1]) / npair - somer / npair * infl.sum(1)
    assert se == pytest.approx(np.sqrt(np.sum(dfb**2) / 4), rel=1e-12)


def test_timefix_merges_rounding_noise_like_r():
    """R's coxph(timefix = TRUE): 0.1 + 0.2 and 0.3 are one tie."""
    df = _toy()
    df["time"] = np.round(df["time"], 1)
    noisy = df.copy()
    noisy["time"] = noisy["time"] + np.where(np.arange(len(df)) % 2 == 0, 1e-12, 0.0)
    a = fit_cox(df, ["age", "grade"])
    b = fit_cox(noisy, ["age", "grade"])
    np.testing.assert_allclose(a.coef.to_numpy(), b.coef.to_numpy(), rtol=1e-9)


def test_covariate_constant_within_strata_is_dropped():
    df = _toy()
    df["site"] = np.where(df["grade"] == "3", 1.0, 0.0)  # constant within grade strata
    with pytest.warns(CoxWarning, match="constant within every stratum"):
        fit = fit_cox(df, ["age", "site"], strata="grade")
    assert list(fit.coef.index) == ["age"]


def test_predict_risk_missing_covariate_gives_nan():
    fit = fit_cox(_toy(), ["age", "grade"])
    out = fit.predict_risk(pd.DataFrame({"age": [50.0, np.nan], "grade": ["1", "2"]}))
    assert np.isfinite(out["linear_predictor"].iloc[0])
    assert np.isnan(out["linear_predictor"].iloc[1])
