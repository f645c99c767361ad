"""The weighted dominance sums (``lms_prognosis/_dominance.py``) against a brute-force double
loop, with the sweep splitting either dimension."""

from __future__ import annotations

import numpy as np
import pytest

from lms_prognosis._dominance import _layout, dominance_sums


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


@pytest.mark.parametrize(("nu", "np_"), [(400, 6), (6, 400)])
@pytest.mark.parametrize("values", [(0, 1), (-1, 0, 1), (0, 1, 2)])
def test_integer_b_inside_and_outside_the_packed_bit(nu: int, np_: int, values: tuple) -> None:
    # 0/1 weights travel in the layout's lowest bit; any other integers as an array
    rng = np.random.default_rng(nu + 7 * np_)
    n = 500
    u = np.unique(rng.integers(0, nu, n), return_inverse=True)[1]
    p = rng.integers(0, np_, n)
    a = np.ones(n)
    b = rng.choice(values, n).astype(float)
    got = dominance_sums(u, p, a, b)
    for k, v in _brute(u, p, a, b).items():
        np.testing.assert_array_equal(got[k], v, err_msg=k)
