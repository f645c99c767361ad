"""The one survival-input check (``lms_prognosis._survdata``): every rule of its docstring, and
``timefix`` against R's ``survival:::aeqSurv`` (tests/reference/timefix.json, exact doubles)."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lms_prognosis as lp
from lms_prognosis import _timefix
from lms_prognosis._results import DROPPED_COLUMNS
from lms_prognosis._survdata import TIMEFIX_TOLERANCE, SurvData, survival_data, timefix
from lms_prognosis.exceptions import ColumnNotFoundError, LMSPrognosisError, SurvivalDataError

FIXTURE = Path(__file__).parent / "reference" / "timefix.json"


def frame(**extra: object) -> pd.DataFrame:
    base = {"time": [3.0, 5.0, 7.0, 9.0, 11.0, 13.0], "event": [1, 0, 1, 2, 0, 1]}
    base.update(extra)
    return pd.DataFrame(base, index=[10, 11, 12, 13, 14, 15])


# ---------------------------------------------------------------- event codes
@pytest.mark.parametrize("dtype", ["int64", "float64", "object", "Int64"])
def test_r_status_refused_with_the_fix(dtype: str) -> None:
    df = frame(event=pd.Series([2, 1, 2, 2, 1, 1], index=range(10, 16)).astype(dtype))
    with pytest.raises(SurvivalDataError) as err:
        survival_data(df)
    msg = str(err.value)
    assert "event_codes={1: 0, 2: 1}" in msg
    assert ".map({1: 0, 2: 1})" in msg
    assert "R's Surv status" in msg


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_only_twos_is_r_status_on_every_path(dtype: str) -> None:
    # the fast min/max path must refuse what the full check refuses
    df = frame(event=np.full(6, 2).astype(dtype))
    with pytest.raises(SurvivalDataError, match="R's Surv status"):
        survival_data(df)


def test_only_ones_are_events() -> None:
    sd = survival_data(frame(event=[1] * 6))
    assert sd.n_events == 6


def test_text_events_refused() -> None:
    df = frame(event=["dead", "alive", "dead", "alive", "dead", "alive"])
    with pytest.raises(SurvivalDataError) as err:
        survival_data(df)
    msg = str(err.value)
    assert "text codes" in msg and "'alive'" in msg and "'dead'" in msg
    assert "event_codes=" in msg
    assert "[10, 11, 12, 13, 14] and 1 more" in msg  # the caller's index labels


@pytest.mark.parametrize(
    "codes", [[0, 1, 7, 0, 1, 0], [0.0, 1.0, 7.0, 0.0, 1.0, 0.0], ["0", "1", "7", "0", "1", "0"]]
)
def test_code_seven_refused(codes: list[object]) -> None:
    with pytest.raises(SurvivalDataError, match=r"code\(s\) \[7\] in row \[12\]"):
        survival_data(frame(event=codes))


def test_fractional_code_refused() -> None:
    with pytest.raises(SurvivalDataError, match=r"code\(s\) \[1\.5\]"):
        survival_data(frame(event=[0, 1, 1.5, 0, 1, 0]))


def test_negative_code_refused() -> None:
    with pytest.raises(SurvivalDataError, match=r"code\(s\) \[-1\]"):
        survival_data(frame(event=[0, 1, -1, 0, 1, 0]))


def test_float_codes_with_two_are_fine() -> None:
    sd = survival_data(frame(event=[1.0, 0.0, 1.0, 2.0, 0.0, 2.0]))
    assert sd.event.dtype == np.int8
    assert sd.event.tolist() == [1, 0, 1, 2, 0, 2]
    assert (sd.n_events, sd.n_competing) == (2, 2)
    assert sd.status(2).tolist() == [0.0, 0.0, 0.0, 1.0, 0.0, 1.0]


@pytest.mark.parametrize("dtype", [bool, "boolean"])
def test_booleans_are_zero_one(dtype: object) -> None:
    sd = survival_data(
        frame(
            event=pd.Series(
                [True, False, True, True, False, False], dtype=dtype, index=range(10, 16)
            )
        )
    )
    assert sd.event.tolist() == [1, 0, 1, 1, 0, 0]


def test_nullable_boolean_missing_is_dropped() -> None:
    ev = pd.array([True, None, True, True, False, False], dtype="boolean")
    sd = survival_data(frame(event=ev))
    assert sd.n == 5
    assert sd.dropped[["row", "column"]].values.tolist() == [[11, "event"]]


@pytest.mark.parametrize(
    "events", [[1, 0, 1, 2, 0, 1], [1.0, 0.0, 1.0, 2.0, 0.0, 1.0], ["1", "0", "1", "2", "0", "1"]]
)
def test_same_codes_whatever_the_dtype(events: list[object]) -> None:
    assert survival_data(frame(event=events)).event.tolist() == [1, 0, 1, 2, 0, 1]


# ---------------------------------------------------------------- times, start, weights
def test_negative_time_refused() -> None:
    with pytest.raises(SurvivalDataError, match=r"negative values in row \[11\]; follow-up"):
        survival_data(frame(time=[3.0, -5.0, 7.0, 9.0, 11.0, 13.0]))


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_time_refused(bad: float) -> None:
    with pytest.raises(SurvivalDataError, match=r"infinite values in row \[13\]"):
        survival_data(frame(time=[3.0, 5.0, 7.0, bad, 11.0, 13.0]))


def test_text_time_refused() -> None:
    with pytest.raises(SurvivalDataError, match="pd.to_numeric"):
        survival_data(frame(time=["3", "5", "7 months", "9", "11", "13"]))


def test_zero_time_and_negative_zero() -> None:
    sd = survival_data(frame(time=[0.0, -0.0, 7.0, 9.0, 11.0, 13.0]))
    assert sd.time[:2].tolist() == [0.0, 0.0]
    assert not np.signbit(sd.time).any()


def test_start_before_stop_required() -> None:
    with pytest.raises(SurvivalDataError, match=r"start < stop"):
        survival_data(frame(t0=[0.0, 5.0, 1.0, 0.0, 2.0, 0.0]), start="t0")
    with pytest.raises(SurvivalDataError, match=r"in row \[11\]"):
        survival_data(frame(t0=[0.0, 6.0, 1.0, 0.0, 2.0, 0.0]), start="t0")


def test_negative_start_is_allowed_infinite_is_not() -> None:
    sd = survival_data(frame(t0=[-2.0, 0.0, 1.0, 0.0, 2.0, 0.0]), start="t0")
    assert sd.start is not None and sd.start.tolist() == [-2.0, 0.0, 1.0, 0.0, 2.0, 0.0]
    with pytest.raises(SurvivalDataError, match="infinite"):
        survival_data(frame(t0=[-np.inf, 0.0, 1.0, 0.0, 2.0, 0.0]), start="t0")


def test_weights() -> None:
    sd = survival_data(frame(w=[1.0, 0.0, 2.5, 1.0, 1.0, 1.0]), weights="w")
    assert sd.weights is not None and sd.weights.tolist() == [1.0, 0.0, 2.5, 1.0, 1.0, 1.0]
    for bad in (-1.0, np.inf):
        with pytest.raises(SurvivalDataError, match=r"weights column 'w' .* row \[12\]"):
            survival_data(frame(w=[1.0, 0.0, bad, 1.0, 1.0, 1.0]), weights="w")


# ---------------------------------------------------------------- missing values
def test_every_missing_cell_is_one_dropped_line() -> None:
    df = frame(
        time=[3.0, np.nan, 7.0, 9.0, 11.0, 13.0],
        event=[1, 0, None, 2, 0, 1],
        age=[50.0, np.nan, 61.0, 70.0, np.nan, 40.0],
        grade=["1", "2", "3", None, "2", "1"],
        centre=["a", "b", "a", "b", "a", None],
        site=["x", "y", "x", "y", "x", "y"],
        surgeon=[1.0, 2.0, 3.0, 4.0, 5.0, np.nan],
        t0=[0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        w=[1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    )
    risk = np.array([0.1, 0.2, 0.3, 0.4, np.nan, 0.6])
    sd = survival_data(
        df,
        covariates=["age"],
        group="grade",
        strata="centre",
        start="t0",
        weights="w",
        cluster="surgeon",
        extra={"risk": risk},
    )
    assert list(sd.dropped.columns) == list(DROPPED_COLUMNS)
    got = sd.dropped[["row", "column", "reason"]].values.tolist()
    assert got == [
        [11, "time", "missing"],
        [11, "age", "missing"],
        [12, "event", "missing"],
        [13, "grade", "missing"],
        [14, "age", "missing"],
        [14, "risk", "missing"],
        [15, "centre", "missing"],
        [15, "surgeon", "missing"],
    ]
    assert sd.n == 1 and sd.n_input == 6
    assert sd.index.tolist() == [10] and sd.positions.tolist() == [0]
    assert sd.frame.columns.tolist() == ["age", "grade", "centre", "surgeon", "risk"]


@pytest.mark.parametrize("role", ["start", "weights"])
def test_missing_start_or_weight_is_dropped(role: str) -> None:
    values = [0.0, 1.0, np.nan, 0.0, 1.0, 0.0]
    kwargs = {"start": "x"} if role == "start" else {"weights": "x"}
    sd = survival_data(frame(x=values), **kwargs)  # type: ignore[arg-type]
    assert sd.dropped[["row", "column"]].values.tolist() == [[12, "x"]]
    assert sd.n == 5


def test_extra_of_wrong_length() -> None:
    with pytest.raises(SurvivalDataError, match="give one value per row"):
        survival_data(frame(), extra={"risk": [1.0, 2.0]})


def test_nothing_dropped_is_an_empty_table() -> None:
    sd = survival_data(frame())
    assert sd.dropped.empty and list(sd.dropped.columns) == list(DROPPED_COLUMNS)
    assert sd.n == 6 and sd.positions.tolist() == list(range(6))


def test_no_usable_row() -> None:
    with pytest.raises(SurvivalDataError, match="no rows left to analyse"):
        survival_data(frame(age=[np.nan] * 6), covariates=["age"])
    with pytest.raises(SurvivalDataError, match="no rows left"):
        survival_data(pd.DataFrame({"time": [], "event": []}))


# ---------------------------------------------------------------- the caller's data
def test_callers_frame_is_not_changed_and_results_own_their_data() -> None:
    df = frame(
        time=[3.0, -0.0, 0.1 + 0.2, 0.3, np.nan, 13.0],
        age=[1.0, 2.0, 3.0, 4.0, 5.0, None],
        event=[1.0, 0.0, 1.0, 2.0, 0.0, 1.0],
    )
    before = df.copy(deep=True)
    sd = survival_data(df, covariates=["age"])
    pd.testing.assert_frame_equal(df, before)
    assert np.signbit(df["time"].to_numpy()[1])  # even -0.0 is left alone
    assert sd.n_timefixed == 1
    assert not np.shares_memory(sd.time, df["time"].to_numpy())
    assert not np.shares_memory(sd.event, df["event"].to_numpy())
    kept_time = sd.time.copy()
    assert sd.frame.loc[10, "age"] == 1.0  # built on first use, within the caller's call
    df.loc[10, "time"] = 99.0
    df.loc[10, "age"] = 99.0
    assert sd.time.tolist() == kept_time.tolist()
    assert sd.frame.loc[10, "age"] == 1.0
    assert not np.shares_memory(sd.frame["age"].to_numpy(), df["age"].to_numpy())


def test_a_result_owns_its_data_when_the_callers_frame_changes_later() -> None:
    df = lp.load_synthetic().data.copy()
    fit = lp.fit_cox(df, covariates=["age", "grade"])
    new = df.iloc[:3]
    before = fit.predict_survival(new, [12.0, 60.0])
    df["age"] = 0.0
    df["time"] = 1.0
    pd.testing.assert_frame_equal(fit.predict_survival(new, [12.0, 60.0]), before)
    assert fit.check_ph().table["chisq"].notna().all()


def test_a_cohort_is_accepted() -> None:
    cohort = lp.load_synthetic()
    sd = survival_data(cohort, covariates=["age", "grade"])
    assert isinstance(sd, SurvData)
    assert sd.n == len(cohort.data) == 500
    assert sd.n_events == int((cohort.data["event"] == 1).sum())


def test_not_a_frame() -> None:
    with pytest.raises(TypeError, match="DataFrame or a Cohort"):
        survival_data([1, 2, 3])


@pytest.mark.parametrize(
    "kwargs, role, wrong, hint",
    [
        ({"time": "tme"}, "time", "tme", "time"),
        ({"event": "evnt"}, "event", "evnt", "event"),
        ({"covariates": ["agee"]}, "covariate", "agee", "age"),
        ({"group": "grde"}, "covariate", "grde", "grade"),
        ({"strata": "grade_"}, "covariate", "grade_", "grade"),
        ({"cluster": "ag"}, "covariate", "ag", "age"),
        ({"start": "strt"}, "start", "strt", "start"),
        ({"weights": "weight"}, "weights", "weight", "weights"),
    ],
)
def test_missing_column_names_a_close_match(
    kwargs: dict[str, object], role: str, wrong: str, hint: str
) -> None:
    df = frame(age=[1.0] * 6, grade=["1"] * 6, start=[0.0] * 6, weights=[1.0] * 6)
    with pytest.raises(ColumnNotFoundError) as err:
        survival_data(df, **kwargs)  # type: ignore[arg-type]
    assert not isinstance(err.value, KeyError)
    assert isinstance(err.value, LMSPrognosisError)
    assert str(err.value).startswith(
        f"{role} column {wrong!r} is not in the data; did you mean {hint!r}"
    )


def test_missing_column_without_a_close_match_lists_columns() -> None:
    with pytest.raises(ColumnNotFoundError, match=r"'zzz' is not in the data; Columns: "):
        survival_data(frame(), covariates=["zzz"])


# ---------------------------------------------------------------- timefix against R
FIXTURE_CASES = json.loads(FIXTURE.read_text())["cases"]


def _num(values: list[str | None]) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values])


@pytest.mark.parametrize("case", FIXTURE_CASES, ids=[c["name"] for c in FIXTURE_CASES])
def test_timefix_equals_r_aeqsurv(case: dict[str, object]) -> None:
    time = _num(case["time"])  # type: ignore[arg-type]
    start = _num(case["start"]) if "start" in case else None  # type: ignore[arg-type]
    tol = float(case["tolerance"]) if "tolerance" in case else TIMEFIX_TOLERANCE  # type: ignore[arg-type]
    if "error" in case:
        with pytest.raises(SurvivalDataError, match="aeqSurv exception"):
            timefix(time, start, tol)
        return
    new_time, new_start, changed = timefix(time, start, tol)
    r_time = _num(case["fixed_time"])  # type: ignore[arg-type]
    if case["name"] == "infinite_quirk":  # R moves Inf onto the largest cut; we keep it
        finite = np.isfinite(time)
        assert np.array_equal(new_time[finite], r_time[finite])
        assert np.isinf(new_time[~finite]).all()
        return
    assert np.array_equal(new_time, r_time, equal_nan=True), case["call"]
    if start is not None:
        assert new_start is not None
        assert np.array_equal(new_start, _num(case["fixed_start"]))  # type: ignore[arg-type]
    assert changed == case["n_changed"]


def test_fixture_pins_r_tolerance() -> None:
    meta = json.loads(FIXTURE.read_text())["meta"]
    assert float(meta["tolerance"]) == TIMEFIX_TOLERANCE


def test_timefix_returns_inputs_when_nothing_changes() -> None:
    t = np.array([1.0, 2.0, 3.5])
    new, start, changed = timefix(t)
    assert new is t and start is None and changed == 0


def test_survival_data_applies_timefix_everywhere() -> None:
    df = frame(time=[1.0, 1.0 + 1e-11, 0.1 + 0.2, 0.3, 5.0, 5.0 * (1 + 1e-12)])
    sd = survival_data(df)
    assert sd.time.tolist() == [1.0, 1.0, 0.3, 0.3, 5.0, 5.0]  # the smaller of a run is kept
    assert sd.n_timefixed == 3
    raw = survival_data(df, apply_timefix=False)
    assert raw.time.tolist() == df["time"].tolist() and raw.n_timefixed == 0


def test_timefix_collapsing_interval_is_refused_in_survival_data() -> None:
    df = pd.DataFrame({"t0": [0.0, 1.0], "time": [1.0, 1.0 + 1e-10], "event": [1, 0]})
    with pytest.raises(SurvivalDataError, match="aeqSurv exception"):
        survival_data(df, start="t0")


def test_grid_fast_path_refuses_the_next_double() -> None:
    for step, k in ((10.0, 17), (100.0, 35)):
        v = k / step
        values = np.array([v, np.nextafter(v, np.inf)])
        assert np.nextafter(v, np.inf) * step == k  # the trap: both look whole
        assert not _timefix._on_coarse_grid(values, TIMEFIX_TOLERANCE)
        assert timefix(values)[0].tolist() == [v, v]


def _grid_values() -> st.SearchStrategy[np.ndarray]:
    """Multiples of a step (whole, tenths, hundredths) and their neighbouring doubles, the
    neighbour chosen so that ``neighbour * step`` is still whole (the trap where a value looks
    on the grid although R merges it with the multiple), else the multiple itself."""
    step = st.sampled_from([1.0, 10.0, 100.0])
    near = st.lists(st.sampled_from([0, 0, 1, 2]), min_size=1, max_size=3)
    k = st.one_of(
        st.integers(0, 400), st.integers(0, 400), st.integers(0, 400), st.integers(0, 7 * 10**7)
    )  # up to where the relative rule bites

    def neighbour(v: float, s: float, ulps: int) -> float:
        for direction in (np.inf, -np.inf):
            w = v
            for _ in range(ulps):
                w = float(np.nextafter(w, direction))
            if w * s == v * s:
                return w
        return float(np.nextafter(v, np.inf)) if s == 1.0 else v

    def build(args: tuple[float, list[tuple[int, list[int]]]]) -> np.ndarray:
        s, items = args
        return np.array(
            [neighbour(kk / s, s, u) if u else kk / s for kk, offsets in items for u in offsets]
        )

    return st.tuples(step, st.lists(st.tuples(k, near), min_size=1, max_size=8)).map(build)


@settings(max_examples=400, deadline=None)
@given(_grid_values())
def test_grid_fast_path_never_skips_a_merge(values: np.ndarray) -> None:
    fast = timefix(values)
    with mock.patch.object(_timefix, "_on_coarse_grid", lambda v, tol: False):
        slow = timefix(values)
    assert np.array_equal(fast[0], slow[0])
    assert fast[2] == slow[2]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(0, 1e4)),
            st.one_of(st.none(), st.sampled_from([0, 1, 2])),
            st.one_of(st.none(), st.sampled_from(["a", "b"])),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_every_row_is_analysed_or_dropped(rows: list[tuple[object, object, object]]) -> None:
    df = pd.DataFrame(rows, columns=["time", "event", "g"], index=np.arange(len(rows)) * 3 + 1)
    df["time"] = df["time"].astype(float)
    try:
        sd = survival_data(df, group="g")
    except SurvivalDataError as err:
        assert "no rows left" in str(err) or "R's Surv status" in str(err)
        return
    dropped_rows = set(sd.dropped["row"])
    assert sd.n + len(dropped_rows) == len(df)
    assert dropped_rows.isdisjoint(set(sd.index))
    assert set(sd.index) | dropped_rows == set(df.index)
    assert len(sd.dropped) == int(df.isna().sum().sum())


def test_extra_named_like_a_column() -> None:
    df = frame(risk=[0.1, np.nan, 0.3, 0.4, 0.5, 0.6])
    risk = np.array([0.1, 0.2, 0.3, np.nan, 0.5, 0.6])
    sd = survival_data(df, covariates=["risk"], extra={"risk": risk})
    assert sd.dropped[["row", "column"]].values.tolist() == [[11, "risk"], [13, "risk"]]
    assert sd.frame["risk"].tolist() == [0.1, 0.3, 0.5, 0.6]  # the extra's values


@pytest.mark.parametrize(
    "values", [pd.to_timedelta([1, 2, 3, 4, 5, 6], unit="D"), pd.to_datetime(["2020-01-01"] * 6)]
)
def test_durations_and_dates_are_not_silently_nanoseconds(values: object) -> None:
    with pytest.raises(SurvivalDataError, match=r"not a number of months.*30\.4375"):
        survival_data(frame(time=values))


@pytest.mark.parametrize(
    "events, codes",
    [
        (pd.Series([0, 1, 1, 2, 0, 1], dtype="category"), [0, 1, 1, 2, 0, 1]),
        (pd.Series([True, False, True, True, False, False], dtype=object), [1, 0, 1, 1, 0, 0]),
        (pd.Series(["0", "1", "1", "2", "0", "1"], dtype="string"), [0, 1, 1, 2, 0, 1]),
    ],
)
def test_other_event_dtypes(events: pd.Series, codes: list[int]) -> None:
    events.index = range(10, 16)
    assert survival_data(frame(event=events)).event.tolist() == codes


def test_extras_with_dropped_rows_raise_no_pandas_warning() -> None:
    import warnings

    df = frame(age=[1.0, None, 3.0, 4.0, 5.0, 6.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sd = survival_data(df, covariates=["age"], extra={"risk": np.arange(6.0)})
    assert sd.frame["risk"].tolist() == [0.0, 2.0, 3.0, 4.0, 5.0]
