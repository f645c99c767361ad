"""Issue 11, "Show": one contract for survival input through every entry point.

The same bad inputs (R's 1/2 status, text events, an event code 7, a negative time, missing
times, events and covariates, near-tied times) go through every public entry point that takes
survival data, built on the shipped cohort (``lp.load_synthetic()``, 500 patients):

* refusals: the same exception class (:class:`~lms_prognosis.SurvivalDataError`; ``read_cohort``
  raises ``CohortError``, which is one) and a message with the same fix;
* missing values: the rows are left out and reported, the same ``.n`` and the same ``.dropped``
  rows (the caller's index labels) everywhere;
* near-ties (times that differ by 1e-11, R's ``timefix``): the same answer as on exact ties,
  and ``cox.concordance`` equals ``lp.concordance`` of the same linear predictor.

The caller's frame carries a non-default index so that ``.dropped`` must report its labels.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp

COVARIATES = ["age", "vascular_invasion", "aneuploidy", "necrosis"]  # gustafson1992's inputs
GROUP = "vascular_invasion"  # the KM / log-rank group: a model covariate too
HORIZONS = [12.0, 36.0, 60.0]
POINT = 36.0
BAD_POSITIONS = [1, 10, 100]  # positions of the rows made bad


# ---------------------------------------------------------------- data
@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    df = lp.load_synthetic().data.copy()
    df.index = pd.Index(np.arange(len(df)) * 2 + 1001, name="pid")  # labels, not positions
    assert len(df) == 500 and df[["time", "event", *COVARIATES]].notna().all().all()
    return df


def bad_labels(df: pd.DataFrame) -> list[Any]:
    return df.index[BAD_POSITIONS].tolist()


def _set(df: pd.DataFrame, column: str, value: Any, positions: list[int]) -> pd.DataFrame:
    out = df.copy()
    col = out[column].astype(object) if isinstance(value, str) else out[column]
    col = col.copy()
    col.iloc[positions] = value
    out[column] = col
    return out


def r_status(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(event=df["event"] + 1)


def text_events(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(event=df["event"].map({0: "alive", 1: "dead", 2: "dead other"}))


def code_seven(df: pd.DataFrame) -> pd.DataFrame:
    return _set(df, "event", 7, [3])


def negative_time(df: pd.DataFrame) -> pd.DataFrame:
    return _set(df, "time", -1.0, [5])


REFUSALS: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str]] = {
    # case: (how the frame is spoiled, a phrase every refusal's message must carry)
    "r_status": (r_status, "event_codes={1: 0, 2: 1}"),
    "text_events": (text_events, "text codes"),
    "code_7": (code_seven, "[7]"),
    "negative_time": (negative_time, "negative"),
}


ROW_NAMED = {"code_7": 3, "negative_time": 5}  # case -> position of the one bad row


def missing_time(df: pd.DataFrame) -> pd.DataFrame:
    return _set(df, "time", np.nan, BAD_POSITIONS)


def missing_event(df: pd.DataFrame) -> pd.DataFrame:
    return _set(df.assign(event=df["event"].astype(float)), "event", np.nan, BAD_POSITIONS)


def missing_covariate(df: pd.DataFrame) -> pd.DataFrame:
    return _set(df, GROUP, pd.NA, BAD_POSITIONS)


MISSING: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str]] = {
    "missing_time": (missing_time, "time"),
    "missing_event": (missing_event, "event"),
    "missing_covariate": (missing_covariate, GROUP),
}


def exact_ties(df: pd.DataFrame) -> pd.DataFrame:
    """Whole months: many tied times."""
    return df.assign(time=np.floor(df["time"].to_numpy()))


def near_ties(df: pd.DataFrame) -> pd.DataFrame:
    """The same ties, but every repeat of a time is 1e-11 (or a relative 1e-10) larger than its
    first occurrence: R's timefix makes them the first occurrence again."""
    t = np.floor(df["time"].to_numpy())
    repeat = pd.Series(t).duplicated().to_numpy()
    nudged = np.where(np.arange(len(t)) % 3 == 0, t * (1 + 1e-10), t + 1e-11)
    out = df.assign(time=np.where(repeat, nudged, t))
    assert (out["time"] != t).sum() > 300
    return out


# ---------------------------------------------------------------- entry points
@pytest.fixture(scope="module")
def cox_clean(base: pd.DataFrame) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lp.fit_cox(base, COVARIATES)


@pytest.fixture(scope="module")
def gustafson() -> Any:
    return lp.published_model("gustafson1992")


def _risk(model: Any, df: pd.DataFrame) -> np.ndarray:
    """The clean model's linear predictor on ``df`` (NaN where a covariate is missing)."""
    return model.predict_risk(df)["linear_predictor"].to_numpy()


def _surv(model: Any, df: pd.DataFrame, times: list[float]) -> np.ndarray:
    """The clean model's predicted survival, shape (n, len(times)), NaN rows where missing."""
    long = model.predict_survival(df, times)
    wide = long.pivot(index="patient", columns="time", values="surv").reindex(df.index)
    return wide.to_numpy()


