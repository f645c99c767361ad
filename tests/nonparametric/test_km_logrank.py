"""Kaplan-Meier and log-rank against R's own numbers (tests/reference/km_logrank.json).

The fixtures are made by tests/reference/km_logrank.R from the CSVs of datasets.R; each
entry carries the R call that made it. Closed forms are compared to 1e-9 relative.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lms_prognosis.exceptions import ColumnNotFoundError
from lms_prognosis.nonparametric import (
    KMResult,
    LogRankResult,
    SurvivalDataError,
    kaplan_meier,
    logrank_test,
)

REF_DIR = Path(__file__).parents[1] / "reference"
REF = json.loads((REF_DIR / "km_logrank.json").read_text())
RTOL = 1e-9
LEVELS = {  # R factor level orders used by km_logrank.R
    "veteran": {"celltype": ["squamous", "smallcell", "adeno", "large"]},
    "colon": {"rx": ["Obs", "Lev", "Lev+5FU"]},
}


def load(name: str) -> pd.DataFrame:
    if name.startswith("inline_"):
        return pd.DataFrame(REF["inline"][name.removeprefix("inline_")])
    df = pd.read_csv(REF_DIR / "data" / f"{name}.csv")
    for col, levels in LEVELS.get(name, {}).items():
        df[col] = pd.Categorical(df[col], categories=levels)
    return df


def num(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


def close(actual, desired, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), num(desired), rtol=RTOL, err_msg=what
    )


def labels(values) -> list[str]:
    return [str(v) for v in np.atleast_1d(values)]


def fit_km(case: dict) -> KMResult:
    args = case["args"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rows with a missing group are reported, not warned
        return kaplan_meier(
            load(case["data"]),
            group=args["group"],
            conf_type=args["conf_type"],
            conf_level=args["conf_level"],
        )


NUMERIC_KM = [
    "time",
    "n_risk",
    "n_event",
    "n_censor",
    "surv",
    "std_err",
    "lower",
    "upper",
    "cumhaz",
]


@pytest.mark.parametrize("name", sorted(REF["km"]))
def test_km_table_matches_survfit(name: str) -> None:
    case = REF["km"][name]
    km = fit_km(case)
    res = case["result"]
    assert labels(km.table["group"]) == labels(res["group"]), case["call"]
    for col in NUMERIC_KM:
        close(km.table[col], res[col], f"{name}: {col} vs {case['call']}")


@pytest.mark.parametrize("name", sorted(REF["at"]))
def test_at_matches_summary_times(name: str) -> None:
    case = REF["at"][name]
    km = fit_km(REF["km"][case["km"]])
    got = km.at(case["times"], extend=case["extend"])
    res = case["result"]
    assert labels(got["group"]) == labels(res["group"]), case["call"]
    for col in NUMERIC_KM:
        close(got[col], res[col], f"{name}: {col} vs {case['call']}")


@pytest.mark.parametrize("name", [n for n in sorted(REF["at"]) if REF["at"][n]["extend"]])
def test_at_risk_is_summary_times_extend(name: str) -> None:
    case = REF["at"][name]
    got = fit_km(REF["km"][case["km"]]).at_risk(case["times"])
    assert list(got.columns) == ["group", "time", "n_risk", "n_event", "n_censor"]
    for col in ["time", "n_risk", "n_event", "n_censor"]:
        close(got[col], case["result"][col], f"{name}: {col}")


@pytest.mark.parametrize("name", sorted(REF["median"]))
def test_median_matches_print_survfit(name: str) -> None:
    case = REF["median"][name]
    med = fit_km(case).median()
    res = case["result"]
    assert labels(med["group"]) == labels(res["group"])
    for col in ["n", "events", "median", "lower", "upper"]:
        close(med[col], res[col], f"{name}: {col} vs {case['call']}")


def test_median_special_cases_are_covered() -> None:
    # exactly 0.5 on a flat stretch -> midpoint; never 0.5 -> NA; NA upper limits
    half = REF["median"]["inline_half"]["result"]
    assert half["median"] == 2.5 and half["upper"] is None
    assert REF["median"]["inline_high"]["result"]["median"] is None
    # the one place print.survfit and quantile.survfit differ: a curve ending at 0.5
    end = REF["median"]["inline_half_end"]["result"]
    assert (end["median"], end["quantile_median"]) == (2, 3)
    assert kaplan_meier(load("inline_half_end")).median()["median"].item() == 2


def logrank_from(case: dict, **extra) -> LogRankResult:
    args = case["args"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return logrank_test(
            load(case["data"]),
            group=args["group"],
            strata=args.get("strata"),
            rho=args["rho"],
            **extra,
        )


@pytest.mark.parametrize("name", sorted(REF["logrank"]))
def test_logrank_matches_survdiff(name: str) -> None:
    case = REF["logrank"][name]
    lr = logrank_from(case)
    res = case["result"]
    close(lr.chisq, res["chisq"], f"{name}: chisq vs {case['call']}")
    assert lr.df == res["df"]
    close(lr.p, res["p"], f"{name}: p")
    assert labels(lr.table["group"]) == labels(res["group"])
    for col in ["n", "observed", "expected", "o_minus_e", "variance"]:
        close(lr.table[col], res[col], f"{name}: {col} vs {case['call']}")
    close(lr.variance.to_numpy().ravel(), np.ravel(res["var"]), f"{name}: var")


@pytest.mark.parametrize("name", sorted(n for n in REF["logrank"] if "trend" in REF["logrank"][n]))
def test_trend_matches_survdiff_matrices(name: str) -> None:
    case = REF["logrank"][name]
    scores = case["trend_scores"]
    default = list(np.arange(1, len(scores) + 1)) == list(scores)
    lr = logrank_from(case, trend=True, scores=None if default else scores)
    ref = case["trend"]
    close(lr.chisq, ref["chisq"], f"{name}: trend chisq vs {case['trend_call']}")
    close(lr.p, ref["p"], f"{name}: trend p")
    assert lr.df == 1
    assert list(lr.tests["test"]) == [f"{len(scores)}-group", "trend"]
    close(lr.tests["chisq"].iloc[0], case["result"]["chisq"], "overall test kept")


def test_trend_scores_as_mapping() -> None:
    case = REF["logrank"]["veteran_celltype_scores"]
    levels = LEVELS["veteran"]["celltype"]
    lr = logrank_from(case, trend=True, scores=dict(zip(levels, case["trend_scores"], strict=True)))
    close(lr.chisq, case["trend"]["chisq"], "mapping scores")


# ---- event codes, missing values, bad input ------------------------------------------------


def test_competing_event_code_2_is_censored() -> None:
    pbc = load("pbc")  # event_cr: 0 censored, 1 dead, 2 transplant
    km = kaplan_meier(pbc, event="event_cr")
    ref = REF["km"]["pbc_death_log"]["result"]
    close(km.table["surv"], ref["surv"], "transplant (code 2) censored")
    close(km.table["n_censor"], ref["n_censor"], "code 2 counted as censored")
    lr = logrank_test(pbc, event="event_cr", group="trt")  # rows 313-418: trt missing
    close(lr.chisq, REF["logrank"]["pbc_trt"]["result"]["chisq"], "logrank with code 2")
    assert (
        lr.n
        == REF["logrank"]["pbc_trt"]["result"]["n"][0] + REF["logrank"]["pbc_trt"]["result"]["n"][1]
    )
    assert lr.n_dropped == 106 and set(lr.dropped["column"]) == {"trt"}
    assert "106 rows left out" in repr(lr)


def test_r_status_coding_is_refused() -> None:
    # the issue: R's 1/2 status was warned about and then analysed with every censored
    # patient as a death; now it is refused with the fix, by both entry points
    df = pd.DataFrame({"time": [1, 2, 3, 4], "event": [1, 2, 2, 1], "g": ["a", "b", "a", "b"]})
    with pytest.raises(SurvivalDataError, match=r"event_codes=\{1: 0, 2: 1\}"):
        kaplan_meier(df)
    with pytest.raises(SurvivalDataError, match="R's Surv status"):
        logrank_test(df, group="g")


@pytest.mark.parametrize(
    ("event", "match"), [([1, 7, 0], r"code\(s\) \[7\]"), (["dead", "alive", "dead"], "text codes")]
)
def test_other_event_codes_are_refused(event, match) -> None:
    df = pd.DataFrame({"time": [1.0, 2.0, 3.0], "event": event, "g": ["a", "b", "a"]})
    with pytest.raises(SurvivalDataError, match=match):
        kaplan_meier(df)
    with pytest.raises(SurvivalDataError, match=match):
        logrank_test(df, group="g")


@pytest.mark.parametrize(
    ("time", "event", "match"),
    [
        ([1.0, -2.0, 3.0], [1, 0, 1], "negative"),
        ([1.0, np.inf, 3.0], [1, 0, 1], "infinite"),
        ([1.0, 2.0, 3.0], [1, -1, 1], "event column"),
        ([1.0, 2.0, 3.0], [1, 0.5, 1], "event column"),
        (["1", "x", "3"], [1, 0, 1], "not a number"),
    ],
)
def test_bad_time_or_event_raises(time, event, match) -> None:
    df = pd.DataFrame({"time": time, "event": event}, index=["p1", "p2", "p3"])
    with pytest.raises(SurvivalDataError, match=match) as err:
        kaplan_meier(df)
    assert "p2" in str(err.value)  # names the row
    with pytest.raises(SurvivalDataError, match=match):
        logrank_test(df.assign(g=["a", "b", "a"]), group="g")


@pytest.mark.parametrize(
    ("time", "event", "column"),
    [
        ([1.0, np.nan, 3.0, 4.0], [1, 0, 1, 0], "time"),
        ([1.0, 2.0, 3.0, 4.0], [1, np.nan, 1, 0], "event"),
    ],
)
def test_missing_time_or_event_rows_are_left_out_and_reported(time, event, column) -> None:
    df = pd.DataFrame(
        {"time": time, "event": event, "g": ["a", "b", "a", "b"]}, index=["p1", "p2", "p3", "p4"]
    )
    km = kaplan_meier(df)
    assert km.n == 3 and km.n_dropped == 1
    assert km.dropped[["row", "column", "reason"]].values.tolist() == [["p2", column, "missing"]]
    pd.testing.assert_frame_equal(km.table, kaplan_meier(df.drop(index="p2")).table)
    lr = logrank_test(df, group="g")
    assert lr.n == 3 and lr.dropped["row"].tolist() == ["p2"]


def test_unused_categories_are_dropped_as_in_r() -> None:
    # R: survfit(Surv(time, event) ~ factor(grade, levels = 1:3)) has strata grade=1, grade=3 only
    df = pd.DataFrame(
        {
            "time": [1, 2, 3, 4],
            "event": [1, 0, 1, 1],
            "grade": pd.Categorical(["1", "3", "3", "1"], categories=["1", "2", "3"]),
        }
    )
    assert kaplan_meier(df, group="grade").groups == ["1", "3"]
    assert logrank_test(df, group="grade").df == 1
    with pytest.raises(SurvivalDataError, match="one value per group"):
        logrank_test(df, group="grade", trend=True, scores=[1, 2, 3])
    assert logrank_test(df, group="grade", trend=True, scores={"1": 1, "2": 2, "3": 3}).df == 1


def test_no_rows_and_one_group_raise() -> None:
    empty = pd.DataFrame({"time": [], "event": []})
    with pytest.raises(SurvivalDataError, match="no rows"):
        kaplan_meier(empty)
    df = pd.DataFrame({"time": [1, 2], "event": [1, 1], "g": ["a", "a"]})
    with pytest.raises(SurvivalDataError, match="at least two"):
        logrank_test(df, group="g")
    with pytest.raises(SurvivalDataError, match="no rows"):
        kaplan_meier(df.assign(g=np.nan), group="g")


def test_argument_errors() -> None:
    df = load("ovarian")
    with pytest.raises(ColumnNotFoundError, match="'futime' is not in the data"):
        kaplan_meier(df, time="futime")
    with pytest.raises(ColumnNotFoundError, match="'arm'"):
        logrank_test(df, group="arm")
    with pytest.raises(SurvivalDataError, match="conf_type"):
        kaplan_meier(df, conf_type="probit")
    with pytest.raises(SurvivalDataError, match="conf_level"):
        kaplan_meier(df, conf_level=95)
    with pytest.raises(SurvivalDataError, match="trend=True"):
        logrank_test(df, group="rx", scores=[1, 2])
    with pytest.raises(SurvivalDataError, match="one value per group"):
        logrank_test(df, group="rx", trend=True, scores=[1, 2, 3])
    with pytest.raises(SurvivalDataError, match=">= 0"):
        kaplan_meier(df).at([-1, 10])
    with pytest.raises(TypeError, match="DataFrame"):
        kaplan_meier(df.to_numpy())
    with pytest.raises(SurvivalDataError, match="group="):
        kaplan_meier(df).logrank()


def test_missing_group_rows_left_out_and_reported() -> None:
    lung = load("lung_tied")
    km = kaplan_meier(lung, group="ph.ecog")
    assert km.n_dropped == 1 and km.n == len(lung) - 1
    row = int(np.flatnonzero(lung["ph.ecog"].isna())[0])
    assert km.dropped[["row", "column", "reason"]].values.tolist() == [[row, "ph.ecog", "missing"]]
    assert km.groups == [0, 1, 2, 3]
    assert "1 row left out (missing ph.ecog: 1)" in repr(km)
    lr = km.logrank()
    assert lr.n == km.n and lr.dropped.equals(km.dropped)


# ---- result objects --------------------------------------------------------------------------


def test_result_objects_read_well() -> None:
    km = kaplan_meier(load("lung"), group="sex")
    text = repr(km)
    assert "Kaplan-Meier by sex" in text and "log CI, 95%" in text and "310.0" in text
    assert "<table" in km._repr_html_()
    assert list(km.table.columns) == [
        "group",
        "time",
        "n_risk",
        "n_event",
        "n_censor",
        "surv",
        "std_err",
        "lower",
        "upper",
        "cumhaz",
    ]
    lr = km.logrank(rho=1)
    close(lr.chisq, REF["logrank"]["lung_sex_rho1"]["result"]["chisq"], "km.logrank(rho=1)")
    assert lr.method.startswith("Peto-Peto")
    assert "chisq =" in repr(lr) and "<table" in lr._repr_html_()
    single = kaplan_meier(load("ovarian"))
    assert single.groups == ["all"] and single.group is None
    strat = logrank_from(REF["logrank"]["veteran_celltype_strata_trt"])
    assert "stratified by trt" in strat.method


def test_results_keep_copies_not_the_callers_frame() -> None:
    # the issue: KMResult kept the caller's frame, so editing it changed km.logrank()
    lung = load("lung")
    km = kaplan_meier(lung, group="sex")
    before_table = km.table.copy()
    before = km.logrank()
    lung["time"] = lung["time"][::-1].to_numpy()
    lung["sex"] = 1
    lung.loc[0, "event"] = np.nan
    after = km.logrank()
    assert after.chisq == before.chisq and after.n == before.n == 228
    pd.testing.assert_frame_equal(after.table, before.table)
    pd.testing.assert_frame_equal(km.table, before_table)
    close(after.chisq, REF["logrank"]["lung_sex"]["result"]["chisq"], "after editing the frame")
    assert not any(isinstance(v, pd.DataFrame) and v is lung for v in vars(km).values())


def test_result_contract() -> None:
    km = kaplan_meier(load("lung"), group="sex")
    frame = km.to_frame()
    pd.testing.assert_frame_equal(frame, km.table)
    frame.loc[0, "surv"] = -1.0  # to_frame is a copy
    assert km.table.loc[0, "surv"] != -1.0
    assert (
        km.n == 228
        and km.dropped.empty
        and list(km.dropped.columns) == ["row", "column", "value", "reason"]
    )
    lr = logrank_test(load("lung"), group="sex")
    assert lr.n == 228 and lr.dropped.empty
    pd.testing.assert_frame_equal(lr.to_frame(), lr.table)
    with pytest.raises(SurvivalDataError, match="strata='inst'"):
        km.logrank(strata="inst")


def test_ordered_flag_for_plots() -> None:
    df = pd.DataFrame(
        {
            "time": [1, 2, 3, 4],
            "event": [1, 1, 0, 1],
            "grade": pd.Categorical(["1", "2", "3", "1"], ordered=True),
        }
    )
    assert kaplan_meier(df, group="grade").ordered
    assert not kaplan_meier(df.assign(grade=df.grade.astype(str)), group="grade").ordered


def test_at_accepts_scalar_and_nan() -> None:
    km = kaplan_meier(load("ovarian"))
    one = km.at(400)
    assert len(one) == 1 and one["time"].item() == 400
    assert len(km.at([np.nan, 400])) == 1


def test_logrank_without_events_in_a_group_counts_as_r() -> None:
    # a group nobody in which is at risk at any event time has expected 0: R drops it from df
    # R: survdiff(Surv(time, event) ~ g, data.frame(time = c(1, 2, 3, 0.2, 0.5),
    #   event = c(1, 1, 0, 0, 0), g = c("a", "b", "a", "c", "c")))  -> chisq 0.0588235294117648, 1 df
    df = pd.DataFrame(
        {"time": [1, 2, 3, 0.2, 0.5], "event": [1, 1, 0, 0, 0], "g": ["a", "b", "a", "c", "c"]}
    )
    lr = logrank_test(df, group="g")
    assert lr.df == 1
    assert lr.table["expected"].iloc[2] == 0
    np.testing.assert_allclose(lr.chisq, 0.0588235294117648, rtol=RTOL)


def test_times_off_a_grid_give_r_numbers() -> None:
    # R data have whole-day times (the grid fast path); in months they are hashed instead
    case = REF["km"]["lung_sex_log"]
    lung = load("lung")
    km = kaplan_meier(lung.assign(time=lung.time / 30.4375), group="sex")
    for col in ["n_risk", "n_event", "surv", "std_err", "lower", "upper", "cumhaz"]:
        close(km.table[col], case["result"][col], f"months: {col}")
    close(km.table["time"] * 30.4375, case["result"]["time"], "months: time")
    lr = logrank_test(lung.assign(time=lung.time / 30.4375), group="sex")
    close(lr.chisq, REF["logrank"]["lung_sex"]["result"]["chisq"], "months: chisq")


@pytest.mark.parametrize("scale", [1.0, 10.0, 100.0, 7.0])
def test_time_codes_equal_np_unique(scale: float) -> None:
    from lms_prognosis._survfit import time_codes

    rng = np.random.default_rng(3)
    t = np.round(rng.exponential(30.0, 5000) * scale) / scale
    t[:10] = 0.0
    codes, uniq = time_codes(t)
    ref_uniq, ref_codes = np.unique(t, return_inverse=True)
    np.testing.assert_array_equal(uniq, ref_uniq)
    np.testing.assert_array_equal(codes, ref_codes)
    codes, values = time_codes(t, superset=True)  # may add unused grid points
    np.testing.assert_array_equal(values[codes], t)
    assert (np.diff(values) > 0).all() and set(ref_uniq) <= set(values)


def test_pandas_nullable_and_boolean_columns() -> None:
    # the cohort uses pandas' boolean dtype (vascular_invasion) and nullable integers
    df = pd.DataFrame(
        {
            "time": pd.array([1, 2, 3, 4, 5, 6], dtype="Float64"),
            "event": pd.array([1, 0, 1, 1, 0, 1], dtype="Int64"),
            "vi": pd.array([True, False, None, True, False, True], dtype="boolean"),
        }
    )
    km = kaplan_meier(df, group="vi")
    assert km.dropped["column"].tolist() == ["vi"]
    assert km.groups == [False, True]
    plain = df.astype({"time": float, "event": int}).dropna()
    plain = plain.assign(vi=plain.vi.astype(bool))
    pd.testing.assert_frame_equal(km.table, kaplan_meier(plain, group="vi").table)
    no_time = kaplan_meier(df.assign(time=pd.array([1, None, 3, 4, 5, 6], dtype="Float64")))
    assert no_time.n == 5 and no_time.dropped["column"].tolist() == ["time"]


# ---- invariants on random data, against brute-force definitions -----------------------------

survival_frames = st.integers(min_value=1, max_value=40).flatmap(
    lambda n: st.builds(
        lambda t, e, g: pd.DataFrame({"time": t, "event": e, "g": g}),
        st.lists(st.integers(0, 12).map(lambda v: v / 2), min_size=n, max_size=n),
        st.lists(st.sampled_from([0, 1, 1, 2]), min_size=n, max_size=n),
        st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n),
    )
)


def r_status_like(df: pd.DataFrame) -> bool:
    """1 and 2 but no 0: refused as R's status coding (tested above)."""
    codes = set(df.event)
    return 2 in codes and 0 not in codes


