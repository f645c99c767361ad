"""Multiple imputation (lp.impute): the survival-specific imputation model, seeds, categories,
bad input, the missing-data pattern, and truth recovery on simulated cohorts."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import lms_prognosis as lp
from lms_prognosis.exceptions import DataWarning, LMSPrognosisError, SurvivalDataError
from lms_prognosis.impute.impute import outcome_predictors
from lms_prognosis.impute.result import missing_pattern

REF_DIR = Path(__file__).resolve().parents[1] / "reference"
COVS = ["age", "grade", "necrosis", "size_cm", "vascular_invasion", "aneuploidy", "margin"]


@pytest.fixture(scope="module")
def cohort():
    return lp.simulate_cohort(
        400, seed=3, missing={"aneuploidy": 0.5, "vascular_invasion": 0.2}, missing_mechanism="MAR"
    )


@pytest.fixture(scope="module")
def imputed(cohort):
    return lp.impute(cohort, m=4, seed=7, covariates=COVS)


def test_same_seed_same_data_sets_whatever_n_jobs(cohort, imputed):
    again = lp.impute(cohort, m=4, seed=7, covariates=COVS, n_jobs=2)
    for a, b in zip(imputed.datasets, again.datasets, strict=True):
        pd.testing.assert_frame_equal(a, b)
    other = lp.impute(cohort, m=4, seed=8, covariates=COVS)
    assert not other.datasets[0]["aneuploidy"].equals(imputed.datasets[0]["aneuploidy"])


def test_observed_values_kept_missing_ones_filled_in_their_categories(cohort, imputed):
    data = cohort.data
    for d in imputed.datasets:
        assert d[COVS].notna().all().all()
        for col in COVS:
            seen = data[col].notna()
            pd.testing.assert_series_equal(d.loc[seen, col], data.loc[seen, col])
            assert d[col].dtype == data[col].dtype  # boolean stays boolean, categories stay
            # predictive mean matching: every imputed value was observed in another patient
            assert set(d.loc[~seen, col].dropna().unique()) <= set(data.loc[seen, col].unique())
    # the chains differ between data sets (draws, not one deterministic fill)
    first = imputed.datasets[0]["aneuploidy"]
    assert any(not first.equals(d["aneuploidy"]) for d in imputed.datasets[1:])


def test_values_stay_in_the_observed_range():
    rng = np.random.default_rng(2)
    n = 300
    df = pd.DataFrame(
        {
            "time": rng.exponential(40, n),
            "event": rng.integers(0, 2, n),
            "size_cm": rng.gamma(2, 4, n).round(1),
            "age": rng.normal(60, 12, n).round(),
        }
    )
    df.loc[rng.random(n) < 0.4, "size_cm"] = np.nan
    lo, hi = df["size_cm"].min(), df["size_cm"].max()
    imp = lp.impute(df, m=3, seed=1)
    for d in imp.datasets:
        assert d["size_cm"].between(lo, hi).all()


def test_outcome_predictors_are_event_and_nelson_aalen_at_each_time():
    lung = lp.kaplan_meier(pd.read_csv("tests/reference/data/lung.csv"))
    df = pd.read_csv("tests/reference/data/lung.csv")
    out = outcome_predictors(df["time"].to_numpy(float), df["event"].to_numpy())
    table = lung.table.set_index("time")["cumhaz"]  # R's survfit cumhaz (Nelson-Aalen)
    np.testing.assert_allclose(out["cumhaz_1"], table.loc[df["time"]].to_numpy(), rtol=1e-12)
    assert out["event_1"].tolist() == df["event"].astype(float).tolist()
    # a competing event gets its own indicator and cause-specific cumulative hazard
    cr = outcome_predictors(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1, 2, 0, 1]))
    assert list(cr.columns) == ["event_1", "cumhaz_1", "event_2", "cumhaz_2"]
    assert cr["cumhaz_2"].tolist() == [0.0, 1 / 3, 1 / 3, 1 / 3]


def test_rows_missing_time_or_event_are_left_out_and_reported_never_imputed():
    df = pd.DataFrame(
        {
            "time": [5.0, np.nan, 9, 12, 3, 7, 8, 10],
            "event": [1, 0, np.nan, 1, 0, 1, 0, 1],
            "age": [50.0, 60, 70, np.nan, 65, 55, np.nan, 58],
        },
        index=list("abcdefgh"),
    )
    imp = lp.impute(df, m=2, seed=1)
    assert imp.n == 6 and imp.n_dropped == 2
    assert imp.dropped[["row", "column"]].values.tolist() == [["b", "time"], ["c", "event"]]
    assert list(imp.datasets[0].index) == list("adefgh")
    assert "2 rows left out" in repr(imp)


def test_covariate_missing_for_everyone_is_refused_naming_it():
    df = pd.DataFrame(
        {"time": [1.0, 2, 3], "event": [1, 0, 1], "age": [50.0, 60, 70], "ploidy": [np.nan] * 3}
    )
    with pytest.raises(LMSPrognosisError, match="'ploidy' is missing for every patient"):
        lp.impute(df, m=2)


def test_covariate_with_one_observed_value_is_refused():
    df = pd.DataFrame(
        {
            "time": [1.0, 2, 3, 4],
            "event": [1, 0, 1, 0],
            "age": [50.0, 60, 70, 80],
            "ki67": [np.nan, 12.0, np.nan, np.nan],
        }
    )
    with pytest.raises(LMSPrognosisError, match="'ki67' is observed for one patient only"):
        lp.impute(df, m=2)


@pytest.mark.parametrize("m", [1, 0, -3, 2.5, True, "20"])
def test_m_below_two_or_not_an_integer_is_refused(m):
    df = pd.DataFrame({"time": [1.0, 2, 3], "event": [1, 0, 1], "age": [50.0, np.nan, 70]})
    with pytest.raises(LMSPrognosisError, match="m must be an integer >= 2"):
        lp.impute(df, m=m)


def test_other_bad_input():
    df = pd.DataFrame({"time": [1.0, 2, 3], "event": [1, 0, 1], "age": [50.0, np.nan, 70]})
    with pytest.raises(LMSPrognosisError, match="method must be one of"):
        lp.impute(df, m=2, method="cart")
    with pytest.raises(LMSPrognosisError, match="never imputed"):
        lp.impute(df, m=2, covariates=["age", "time"])
    with pytest.raises(SurvivalDataError, match="1 and 2"):
        lp.impute(df.assign(event=[1, 2, 2]), m=2)
    with pytest.warns(DataWarning, match="identical"):
        lp.impute(df.fillna(60.0), m=2)


def test_missing_pattern_as_md_pattern(cohort, imputed):
    pat = imputed.missing_pattern
    assert pat["n"].sum() == imputed.n
    assert list(pat.columns[1:-1]) == sorted(
        COVS, key=lambda c: (cohort.data[c].isna().sum(), COVS.index(c))
    )
    complete = cohort.data[COVS].notna().all(axis=1).sum()
    assert pat.loc[pat["n_missing"] == 0, "n"].item() == complete
    both = (cohort.data["aneuploidy"].isna() & cohort.data["vascular_invasion"].isna()).sum()
    assert pat.loc[pat["n_missing"] == 2, "n"].item() == both
    small = pd.DataFrame({"a": [1, None, None], "b": [None, None, 2]})
    assert missing_pattern(small)["n_missing"].tolist() == [1, 1, 2]


def test_missing_pattern_equals_rs_md_pattern():
    ref = json.loads((REF_DIR / "mice_pool.json").read_text())["md_pattern"]
    lung = pd.read_csv(REF_DIR / "data" / "lung.csv")
    pat = missing_pattern(lung[ref["covariates"]])
    assert list(pat.columns[1:-1]) == ref["columns"]
    assert pat["n"].tolist() == ref["n"]
    assert pat[ref["columns"]].values.tolist() == ref["pattern"]
    assert pat["n_missing"].tolist() == ref["n_missing"]
    imp = lp.impute(lung, m=2, seed=1, covariates=ref["covariates"])
    t = imp.table.set_index("variable").loc[ref["columns"], "n_missing"]
    assert t.tolist() == ref["missing_per_column"]


def test_fraction_of_missing_information_and_convergence(imputed):
    t = imputed.table.set_index("variable")
    assert t.loc["age", "n_missing"] == 0 and np.isnan(t.loc["age", "fmi"])
    for v in ("aneuploidy", "vascular_invasion"):
        assert 0 < t.loc[v, "fmi"] < 1
    assert imputed.fmi.index.tolist() == ["vascular_invasion", "aneuploidy"]
    conv = imputed.convergence
    assert len(conv) == imputed.m * imputed.n_iter * 2
    assert conv.groupby("variable")["chain"].nunique().tolist() == [4, 4]
    # chains mix: last-iteration chain means agree within a few binomial SDs
    spread = imputed.chain_summary()
    assert (spread["max"] - spread["min"] < 0.25).all()


def test_new_patients_missing_covariates_imputed_once_per_data_set(imputed):
    new = imputed.datasets[0][COVS].iloc[:3].copy()
    new.iloc[0, new.columns.get_loc("aneuploidy")] = pd.NA
    out = imputed.complete_new(new, seed=1)
    assert len(out) == imputed.m
    for d in out:
        assert d["aneuploidy"].notna().all()
        pd.testing.assert_frame_equal(d.iloc[1:], new.iloc[1:])
    with pytest.raises(LMSPrognosisError, match="not seen"):
        imputed.complete_new(new.assign(margin=["R9", "R0", "R0"]))
    with pytest.raises(LMSPrognosisError, match="no covariate at all"):
        imputed.complete_new(new.iloc[:1].map(lambda v: None))
    with pytest.raises(LMSPrognosisError, match="map"):
        imputed.map(lambda d: d).complete_new(new)


# ---- truth recovery: MAR missingness that depends on grade and the outcome ---------------
MISSING = {"aneuploidy": 0.6, "vascular_invasion": 0.2}


def _wald(estimate: np.ndarray, truth: np.ndarray, vcov: np.ndarray) -> float:
    d = estimate - truth
    return float(stats.chi2.sf(d @ np.linalg.solve(vcov, d), len(d)))


def test_complete_cases_are_biased_when_missingness_depends_on_the_outcome():
    # a large cohort, so that what remains is bias, not sampling error
    c = lp.simulate_cohort(100_000, seed=1, missing=MISSING, missing_mechanism="MAR")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cc = lp.fit_cox(c.truth.design_frame(c.data), c.truth.covariates)
    truth = c.truth.log_hr[cc.coef.index].to_numpy()
    assert _wald(cc.coef.to_numpy(), truth, cc.vcov.to_numpy()) < 1e-6


def test_pooled_estimates_are_within_sampling_error_of_the_truth():
    c = lp.simulate_cohort(3000, seed=11, missing=MISSING, missing_mechanism="MAR")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imp = lp.impute(c, m=10, seed=1)
        mi = lp.fit_cox(imp.map(c.truth.design_frame), c.truth.covariates)
    hr = mi.hazard_ratios.set_index("term")
    truth = c.truth.log_hr[hr.index]
    z = (hr["coef"] - truth) / hr["se"]
    assert (z.abs() < stats.norm.ppf(0.995)).all(), z.round(2).to_dict()
    # the pooled covariance (ubar + (1 + 1/m) b) does not reject the truth either
    ubar = np.mean([f.vcov.to_numpy() for f in mi.fits], axis=0)
    b = np.cov(np.array([f.coef.to_numpy() for f in mi.fits]).T)
    assert _wald(hr["coef"].to_numpy(), truth.to_numpy(), ubar + (1 + 1 / 10) * b) > 0.01


def test_competing_events_enter_the_imputation_model_and_pool():
    c = lp.simulate_cohort(
        600, seed=6, competing_risks=True, missing={"aneuploidy": 0.3}, missing_mechanism="MAR"
    )
    assert (c.data["event"] == 2).any()
    imp = lp.impute(c, m=3, seed=1, covariates=["age", "grade", "aneuploidy"])
    assert imp.datasets[0]["aneuploidy"].notna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = lp.fit_cox(imp, ["age", "aneuploidy"])  # cause-specific: event 2 censored
    assert fit.n_events == int((c.data["event"] == 1).sum())
    assert fit.dfcom == fit.n_events - 2


def test_lp_impute_is_callable_whichever_module_was_imported_first():
    # importing lms_prognosis.cox first binds the subpackage to lp.impute; it stays callable
    import subprocess
    import sys

    code = (
        "import lms_prognosis.cox, lms_prognosis as lp, pandas as pd; "
        "df = pd.DataFrame({'time': [1.0, 2, 3, 4], 'event': [1, 0, 1, 1], "
        "'age': [50.0, None, 70, 61]}); print(lp.impute(df, m=2).m)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2"
