"""The private concordance engine (``lms_prognosis/_concordance.py``): its counts against a
double loop whichever dimension the count splits, and its risk ranks."""

from __future__ import annotations

import numpy as np
import pytest

from lms_prognosis._concordance import concordance_core, risk_ranks


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