def _applied(table: pd.DataFrame) -> SimpleNamespace:
    """``PublishedModel.apply`` returns a frame; its ``.attrs`` carry n and dropped."""
    return SimpleNamespace(
        n=table.attrs.get("n"),
        table=table,
        dropped=pd.DataFrame(
            table.attrs.get("dropped", []), columns=["row", "column", "value", "reason"]
        ),
    )


def entry_points(cox: Any, model: Any) -> dict[str, Callable[[pd.DataFrame], Any]]:
    """Every public entry point that takes survival data, called on one frame."""
    return {
        "kaplan_meier": lambda df: lp.kaplan_meier(df, group=GROUP),
        "logrank_test": lambda df: lp.logrank_test(df, group=GROUP),
        "fit_cox": lambda df: lp.fit_cox(df, COVARIATES),
        "concordance_array": lambda df: lp.concordance(df, _risk(cox, df)),
        "concordance_column": lambda df: lp.concordance(df.assign(risk=_risk(cox, df)), "risk"),
        "brier_score": lambda df: lp.brier_score(df, cox, times=HORIZONS),
        "time_dependent_auc": lambda df: lp.time_dependent_auc(df, cox, times=HORIZONS),
        "calibration": lambda df: lp.calibration(cox, df, time_point=POINT),
        "validate": lambda df: lp.validate(COVARIATES, df, n_bootstrap=3, seed=1, progress=False),
        "external_validation": lambda df: lp.external_validation(model, df, time_point=POINT),
        "decision_curve": lambda df: lp.decision_curve(df, cox, time_point=POINT),
        "published_model.apply": lambda df: _applied(model.apply(df)),
        # the same functions given arrays or a refitting callable instead of a model
        "brier_score_array": lambda df: lp.brier_score(
            df, _surv(cox, df, HORIZONS), times=HORIZONS
        ),
        "time_dependent_auc_array": lambda df: lp.time_dependent_auc(
            df, _risk(cox, df), times=HORIZONS
        ),
        "calibration_array": lambda df: lp.calibration(
            _surv(cox, df, [POINT])[:, 0], df, time_point=POINT
        ),
        "decision_curve_array": lambda df: lp.decision_curve(
            df, 1 - _surv(cox, df, [POINT])[:, 0], time_point=POINT
        ),
        "validate_callable": lambda df: lp.validate(
            lambda d: lp.fit_cox(d, COVARIATES), df, n_bootstrap=3, seed=1, progress=False
        ),
        # estimation moved out of report/ (issue 11, item 5): reverse-KM follow-up, univariable
        "median_follow_up": lambda df: lp.median_follow_up(df),
        "fit_univariable": lambda df: lp.fit_univariable(df, [GROUP]),
    }


ENTRY_POINTS = [
    "kaplan_meier",
    "logrank_test",
    "fit_cox",
    "concordance_array",
    "concordance_column",
    "brier_score",
    "time_dependent_auc",
    "calibration",
    "validate",
    "external_validation",
    "decision_curve",
    "published_model.apply",
    "brier_score_array",
    "time_dependent_auc_array",
    "calibration_array",
    "decision_curve_array",
    "validate_callable",
    "median_follow_up",
    "fit_univariable",
]
# entry points that read the spoiled covariate themselves (so .dropped names that column);
# the others get a risk or a prediction, whose missing rows must be the same rows
READS_COVARIATE = {
    "kaplan_meier",
    "logrank_test",
    "fit_cox",
    "validate",
    "published_model.apply",
    "validate_callable",
    "fit_univariable",
}
NO_COVARIATE = {"median_follow_up"}  # uses time and event only


