"""The private concordance engine (``lms_prognosis/_concordance.py``): its dominance sums
against a brute-force double loop, with the sweep splitting either dimension."""

from __future__ import annotations

import numpy as np
import pytest

from lms_prognosis._concordance import _layout, concordance_core, dominance_sums, risk_ranks


def _brute(u: np.ndarray, p: np.ndarray, a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    lt, eq = u[None, :] < u[:, None], u[None, :] == u[:, None]
    hi, lo = p[None, :] > p[:, None], p[None, :] < p[:, None]
    return {
        "a_lt_hi": (lt & hi) @ a,
        "a_eq_hi": (eq & hi) @ a,
        "a_hi": hi @ a,
        "b_lt_lo": (lt & lo) @ b,
        "b_eq_lo": (eq & lo) @ b,
        "b_lo": lo @ b,
    }


# (distinct ranks u, distinct keys p): the sweep splits the bits of whichever has fewer
@pytest.mark.parametrize(("nu", "np_"), [(400, 6), (6, 400), (50, 50), (1, 300), (300, 1)])
@pytest.mark.parametrize("whole", [True, False])
def test_dominance_sums_equal_brute_force_either_split(nu: int, np_: int, whole: bool) -> None:
    rng = np.random.default_rng(nu * 1000 + np_)
    n = 600
    u = rng.integers(0, nu, n)
    u = np.unique(u, return_inverse=True)[1]  # dense ranks
    p = rng.integers(0, np_, n)
    a = rng.integers(0, 3, n).astype(float) if whole else rng.uniform(0.1, 2.0, n)
    b = rng.integers(0, 2, n).astype(float) if whole else rng.uniform(0.0, 1.5, n)
    got = dominance_sums(u, p, a, b)
    ref = _brute(u, p, a, b)
    for k, v in ref.items():
        np.testing.assert_allclose(got[k], v, rtol=1e-12, atol=1e-9, err_msg=k)


def test_layout_splits_the_dimension_with_fewer_bits() -> None:
    rng = np.random.default_rng(3)
    u, p = rng.permutation(1000), rng.integers(0, 8, 1000)  # 10 bits of u, 3 of p
    order0, sw, _, _ = _layout(u, p, None, np.ones(1000))
    key = p[order0] * 1000 + u[order0]
    assert np.all(np.diff(key) >= 0)  # the (p, u) order, as with the split of u
    assert np.all(np.diff(sw.u) >= 0)  # the sums' layout: u ascending
    assert np.array_equal(u[order0][sw.idx], sw.u)


def _double_loop(time, ev, risk):
    comp = (time[:, None] < time[None, :]) | ((time[:, None] == time[None, :]) & (ev[None, :] == 0))
    comp &= ev[:, None] == 1
    same_t = (time[:, None] == time[None, :]) & (ev[:, None] == 1) & (ev[None, :] == 1)
    np.fill_diagonal(same_t, False)
    return {
        "concordant": (comp & (risk[:, None] > risk[None, :])).sum(),
        "discordant": (comp & (risk[:, None] < risk[None, :])).sum(),
        "tied_x": (comp & (risk[:, None] == risk[None, :])).sum(),
        "tied_xy": (same_t & (risk[:, None] == risk[None, :])).sum() / 2,
    }


@pytest.mark.parametrize("risk_values", [None, 40, 3])  # continuous, 40 or 3 distinct risks
def test_counts_do_not_depend_on_the_split(risk_values: int | None) -> None:
    # the same pairs counted with the risk split (continuous times) and the time split
    # (times rounded to few values): each equals the double loop's counts, ties included
    rng = np.random.default_rng(11)
    n = 500
    risk = rng.normal(size=n)
    if risk_values is not None:
        risk = rng.integers(0, risk_values, n) - 0.5
    for time in (rng.exponential(size=n), rng.integers(1, 6, n).astype(float)):
        ev = rng.integers(0, 2, n)
        r = concordance_core(time, ev, risk)
        ref = _double_loop(time, ev, risk)
        for k, v in ref.items():
            assert r[k] == v, k
        npair = ref["concordant"] + ref["discordant"] + ref["tied_x"]
        c = (ref["concordant"] + ref["tied_x"] / 2) / npair
        assert r["c"] == pytest.approx(c, abs=1e-14)


def test_risk_ranks_are_numpys_unique_codes() -> None:
    risk = np.array([0.0, -0.0, 2.5, -1.0, 2.5, 1e-300, -np.inf, np.inf])
    u, by_u = risk_ranks(risk, np.int32)
    assert u.tolist() == np.unique(risk, return_inverse=True)[1].tolist()
    assert np.all(np.diff(risk[by_u]) >= 0)
    assert risk_ranks(np.array([]), np.int32)[0].size == 0
