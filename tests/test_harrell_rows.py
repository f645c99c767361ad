"""The bootstrap's batched Harrell's C (lms_prognosis/_harrell_rows.py) against R survival
3.5.3 ``concordance()`` (tests/reference/concordance.R), both ways of splitting the count."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lms_prognosis._concordance import harrell_c, time_keys
from lms_prognosis._harrell_rows import _risk_order, harrell_c_rows, harrell_c_sets

REF = json.loads((Path(__file__).parent / "reference" / "concordance.json").read_text())
# Harrell's C (timewt "n", no ymax): the cases harrell_c_rows computes
CASES = [c for c in REF["cases"] if 'timewt = "n"' in c["call"] and "ymax" not in c["call"]]


@pytest.mark.parametrize("split", [None, "time", "risk"])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_r(case: dict, split: str | None) -> None:
    t = np.asarray(case["time"], dtype=float)
    e = np.asarray(case["event"], dtype=np.int64)
    x = np.asarray(case["x"], dtype=float)
    risk = x if "reverse = TRUE" in case["call"] else -x
    # the score, its reverse (conc and disc swap: 1 - C) and a monotone transform (same C)
    scores = np.stack([risk, -risk, np.exp(risk / 50.0)])
    got = harrell_c_rows(time_keys(t, e), e, scores, split=split)
    want = case["concordance"]  # R: case["call"]
    assert got == pytest.approx([want, 1 - want, want], rel=1e-12, abs=1e-12), case["call"]


@pytest.mark.parametrize("split", [None, "time", "risk"])
def test_counts_equal_the_expanded_sample(split: str | None) -> None:
    rng = np.random.default_rng(11)
    n = 400
    t = rng.integers(1, 60, n).astype(float)  # tied times
    e = (rng.random(n) < 0.6).astype(np.int64)
    k = time_keys(t, e)
    scores = np.stack([rng.integers(0, 12, n).astype(float), rng.normal(size=n)])  # tied risks
    draws = [rng.integers(0, n, n) for _ in scores]
    counts = np.stack([np.bincount(i, minlength=n) for i in draws])
    want = [harrell_c(k[i], e[i], s[i]) for s, i in zip(scores, draws, strict=True)]
    got = harrell_c_rows(k, e, scores, counts, split=split)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    # the test and training C of the same scores on one sort
    plain, weighted = harrell_c_sets(k, e, scores, [None, counts], split=split)
    assert weighted == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert plain == pytest.approx([harrell_c(k, e, s) for s in scores], rel=1e-12, abs=1e-12)


def test_no_comparable_pair_is_nan() -> None:
    k = time_keys(np.array([1.0, 2.0]), np.array([0, 0]))
    assert np.isnan(harrell_c_rows(k, np.array([0, 0]), np.array([[1.0, 2.0]]))[0])


@pytest.mark.parametrize("n", [2047, 2048, 5000, 32767, 32768])
def test_risk_order_is_the_stable_sort(n: int) -> None:
    """From 2,048 to 32,767 rows the order comes from dense ranks sorted as 16-bit integers:
    the same permutation as the stable sort of -risk, ties (0.0 and -0.0 among them) in
    row order; outside that range the stable sort itself."""
    rng = np.random.default_rng(n)
    tied = rng.integers(-20, 20, n) * 0.25  # many ties, and 0.0
    tied[rng.random(n) < 0.1] = -0.0
    risk = np.stack([tied, rng.normal(size=n), np.full(n, 1.5), np.round(rng.normal(size=n), 2)])
    want = np.argsort(-risk, axis=1, kind="stable")
    np.testing.assert_array_equal(_risk_order(risk), want)


def test_c_of_a_sample_in_the_dense_range_equals_the_single_count() -> None:
    rng = np.random.default_rng(5)
    n = 3000
    t = rng.integers(1, 300, n).astype(float)
    e = (rng.random(n) < 0.6).astype(np.int64)
    k = time_keys(t, e)
    scores = np.stack([rng.integers(0, 40, n).astype(float), rng.normal(size=n)])
    got = harrell_c_rows(k, e, scores)
    assert got.tolist() == [harrell_c(k, e, s) for s in scores]
