"""The bootstrap's training C counted on the original rows with the bootstrap counts as case
weights equals Harrell's C of the expanded bootstrap sample, exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd

import lms_prognosis as lp
from lms_prognosis._concordance import harrell_c, time_keys
from lms_prognosis.evaluate import _validation, validation
from lms_prognosis.evaluate._validation import weighted_harrell


def test_weighted_count_equals_expanded_sample() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    time = rng.integers(1, 400, n).astype(float)  # many tied times
    event = (rng.random(n) < 0.6).astype(np.int64)
    risk = rng.integers(0, 50, n).astype(float)  # many tied risks
    keys = time_keys(time, event)
    for seed in range(5):
        idx = np.random.default_rng(seed).integers(0, n, n)
        want = harrell_c(keys[idx], event[idx], risk[idx])
        got = weighted_harrell(keys, event, risk, np.bincount(idx, minlength=n))
        assert got == want


def test_validate_identical_with_and_without_the_weighted_count(monkeypatch) -> None:
    rng = np.random.default_rng(2)
    n = 2500
    x = rng.normal(size=(n, 2))
    t = rng.exponential(np.exp(-x @ [0.5, -0.3])).round(2)
    d = pd.DataFrame({"time": t, "event": rng.random(n) < 0.7, "a": x[:, 0], "b": x[:, 1]})
    d["event"] = d["event"].astype(int)
    kw = {"n_bootstrap": 6, "seed": 1, "metrics": ("c", "dxy", "slope"), "progress": False}
    fast = lp.validate(["a", "b"], d, **kw)
    monkeypatch.setattr(_validation, "WEIGHTED_TRAINING_C", False)  # the expanded sample
    slow = lp.validate(["a", "b"], d, **kw)
    pd.testing.assert_frame_equal(fast.replicates, slow.replicates, rtol=0, atol=0)


def test_c_counted_in_small_batches_equals_one_batch(monkeypatch) -> None:
    """A chunk's C indices counted a few replicates per pass (``C_BATCH``) are those of one
    pass over the whole chunk, and of the expanded samples, for training and test."""
    rng = np.random.default_rng(7)
    n = 1500
    x = rng.normal(size=(n, 2))
    t = rng.exponential(np.exp(-x @ [0.5, -0.3])).round(1)
    d = pd.DataFrame({"time": t, "event": (rng.random(n) < 0.7).astype(int), "a": x[:, 0]})
    d["b"] = np.round(x[:, 1], 1)  # tied risks
    seen: dict[str, object] = {}

    def capture(job, children, *args, **kwargs):  # the job validate builds, then no replicate
        seen.update(job=job, children=children)
        return []

    monkeypatch.setattr(validation, "dispatch", capture)
    lp.validate(["a", "b"], d, n_bootstrap=11, seed=3, metrics=("c",), progress=False)
    job, seeds = seen["job"], seen["children"]

    def chunk_c(batch: int, weighted: bool = True) -> list[tuple[float, float]]:
        monkeypatch.setattr(_validation, "C_BATCH", batch)
        monkeypatch.setattr(_validation, "WEIGHTED_TRAINING_C", weighted)
        return [(r[0]["c"], r[1]["c"]) for r in _validation.run_chunk(job, seeds)]

    small = chunk_c(3)  # 11 = 3 + 3 + 3 + 2: a short last pass
    assert small == chunk_c(1000)
    assert small == chunk_c(3, weighted=False)  # the expanded samples, counted one by one
    assert len({c for c, _ in small}) == 11  # every replicate its own training C
