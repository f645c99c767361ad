"""Rows with copies (``prepare(freq=)``): the layout of a bootstrap sample without repeating
its rows. The reference is the engine on the rows repeated (each copy of an event its own
Efron step), so these tests compare two layouts of the same data, never a stored output."""

from __future__ import annotations

import numpy as np
import pytest

from lms_prognosis.cox import engine
from lms_prognosis.cox._robust import score_residuals
from lms_prognosis.cox._rowpasses import CHUNK
from lms_prognosis.cox.baseline import baseline


def _sample(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Sorted (time, event, x) with heavy ties (40 distinct times) and copies 1-3."""
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 41, n).astype(float)
    e = (rng.random(n) < 0.6).astype(int)
    x = rng.normal(size=(n, 3))
    order = engine.sort_order(t, None, event=e)
    return t[order], e[order], x[order], rng.integers(1, 4, n)


@pytest.mark.parametrize("efron", [True, False])
@pytest.mark.parametrize("n", [300, CHUNK + 3000])  # the second: the engine's chunked passes
def test_rows_with_copies_fit_as_the_rows_repeated(efron: bool, n: int) -> None:
    t, e, x, c = _sample(n, seed=n)
    rows = np.repeat(np.arange(n), c)
    xc = x - (c @ x) / c.sum()
    rep = engine.prepare(t[rows], e[rows], xc[rows], None, efron, order=np.arange(rows.size))
    cop = engine.prepare(t, e, xc, None, efron, order=np.arange(n), freq=c)
    assert cop.efron_ties == rep.efron_ties == efron
    beta = np.array([0.3, -0.2, 0.1])
    ll_r, u_r, i_r = engine.loglik_derivs(beta, rep)
    ll_c, u_c, i_c = engine.loglik_derivs(beta, cop)
    assert ll_c == pytest.approx(ll_r, rel=1e-12)
    np.testing.assert_allclose(u_c, u_r, rtol=1e-9, atol=1e-9 * np.abs(u_r).max())
    np.testing.assert_allclose(i_c, i_r, rtol=1e-10)
    fit_r, fit_c = engine.newton_raphson(rep), engine.newton_raphson(cop)
    assert fit_c.iterations == fit_r.iterations
    np.testing.assert_allclose(fit_c.beta, fit_r.beta, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(fit_c.var, fit_r.var, rtol=1e-9)


def test_copies_are_not_case_weights() -> None:
    """R's case weights give tied events one Efron step per event row, at their mean weight;
    copies are one step each, as the repeated rows. With tied events copied they differ."""
    t, e, x, c = _sample(300, seed=1)
    cop = engine.prepare(t, e, x, None, True, order=np.arange(300), freq=c)
    wtd = engine.prepare(t, e, x, None, True, order=np.arange(300), weights=c.astype(float))
    beta = np.array([0.3, -0.2, 0.1])
    assert abs(engine.loglik_derivs(beta, cop)[0] - engine.loglik_derivs(beta, wtd)[0]) > 1e-3


def test_copies_need_one_stratum_and_whole_positive_counts() -> None:
    t, e, x, c = _sample(50, seed=2)
    order = np.arange(50)
    with pytest.raises(ValueError, match="one stratum"):
        engine.prepare(t, e, x, np.arange(50) % 2, True, order=order, freq=c)
    with pytest.raises(ValueError, match="one stratum"):
        engine.prepare(t, e, x, None, True, order=order, freq=c, weights=np.ones(50))
    with pytest.raises(ValueError, match="positive integers"):
        engine.prepare(t, e, x, None, True, order=order, freq=c * 0)
    with pytest.raises(ValueError, match="positive integers"):
        engine.prepare(t, e, x, None, True, order=order, freq=c * 1.0)


@pytest.mark.parametrize("efron", [True, False])
def test_baseline_hazard_of_rows_with_copies_is_that_of_the_rows_repeated(efron: bool) -> None:
    """The bootstrap's Brier score reads the refit's baseline hazard from this layout."""
    t, e, x, c = _sample(400, seed=5)
    rows = np.repeat(np.arange(400), c)
    rep = engine.prepare(t[rows], e[rows], x[rows], None, efron, order=np.arange(rows.size))
    cop = engine.prepare(t, e, x, None, efron, order=np.arange(400), freq=c)
    beta = np.array([0.3, -0.2, 0.1])
    a, b = baseline(rep, beta), baseline(cop, beta)
    np.testing.assert_array_equal(a.time, b.time)
    for field in ("cumhaz", "cumvar", "xbar"):
        np.testing.assert_allclose(getattr(b, field), getattr(a, field), rtol=1e-11, atol=1e-14)
    with pytest.raises(ValueError, match="repeat the rows"):  # per-event-row residuals
        score_residuals(cop, beta)
