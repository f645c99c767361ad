"""lms_prognosis/_parallel.py: joblib's workers get glibc's thresholds for reusing freed
arrays; the caller's process never does, whichever joblib backend runs the tasks."""

from __future__ import annotations

import os
import platform
import sys

import joblib
import numpy as np
import pytest

from lms_prognosis import _parallel
from lms_prognosis._parallel import in_worker, run_tasks

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def _report(_: int) -> tuple[int, list[bool]]:
    """(pid, this process's tuning outcome so far), read inside a task."""
    return os.getpid(), list(_parallel._tuned)


def _faults_reusing(mib: int) -> int:
    """Minor page faults of filling a new ``mib`` MiB array, after one was filled and freed."""
    import resource

    np.ones(mib * 2**17).sum()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    np.ones(mib * 2**17).sum()
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def _tuned_faults(_: int) -> int:
    return _faults_reusing(16)


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's; elsewhere nothing is tuned")
def test_joblib_workers_are_tuned_and_reuse_freed_arrays() -> None:
    out = run_tasks(_report, [0, 1, 2, 3], n_jobs=2)
    assert {pid for pid, _ in out} - {os.getpid()}, "the tasks ran in worker processes"
    assert all(tuned == [True] for pid, tuned in out if pid != os.getpid())
    # a 16 MiB array filled again after the first was freed: the worker keeps the pages
    # (one 16 MiB array is 4,096 pages: the kernel would fault in every one)
    faults = run_tasks(_tuned_faults, [0, 1], n_jobs=2)
    assert max(faults) < 100


@pytest.mark.parametrize("backend", ["threading", "sequential"])
def test_the_callers_process_is_left_alone(backend: str, monkeypatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(_parallel, "_tuned", [])
    monkeypatch.setattr(_parallel, "_mallopt", lambda: calls.append("tuned") or True)
    with joblib.parallel_config(backend=backend):
        assert run_tasks(abs, [-1, 2, -3], n_jobs=2) == [1, 2, 3]
    assert run_tasks(abs, [-4], n_jobs=2) == [4]  # one task: run here
    assert in_worker(os.getpid(), abs, -5) == 5
    assert calls == [] and _parallel._tuned == []


def test_tuning_happens_once_per_process(monkeypatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(_parallel, "_tuned", [])
    monkeypatch.setattr(_parallel, "_mallopt", lambda: calls.append("tuned") or True)
    assert in_worker(os.getpid() + 1, abs, -2) == 2  # as if handed over by another process
    assert in_worker(os.getpid() + 1, abs, -3) == 3
    assert calls == ["tuned"] and _parallel.tune_worker_allocator() is True


def test_no_tuning_without_glibc(monkeypatch) -> None:
    monkeypatch.setattr(_parallel.platform, "libc_ver", lambda: ("", ""))
    assert _parallel._mallopt() is False
