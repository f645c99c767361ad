"""The one product-limit kernel (lms_prognosis._survfit) against R and its own definition.

Fixtures: tests/reference/survfit_kernel.R -> survfit_kernel.json (prodlim reverse = TRUE,
survfit with weights, survfit(Surv(time, 1 - event))), and km_logrank.json (survfit tables).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_prognosis._survfit import CONF_TYPES, ProductLimit, conf_int, product_limit

REF_DIR = Path(__file__).parent / "reference"
REF = json.loads((REF_DIR / "survfit_kernel.json").read_text())
KM = json.loads((REF_DIR / "km_logrank.json").read_text())
RTOL = 1e-9


def data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF_DIR / "data" / f"{name}.csv")


def num(values: list) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.atleast_1d(values)], dtype=float)


@pytest.mark.parametrize("name", ["lung_plain", "lung_tied_log", "ovarian_log"])
def test_product_limit_is_survfit(name: str) -> None:
    case = KM["km"][name]
    df = data(case["data"])
    pl = product_limit(df["time"].to_numpy(float), df["event"].to_numpy())
    res = case["result"]
    for ours, theirs in (
        ("time", "time"),
        ("n_risk", "n_risk"),
        ("n_event", "n_event"),
        ("n_censor", "n_censor"),
        ("surv", "surv"),
        ("cumhaz", "cumhaz"),
    ):
        np.testing.assert_allclose(
            getattr(pl, ours), num(res[theirs]), rtol=RTOL, err_msg=f"{ours} vs {case['call']}"
        )
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(pl.surv * pl.se_log, num(res["std_err"]), rtol=RTOL)


@pytest.mark.parametrize("name", ["lung", "lung_tied"])
def test_reverse_is_prodlim_reverse(name: str) -> None:
    case = REF["reverse"][name]
    df = data(case["data"])
    g = product_limit(df["time"].to_numpy(float), df["event"].to_numpy(), reverse=True)
    ref = case["prodlim"]
    np.testing.assert_allclose(g.time, num(ref["time"]), rtol=RTOL)
    np.testing.assert_allclose(g.surv, num(ref["surv"]), rtol=RTOL, err_msg=case["prodlim_call"])
    # prodlim's n.risk counts everyone with time >= t; ours is the risk set used (less deaths)
    np.testing.assert_allclose(g.n_risk + g.n_censor, num(ref["n_risk"]), rtol=RTOL)
    np.testing.assert_allclose(g.n_event, num(ref["n_lost"]), rtol=RTOL)
    assert g.reverse


def test_reverse_differs_from_survfit_of_flipped_status_only_at_ties() -> None:
    # lung_tied has deaths and censorings at the same times: survfit(Surv(time, 1 - event))
    # keeps the deaths at risk, prodlim(reverse = TRUE) and R's concordance() do not
    case = REF["reverse"]["lung_tied"]
    df = data("lung_tied")
    t, e = df["time"].to_numpy(float), df["event"].to_numpy()
    flipped = product_limit(t, 1 - e)  # the plain KM of the flipped status
    np.testing.assert_allclose(
        flipped.surv, num(case["survfit"]["surv"]), rtol=RTOL, err_msg=case["survfit_call"]
    )
    assert not np.allclose(product_limit(t, e, reverse=True).surv, flipped.surv)


def test_weighted_is_survfit_weights() -> None:
    case = REF["weighted"]["lung"]
    df = data("lung")
    w = (df["age"] % 3 + 1) / 2
    pl = product_limit(df["time"].to_numpy(float), df["event"].to_numpy(), w.to_numpy())
    res = case["result"]
    for ours, theirs in (
        ("time", "time"),
        ("n_risk", "n_risk"),
        ("n_event", "n_event"),
        ("surv", "surv"),
        ("se_log", "std_err_log"),
        ("cumhaz", "cumhaz"),
    ):
        np.testing.assert_allclose(
            getattr(pl, ours), num(res[theirs]), rtol=RTOL, err_msg=f"{ours} vs {case['call']}"
        )
    # R's default for non-integer weights is the robust (IJ) variance: not this kernel's
    assert not np.allclose(pl.se_log, num(case["robust_std_err_log"]), rtol=1e-3)


def test_at_and_cumhaz_at_step_conventions() -> None:
    pl = product_limit(np.array([1.0, 2.0, 2.0, 4.0]), np.array([1, 1, 0, 1]))
    # S = 0.75 on [1, 2), 0.5 on [2, 4), 0 from 4
    assert pl.at([0.0, 1.0, 1.5, 2.0, 3.0, 4.0, 9.0]).tolist() == [1, 0.75, 0.75, 0.5, 0.5, 0, 0]
    assert pl.at([1.0, 2.0, 4.0], left=True).tolist() == [1, 0.75, 0.5]
    assert np.isnan(pl.at(np.nan))
    assert pl.at(2.0).shape == ()
    np.testing.assert_allclose(
        pl.cumhaz_at([0.5, 1.0, 2.0, 5.0]), [0, 0.25, 0.25 + 1 / 3, 0.25 + 1 / 3 + 1]
    )
    np.testing.assert_allclose(pl.cumhaz_at([2.0], left=True), [0.25])
    with pytest.raises(AttributeError):
        pl.surv = np.zeros(3)  # type: ignore[misc]  # frozen


def test_from_counts_is_the_kernel() -> None:
    pl = ProductLimit.from_counts(
        np.array([1.0, 2.0, 3.0]), np.array([5, 3, 1]), np.array([1, 0, 1]), np.array([1, 2, 0])
    )
    np.testing.assert_allclose(pl.surv, [0.8, 0.8, 0.0])
    np.testing.assert_allclose(pl.var_log, [1 / 20, 1 / 20, np.inf])
    np.testing.assert_allclose(pl.cumhaz, [0.2, 0.2, 1.2])


def test_conf_int_logit_is_survfit_confint() -> None:
    # R: unlist(survival:::survfit_confint(0.8, 0.1, TRUE, "logit", 0.95))
    lo, hi = conf_int(np.array([0.8]), np.array([0.1]), "logit", 0.95)
    np.testing.assert_allclose([lo[0], hi[0]], [0.6002033253, 0.9142192934], rtol=1e-9)
    lo, hi = conf_int(np.array([0.0, 1.0]), np.array([0.2, 0.0]), "logit", 0.95)
    assert np.isnan(lo).all() and np.isnan(hi).all()  # R: NA at S = 0, NaN at S = 1, se = 0
    assert CONF_TYPES == ("log", "log-log", "plain", "logit")
    with pytest.raises(ValueError, match="conf_type"):
        conf_int(np.array([0.5]), np.array([0.1]), "probit", 0.95)


times = st.lists(st.integers(0, 8).map(lambda v: v / 4), min_size=1, max_size=30)


@settings(max_examples=80, deadline=None)
@given(t=times, data=st.data())
def test_matches_brute_force_definitions(t: list[float], data: st.DataObject) -> None:
    n = len(t)
    d = data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    w = data.draw(st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n, max_size=n))
    ta, da, wa = np.array(t), np.array(d), np.array(w)
    for reverse in (False, True):
        pl = product_limit(ta, da, wa, reverse=reverse)
        assert pl.time.tolist() == sorted(set(t))
        surv = 1.0
        for i, u in enumerate(pl.time):
            at_t = ta == u
            dead = float(wa[at_t & (da == 1)].sum())
            cens = float(wa[at_t & (da == 0)].sum())
            risk = float(wa[ta >= u].sum())
            ev, risk_used = (cens, risk - dead) if reverse else (dead, risk)
            surv *= 1 - ev / risk_used if ev > 0 else 1.0
            np.testing.assert_allclose(
                [pl.n_risk[i], pl.n_event[i], pl.surv[i]],
                [risk_used, ev, surv],
                rtol=1e-12,
                atol=1e-14,
            )
