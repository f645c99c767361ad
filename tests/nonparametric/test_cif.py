"""Cumulative incidence against R's own numbers (tests/reference/competing_nonparametric.json).

The fixtures are made by tests/reference/competing_nonparametric.R: R ``survfit`` multi-state
tables (estimate, infinitesimal-jackknife std.err, CIs), ``summary(fit, times=)`` and
``cmprsk::cuminc``'s estimate and variance, on mgus2, a simulated LMS cohort and tiny inline
sets. Each entry carries the R call that made it; closed forms are compared to 1e-9 relative.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_prognosis import DataWarning, SurvivalDataError, cumulative_incidence, kaplan_meier
from lms_prognosis.nonparametric import CIFResult

REF_DIR = Path(__file__).parents[1] / "reference"
REF = json.loads((REF_DIR / "competing_nonparametric.json").read_text())
RTOL = 1e-9
ATOL = 1e-13


def load(name: str) -> pd.DataFrame:
    if name.startswith("inline_"):
        return pd.DataFrame(REF["inline"][name.removeprefix("inline_")])
    return pd.read_csv(REF_DIR / "data" / f"{name}.csv")


def num(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


def close(actual, desired, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), num(desired), rtol=RTOL, atol=ATOL, err_msg=what
    )


def fit(case: dict) -> CIFResult:
    args = case["args"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return cumulative_incidence(
            load(case["data"]),
            group=args["group"],
            conf_type=args["conf_type"],
            conf_level=args["conf_level"],
        )


@pytest.mark.parametrize("name", sorted(REF["cif"]))
def test_table_matches_survfit_and_cuminc(name: str) -> None:
    case = REF["cif"][name]
    res = fit(case)
    assert res.n == case["n"], case["call"]
    assert res.causes == case["causes"], case["call"]
    for cause, want in case["result"].items():
        got = res.table[res.table["cause"] == int(cause)]
        assert [str(g) for g in got["group"]] == [str(g) for g in want["group"]], case["call"]
        for col in ("time", "n_risk", "n_event", "n_censor", "cif", "std_err", "lower", "upper"):
            close(got[col], want[col], f"{case['call']} cause {cause} {col}")
        close(got["cif"], want["cuminc_est"], f"{case['cuminc_call']} cause {cause} est")
        close(got["var_cmprsk"], want["cuminc_var"], f"{case['cuminc_call']} cause {cause} var")


@pytest.mark.parametrize("name", sorted(REF["at"]))
def test_at_matches_summary_times(name: str) -> None:
    case = REF["at"][name]
    res = fit(REF["cif"][case["cif"]])
    out = res.at(case["times"], extend=case["extend"])
    for cause, want in case["result"].items():
        got = out[out["cause"] == int(cause)]
        assert [str(g) for g in got["group"]] == [str(g) for g in want["group"]], case["call"]
        for col in ("time", "n_risk", "n_event", "cif", "std_err", "lower", "upper"):
            close(got[col], want[col], f"{case['call']} cause {cause} {col}")


def test_dropped_rows_are_r_na_omit() -> None:
    res = fit(REF["cif"]["lms_grade"])
    assert res.n == 998 and res.n_dropped == 2
    assert res.dropped["column"].tolist() == ["grade", "grade"]
    assert res.dropped["row"].tolist() == [4, 49]


def test_no_competing_events_is_one_minus_km_and_says_so() -> None:
    df = load("inline_nocomp")
    with pytest.warns(DataWarning, match="1 - Kaplan-Meier"):
        res = cumulative_incidence(df)
    assert res.causes == [1]
    assert any("1 - Kaplan-Meier" in n for n in res.notes)
    assert "1 - Kaplan-Meier" in repr(res)
    km = kaplan_meier(df).table
    np.testing.assert_allclose(res.table["cif"], 1.0 - km["surv"], rtol=1e-12)


def test_group_without_events_of_a_cause_is_zero_and_noted() -> None:
    res = fit(REF["cif"]["emptycause"])
    sub = res.table[(res.table["cause"] == 2) & (res.table["group"] == "b")]
    assert (sub["cif"] == 0).all() and (sub["std_err"] == 0).all()
    assert sub["lower"].isna().all()
    assert any("arm=b has no events of cause 2" in n for n in res.notes)


def test_cause_not_present_is_a_clear_error() -> None:
    with pytest.warns(DataWarning):
        res = cumulative_incidence(load("inline_nocomp"))
    with pytest.raises(SurvivalDataError, match=r"cause 2 has no events .*causes present: \[1\]"):
        res.at([1.0], cause=2)


def test_no_events_at_all_is_refused() -> None:
    df = pd.DataFrame({"time": [1.0, 2.0], "event": [0, 0]})
    with pytest.raises(SurvivalDataError, match="no events of any cause"):
        cumulative_incidence(df)


@pytest.mark.parametrize(
    ("events", "match"),
    [([1, 2, 2, 1], "R's Surv status"), ([0, 3, 1, 2], r"code\(s\) \[3\]"), (list("abab"), "text")],
)
def test_undeclared_event_codes_are_refused(events: list, match: str) -> None:
    df = pd.DataFrame({"time": [1.0, 2.0, 3.0, 4.0], "event": events})
    with pytest.raises(SurvivalDataError, match=match):
        cumulative_incidence(df)


def test_at_risk_is_data_and_sums_causes() -> None:
    res = fit(REF["cif"]["mgus2_sex"])
    ar = res.at_risk([0, 60, 120])
    assert ar.columns.tolist() == [
        "group",
        "time",
        "n_risk",
        "n_event",
        "n_censor",
        "n_event_1",
        "n_event_2",
    ]
    assert (ar["n_event"] == ar["n_event_1"] + ar["n_event_2"]).all()
    want = REF["at"]["mgus2_sex_extend"]["result"]["1"]
    t_want = num(want["time"])
    got = ar.set_index(["group", "time"])["n_risk"]
    for g, t, n in zip(want["group"], t_want, want["n_risk"], strict=True):
        if t in (0, 60, 120):
            assert got[(g, t)] == n


def test_result_owns_its_data() -> None:
    df = load("inline_ties")
    res = cumulative_incidence(df, group="arm")
    before = res.table.copy()
    chisq = res.gray_test().chisq
    df["time"] = 99.0
    pd.testing.assert_frame_equal(res.table, before)
    assert res.gray_test().chisq == chisq


def test_gray_test_method_equals_function() -> None:
    case = REF["gray"]["ties"]
    res = cumulative_incidence(load("inline_ties"), group="arm").gray_test()
    close([res.chisq], [case["chisq"][0]], case["call"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 8), st.sampled_from([0, 1, 1, 2])), min_size=2, max_size=30)
)
def test_states_sum_to_one_and_match_brute_force_jackknife(rows: list) -> None:
    """Event-free + sum of CIFs = 1; std_err equals the numerical influence of every row."""
    df = pd.DataFrame(rows, columns=["time", "event"]).astype(float)
    if not (df["event"] > 0).any() or (0.0 not in set(df["event"]) and 2.0 in set(df["event"])):
        return  # no event, or R's 1/2 status (refused, tested above)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        res = cumulative_incidence(df)
    km_all = kaplan_meier(df.assign(event=(df["event"] > 0).astype(int))).table["surv"]
    total = sum(res.table.loc[res.table["cause"] == c, "cif"].to_numpy() for c in res.causes)
    np.testing.assert_allclose(total + km_all.to_numpy(), 1.0, atol=1e-12)
    u = np.sort(df["time"].unique())
    t, e = df["time"].to_numpy(), df["event"].to_numpy()

    def aj(w: np.ndarray) -> np.ndarray:
        s, f, out = 1.0, np.zeros(len(res.causes)), []
        for x in u:
            n = w[t >= x].sum()
            d = np.array([w[(t == x) & (e == c)].sum() for c in res.causes])
            f = f + s * d / n
            s *= 1 - d.sum() / n
            out.append(f.copy())
        return np.array(out)

    h, base = 1e-7, aj(np.ones(len(t)))
    infl = np.array(
        [(aj(np.ones(len(t)) + h * np.eye(len(t))[i]) - base) / h for i in range(len(t))]
    )
    se = np.sqrt((infl**2).sum(axis=0))
    for i, c in enumerate(res.causes):
        got = res.table.loc[res.table["cause"] == c, "std_err"].to_numpy()
        np.testing.assert_allclose(got, se[:, i], atol=1e-5)


def test_bad_options_are_refused() -> None:
    df = load("inline_ties")
    with pytest.raises(SurvivalDataError, match="conf_type must be one of"):
        cumulative_incidence(df, conf_type="arcsin")
    with pytest.raises(SurvivalDataError, match="conf_level"):
        cumulative_incidence(df, conf_level=95)
    with pytest.raises(SurvivalDataError, match="requested times must be >= 0"):
        cumulative_incidence(df).at([-1.0])


def test_only_competing_events_is_said() -> None:
    df = pd.DataFrame({"time": [1.0, 2.0, 3.0], "event": [2, 0, 2]})
    res = cumulative_incidence(df)
    assert res.causes == [2]
    assert any("No events of cause 1" in n for n in res.notes)


def test_cohort_input_equals_its_frame() -> None:
    import lms_prognosis as lp

    cohort = lp.simulate_cohort(n=300, seed=2, competing_risks=True)
    res = cumulative_incidence(cohort, group="grade")
    direct = cumulative_incidence(cohort.data, group="grade")
    pd.testing.assert_frame_equal(res.table, direct.table)
    assert res.n == 300 and res.groups == direct.groups