@settings(max_examples=60, deadline=None)
@given(df=survival_frames, times=st.lists(st.integers(0, 14).map(lambda v: v / 2), max_size=5))
def test_km_matches_its_definition(df: pd.DataFrame, times: list[float]) -> None:
    assume(not r_status_like(df))
    km = kaplan_meier(df, group="g")
    assert km.groups == sorted(df.g.unique())
    for label in km.groups:
        sub = df[df.g == label]
        rows = km.table[km.table.group == label]
        assert rows.time.tolist() == sorted(sub.time.unique())
        surv, haz = 1.0, 0.0
        for r in rows.itertuples():
            n = int((sub.time >= r.time).sum())
            d = int(((sub.time == r.time) & (sub.event == 1)).sum())
            surv *= 1 - d / n
            haz += d / n
            assert (r.n_risk, r.n_event) == (n, d)
            assert r.n_censor == int((sub.time == r.time).sum()) - d  # codes 2 are censored
            np.testing.assert_allclose([r.surv, r.cumhaz], [surv, haz], rtol=1e-12, atol=1e-15)
        at = km.at_risk(times)
        at = at[at.group == label]
        prev = -np.inf
        for r in at.itertuples():
            window = (sub.time > prev) & (sub.time <= r.time)
            assert r.n_risk == int((sub.time >= r.time).sum())
            assert r.n_event == int((window & (sub.event == 1)).sum())
            assert r.n_censor == int((window & (sub.event != 1)).sum())
            prev = r.time


@settings(max_examples=40, deadline=None)
@given(df=survival_frames)
def test_logrank_invariants(df: pd.DataFrame) -> None:
    assume(df.g.nunique() >= 2 and not r_status_like(df))
    lr = logrank_test(df, group="g")
    # O - E sums to zero; V is symmetric with rows summing to zero
    assert abs(lr.table.o_minus_e.sum()) < 1e-9
    v = lr.variance.to_numpy()
    np.testing.assert_allclose(v, v.T, atol=1e-12)
    np.testing.assert_allclose(v.sum(axis=1), 0, atol=1e-9)
    assert lr.table.observed.sum() == (df.event == 1).sum()
    # one stratum holding everyone is the unstratified test
    one = logrank_test(df.assign(s=1), group="g", strata="s")
    np.testing.assert_allclose(one.chisq, lr.chisq, rtol=1e-12, atol=1e-12)
