"""Passes over rows cut in two halves (``lms_prognosis._threads``) give the one-pass bits.

``SPLIT_ROWS`` is lowered so that fits of tens of thousands of rows split every pass that
can be split (the gather into the sorted layout, the risk-set sums, the weighted Gram matrix,
the design's copy and column scans, the search for missing values, the event sums); the
results must equal the unsplit ones exactly, and the helper thread must have run.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

from lms_prognosis import _threads, fit_cox
from lms_prognosis._survdata import _floats_with_nan
from lms_prognosis.cox._design_stats import column_summary, stacked_copy
from lms_prognosis.exceptions import CoxWarning

N = 40_000  # above the engine's one-call sizes, so the blocked passes run


class _CountingPool:
    """The helper executor, counting the halves handed to it."""

    def __init__(self, pool):
        self.pool, self.calls, self.threads = pool, 0, set()

    def submit(self, fn):
        def run():
            self.threads.add(threading.get_ident())
            return fn()

        self.calls += 1
        return self.pool.submit(run)


def _force_split(monkeypatch) -> _CountingPool:
    """From now on every pass of at least 2 rows is cut in two (as on two or more cores)."""
    monkeypatch.setattr(_threads, "SPLIT_ROWS", 2)
    monkeypatch.setattr(_threads, "_cores", lambda: 2)
    spy = _CountingPool(_threads._pool())
    monkeypatch.setattr(_threads, "_pool", lambda: spy)
    return spy


@pytest.fixture
def split(monkeypatch):
    return _force_split(monkeypatch)


def _frame(row_major: bool, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, 6))
    x[:, 0] = rng.normal(60, 10, N).round()
    x[:, 1] = rng.random(N) < 0.4
    lin = x[:, :3] @ np.array([0.03, 0.5, -0.3])
    t = np.round(rng.exponential(40 * np.exp(-(lin - lin.mean()))), 1) + 0.1
    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(6)])  # keeps the (n, 6) array
    frame["time"], frame["event"] = t, (rng.random(N) < 0.7).astype(int)
    frame["w"] = rng.integers(1, 4, N).astype(float)
    return frame if row_major else frame.copy()


def _everything(fit) -> list[np.ndarray]:
    new = fit.data.iloc[:50]
    return [
        fit.coef.to_numpy(),
        fit.vcov.to_numpy(),
        np.array(fit.loglik),
        np.array([fit.concordance, fit.concordance_se]),
        fit.predict_survival(new, [12.0, 36.0])["surv"].to_numpy(),
        fit.check_ph().table["chisq"].to_numpy(),
    ]


@pytest.mark.parametrize("row_major", [True, False])
@pytest.mark.parametrize("options", [{}, {"ties": "breslow"}, {"weights": "w"}])
def test_a_split_fit_has_the_one_thread_bits(monkeypatch, row_major, options):
    frame = _frame(row_major)
    covs = [f"x{j}" for j in range(6)]
    one = _everything(fit_cox(frame, covs, **options))
    spy = _force_split(monkeypatch)
    two = _everything(fit_cox(frame, covs, **options))
    assert spy.calls >= 6  # the gather, the event sums, the copy and every Newton point
    assert spy.threads and threading.get_ident() not in spy.threads
    for a, b in zip(one, two, strict=True):
        assert np.array_equal(a, b)


def test_missing_values_found_in_either_half(split):
    n = 70_000  # 8 float columns: scanned in blocks of 32,768 rows, so the scan is cut in two
    frame = pd.DataFrame(np.random.default_rng(2).normal(size=(n, 8)))
    frame.columns = [f"x{j}" for j in range(8)]
    frame["time"], frame["event"] = np.arange(n) % 97 + 1.0, np.arange(n) % 3 == 0
    frame["event"] = frame["event"].astype(int)
    frame.loc[n - 3, "x4"] = np.nan  # in the second half only
    frame.loc[5, "x2"] = np.nan  # in the first half only
    arrays = {c: frame[c].to_numpy() for c in frame.columns[:8]}
    assert _floats_with_nan(arrays) == ["x2", "x4"]
    calls = split.calls
    assert calls >= 1
    with pytest.warns(CoxWarning, match=f"2 of {n} rows dropped"):
        fit = fit_cox(frame, [f"x{j}" for j in range(8)])
    assert fit.dropped["column"].tolist() == ["x2", "x4"]
    assert split.calls > calls


def test_column_scans_split_equal_one_pass(monkeypatch):
    rng = np.random.default_rng(1)
    cols = list(rng.normal(size=(8, N)))  # 320,000 cells: scanned in blocks of rows
    with_nan = [c.copy() for c in cols]
    with_nan[2][N - 1] = np.nan
    one = [column_summary(cols), column_summary(with_nan), stacked_copy(with_nan)]
    spy = _force_split(monkeypatch)
    two = [column_summary(cols), column_summary(with_nan), stacked_copy(with_nan)]
    assert spy.calls == 3  # the scan of each design and the copy, each cut in two
    assert one[0][2] is None and two[0][2] is None  # no missing value: no complete-rows mask
    for a, b in zip((*one[0], *one[1]), (*two[0], *two[1]), strict=True):
        assert (a is None and b is None) or np.array_equal(a, b)
    assert not two[1][2][N - 1] and two[1][3] is None  # the missing row found in the 2nd half
    assert np.array_equal(one[2], two[2], equal_nan=True)
    assert np.array_equal(two[2], np.vstack(with_nan), equal_nan=True)


def test_short_passes_and_one_core_are_not_split(monkeypatch):
    assert _threads.split_rows(_threads.SPLIT_ROWS - 1) is None
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    cores = _threads._cores()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # a pool's worker process (joblib, Dask)
    assert _threads._cores() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", str(cores + 64))  # a cap above the cores
    assert _threads._cores() == cores
    monkeypatch.setattr(_threads, "_cores", lambda: 1)
    assert _threads.split_rows(10 * _threads.SPLIT_ROWS) is None
    monkeypatch.setattr(_threads, "_cores", lambda: 2)
    assert _threads.split_rows(10 * _threads.SPLIT_ROWS, 1000) % 1000 == 0


def test_an_error_in_either_half_is_raised_after_both_stopped():
    done = []

    def slow_ok():
        threading.Event().wait(0.05)
        done.append("second")

    def fail():
        raise ValueError("first half")

    with pytest.raises(ValueError, match="first half"):
        _threads.run_halves(fail, slow_ok)
    assert done == ["second"]  # the second half had finished when the error was raised

    def fail_second():
        raise KeyError("second half")

    with pytest.raises(KeyError, match="second half"):
        _threads.run_halves(lambda: done.append("first"), fail_second)
    assert done[-1] == "first"


def _halves_in_child() -> list[int]:
    out = [0, 0]
    _threads.run_halves(lambda: out.__setitem__(0, 1), lambda: out.__setitem__(1, 2))
    return out


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform"
)
def test_a_forked_child_gets_its_own_helper_thread():
    _threads.run_halves(lambda: None, lambda: None)  # the parent's helper exists
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        assert pool.submit(_halves_in_child).result(timeout=60) == [1, 2]


def test_halves_asked_for_on_the_helper_thread_run_there():
    out: list[str] = []

    def nested():
        _threads.run_halves(lambda: out.append("a"), lambda: out.append("b"))

    _threads.run_halves(lambda: None, nested)  # would wait for itself on a one-thread pool
    assert out == ["a", "b"]
