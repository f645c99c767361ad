"""Kaplan-Meier additions against R (tests/reference/km_extra.json, made by km_extra.R).

RMST and its se as ``summary(survfit, rmean = tau)``; contrasts as survRM2's arithmetic on
those; quantiles as ``quantile.survfit``; the logit and arcsin pointwise intervals as
``survfit(conf.type =)``. Compared to 1e-9 relative; NA in R is NaN here.
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

from lms_prognosis.exceptions import DataWarning, SurvivalDataError
from lms_prognosis.nonparametric import KMResult, kaplan_meier

REF_DIR = Path(__file__).parents[1] / "reference"
REF = json.loads((REF_DIR / "km_extra.json").read_text())
RTOL = 1e-9
LEVELS = {"veteran": {"celltype": ["squamous", "smallcell", "adeno", "large"]}}


def load(name: str) -> pd.DataFrame:
    if name.startswith("inline_"):
        return pd.DataFrame(REF["inline"][name.removeprefix("inline_")])
    df = pd.read_csv(REF_DIR / "data" / f"{name}.csv")
    for col, levels in LEVELS.get(name, {}).items():
        df[col] = pd.Categorical(df[col], categories=levels)
    return df


def num(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


def strs(values) -> list[str]:
    return [str(v) for v in ([values] if isinstance(values, str) else np.atleast_1d(values))]


def close(actual, desired, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), num(desired), rtol=RTOL, atol=1e-12, err_msg=what
    )


def fit(case: dict, conf_type: str | None = None) -> KMResult:
    args = case["args"]
    return kaplan_meier(
        load(case["data"]),
        group=args.get("group"),
        conf_type=conf_type or args.get("conf_type", "log"),
        conf_level=args.get("conf_level", 0.95),
    )


@pytest.mark.parametrize("name", sorted(REF["km"]))
def test_logit_arcsin_tables_equal_r(name: str) -> None:
    case = REF["km"][name]
    res = case["result"]
    tab = fit(case).table
    assert strs(tab["group"]) == strs(res["group"]), case["call"]
    for col in ("time", "n_risk", "n_event", "surv", "std_err", "lower", "upper", "cumhaz"):
        close(tab[col], res[col], f"{name} {col}: {case['call']}")


@pytest.mark.parametrize("name", sorted(REF["rmean"]))
def test_rmst_equals_r_rmean(name: str) -> None:
    case = REF["rmean"][name]
    res = case["result"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        out = fit(case).rmst(case["args"]["tau"])
    assert strs(out["group"]) == strs(res["group"])
    for col in ("tau", "rmst", "se", "lower", "upper"):
        close(out[col], res[col], f"{name} {col}: {case['call']}")


@pytest.mark.parametrize("name", sorted(REF["contrast"]))
def test_rmst_contrast_equals_r(name: str) -> None:
    case = REF["contrast"][name]
    res = case["result"]
    km = fit(case)
    ref = next(g for g in km.groups if str(g) == case["args"]["reference"])
    out = km.rmst_contrast(case["args"]["tau"], reference=ref)
    assert strs(out["group"]) == strs(res["group"])
    pairs = {
        "difference": "difference",
        "se": "difference_se",
        "lower": "difference_lower",
        "upper": "difference_upper",
        "p": "difference_p",
        "ratio": "ratio",
        "ratio_lower": "ratio_lower",
        "ratio_upper": "ratio_upper",
        "ratio_p": "ratio_p",
    }
    for ours, theirs in pairs.items():
        close(out[ours], res[theirs], f"{name} {ours}: {case['call']}")


@pytest.mark.parametrize("name", sorted(REF["quantile"]))
def test_quantile_equals_r(name: str) -> None:
    case = REF["quantile"][name]
    res = case["result"]
    out = fit(case).quantile(case["args"]["probs"])
    assert strs(out["group"]) == strs(res["group"])
    for col in ("probability", "time", "lower", "upper"):
        close(out[col], res[col], f"{name} {col}: {case['call']}")


def test_quantile_half_matches_median_except_at_curve_end() -> None:
    # R: print.survfit's median and quantile(fit, 0.5) agree unless the curve ends at 0.5
    lung = kaplan_meier(load("lung"), group="sex")
    np.testing.assert_allclose(lung.quantile(0.5)["time"], lung.median()["median"])
    half_end = kaplan_meier(load("inline_half_end"))
    assert half_end.median()["median"].iloc[0] == 2.0
    assert half_end.quantile(0.5)["time"].iloc[0] == 3.0


def test_rmst_warns_past_last_follow_up_and_names_group() -> None:
    km = kaplan_meier(load("lung"), group="sex")
    with pytest.warns(DataWarning, match="group 2"):
        km.rmst(1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        km.rmst([365, 730])  # within both groups' follow-up: no warning


def test_rmst_is_area_under_curve_without_censoring() -> None:
    # no censoring: RMST(tau) = mean of min(T, tau), se = sd / sqrt(n) * sqrt((n - 1) / n)
    rng = np.random.default_rng(7)
    t = np.round(rng.exponential(10, 60), 3)
    df = pd.DataFrame({"time": t, "event": 1})
    out = kaplan_meier(df).rmst(8.0)
    m = np.minimum(t, 8.0)
    assert out["rmst"].iloc[0] == pytest.approx(m.mean(), rel=1e-12)
    assert out["se"].iloc[0] == pytest.approx(m.std(ddof=0) / np.sqrt(len(m)), rel=1e-9)


def test_bad_arguments_give_clear_errors() -> None:
    km = kaplan_meier(load("lung"), group="sex")
    with pytest.raises(SurvivalDataError, match="tau"):
        km.rmst(0)
    with pytest.raises(SurvivalDataError, match="probs"):
        km.quantile([0.5, 1.5])
    with pytest.raises(SurvivalDataError, match="reference 3"):
        km.rmst_contrast(365, reference=3)
    with pytest.raises(SurvivalDataError, match="group="):
        kaplan_meier(load("lung")).rmst_contrast(365)
    with pytest.raises(SurvivalDataError, match="conf_type"):
        kaplan_meier(load("lung"), conf_type="arcsine")


def test_result_keeps_its_data_after_frame_edit() -> None:
    df = load("veteran")
    km = kaplan_meier(df, group="celltype")
    before = km.rmst(180)
    df["time"] = 1.0
    pd.testing.assert_frame_equal(km.rmst(180), before)


@settings(max_examples=60, deadline=None)
@given(
    times=st.lists(st.integers(0, 30), min_size=2, max_size=40),
    data=st.data(),
)
def test_quantile_properties(times: list[int], data) -> None:
    # quantiles are non-decreasing in p, within [0, last time], and the curve has fallen
    # to 1 - p by the quantile (R's rule: at the quantile or at the midpoint of a flat step)
    events = data.draw(st.lists(st.integers(0, 1), min_size=len(times), max_size=len(times)))
    df = pd.DataFrame({"time": np.array(times, dtype=float), "event": events})
    km = kaplan_meier(df)
    probs = np.linspace(0.05, 0.95, 19)
    q = km.quantile(probs)["time"].to_numpy()
    ok = ~np.isnan(q)
    assert np.all(np.diff(q[ok]) >= 0)
    assert np.all((q[ok] >= 0) & (q[ok] <= df["time"].max()))
    # NaN only at the upper end: once a quantile is NA, all larger ones are
    if (~ok).any():
        assert ok[: np.argmax(~ok)].all() and (~ok[np.argmax(~ok) :]).all()
    tab = km.table
    for p, t in zip(probs[ok], q[ok], strict=True):
        # the curve at the last time <= t (a step time, or the start of the flat stretch
        # whose midpoint R takes) has fallen to 1 - p
        s_at = tab.loc[tab["time"] <= t, "surv"]
        assert not s_at.empty and s_at.iloc[-1] <= 1 - p + 1e-8