def call(name: str, df: pd.DataFrame, cox: Any, model: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return entry_points(cox, model)[name](df)


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize("case", list(REFUSALS))
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_same_refusal_everywhere(
    entry: str, case: str, base: pd.DataFrame, cox_clean: Any, gustafson: Any
) -> None:
    spoil, phrase = REFUSALS[case]
    df = spoil(base)
    before = df.copy(deep=True)
    with pytest.raises(lp.SurvivalDataError) as err:
        call(entry, df, cox_clean, gustafson)
    assert phrase in str(err.value), f"{entry} refused {case} without the fix: {err.value}"
    if case in ROW_NAMED:  # the message names the caller's row label, not a position
        label = base.index[ROW_NAMED[case]]
        assert f"[{label}]" in str(err.value), f"{entry}: {err.value}"
    pd.testing.assert_frame_equal(df, before)  # the caller's frame is never changed


@pytest.mark.parametrize("case", ["r_status", "text_events"])
def test_read_cohort_refuses_the_same_way(case: str, base: pd.DataFrame) -> None:
    spoil, phrase = REFUSALS[case]
    with pytest.raises(lp.CohortError) as err:
        lp.read_cohort(spoil(base).reset_index(drop=True))
    assert isinstance(err.value, lp.SurvivalDataError)
    if case == "r_status":
        assert phrase in str(err.value)


@pytest.mark.parametrize("case", ["code_7", "negative_time"])
def test_read_cohort_excludes_a_bad_row(case: str, base: pd.DataFrame) -> None:
    """design.md section 3: read_cohort never raises on a bad row; it excludes and logs it."""
    spoil, _ = REFUSALS[case]
    cohort = lp.read_cohort(spoil(base).reset_index(drop=True))
    assert len(cohort.data) == 499
    assert len(cohort.exclusions) == 1
    # and what it returns is accepted by every estimator
    assert lp.kaplan_meier(cohort).n == 499


# ---------------------------------------------------------------- rows left out
@pytest.mark.parametrize("case", list(MISSING))
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_same_rows_left_out_everywhere(
    entry: str, case: str, base: pd.DataFrame, cox_clean: Any, gustafson: Any
) -> None:
    spoil, column = MISSING[case]
    df = spoil(base)
    before = df.copy(deep=True)
    res = call(entry, df, cox_clean, gustafson)
    pd.testing.assert_frame_equal(df, before)
    if case == "missing_covariate" and entry in NO_COVARIATE:
        assert res.n == 500 and res.dropped.empty
        return
    assert res.n == 497, f"{entry}: n = {res.n} on {case}"
    dropped = res.dropped
    assert list(dropped.columns) == ["row", "column", "value", "reason"]
    assert sorted(set(dropped["row"])) == bad_labels(base), f"{entry}: {dropped}"
    assert set(dropped["reason"]) == {"missing"}
    if case != "missing_covariate" or entry in READS_COVARIATE:
        assert dropped["column"].tolist() == [column] * 3
    if hasattr(res, "_repr_html_"):  # a result object: its repr says so too
        assert "3 rows left out" in repr(res)


# ---------------------------------------------------------------- near-ties (timefix)
def _same(a: Any, b: Any, rtol: float = 1e-12) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=rtol, atol=1e-13)
    else:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-13)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_near_ties_as_exact_ties(
    entry: str, base: pd.DataFrame, cox_clean: Any, gustafson: Any
) -> None:
    exact = call(entry, exact_ties(base), cox_clean, gustafson)
    near = call(entry, near_ties(base), cox_clean, gustafson)
    assert near.n == exact.n == 500
    _same(near.table, exact.table)
    for attr in ("c", "se", "chisq", "p", "loglik", "coef", "ibs"):
        if hasattr(exact, attr) and not callable(getattr(exact, attr)):
            _same(getattr(near, attr), getattr(exact, attr))


def test_km_times_are_the_exact_ties(base: pd.DataFrame) -> None:
    near = lp.kaplan_meier(near_ties(base))
    exact = lp.kaplan_meier(exact_ties(base))
    assert near.table["time"].tolist() == exact.table["time"].tolist()
    assert (near.table["time"] == np.floor(near.table["time"])).all()


def test_logrank_near_ties(base: pd.DataFrame) -> None:
    near = lp.logrank_test(near_ties(base), group="grade")
    exact = lp.logrank_test(exact_ties(base), group="grade")
    assert near.chisq == pytest.approx(exact.chisq, rel=1e-12)


@pytest.mark.parametrize(
    "make", [near_ties, exact_ties, lambda df: df], ids=["near_ties", "exact_ties", "continuous"]
)
def test_cox_concordance_is_lp_concordance(
    make: Callable[[pd.DataFrame], pd.DataFrame], base: pd.DataFrame
) -> None:
    df = make(base)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cox = lp.fit_cox(df, COVARIATES)
    lin = cox.predict_risk(df)["linear_predictor"]
    assert lp.concordance(df, lin.to_numpy()).c == pytest.approx(cox.concordance, abs=1e-12)
    assert lp.concordance(df.assign(lp=lin), "lp").c == pytest.approx(cox.concordance, abs=1e-12)


# ---------------------------------------------------------------- results own their data
@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_editing_the_frame_afterwards_changes_nothing(
    entry: str, base: pd.DataFrame, cox_clean: Any, gustafson: Any
) -> None:
    df = missing_time(base)
    res = call(entry, df, cox_clean, gustafson)
    table, shown, dropped = res.table.copy(), repr(res), res.dropped.copy()
    df["time"] = df["time"] * 2 + 1
    df["event"] = 1 - df["event"]
    df[GROUP] = pd.NA
    pd.testing.assert_frame_equal(res.table, table)
    pd.testing.assert_frame_equal(res.dropped, dropped)
    assert repr(res) == shown


def test_km_logrank_uses_its_own_copy(base: pd.DataFrame) -> None:
    df = base.copy()
    km = lp.kaplan_meier(df, group=GROUP)
    before = km.logrank().chisq if hasattr(km, "logrank") else None
    df["event"] = 0
    df["time"] = 1.0
    if before is not None:
        assert km.logrank().chisq == before
    assert km.table["n_event"].sum() == int((base["event"] == 1).sum())
