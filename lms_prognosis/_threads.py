"""The two halves of a long pass over rows at once, on the machine's second core.

The passes of a large Cox fit (the gather into the engine's sorted layout, the risk-set sums
and the weighted Gram matrix of every Newton point, the copies and scans of the design) are
loops over blocks of rows whose numpy calls release the GIL. :func:`split_rows` gives the row
where such a loop can be cut in two, and :func:`run_halves` runs the second half on a helper
thread while the calling thread runs the first.

Each half computes exactly what the single loop computes for its blocks and writes its own
part of the output; a sum across blocks is then added in block order by the caller. So the
result is **bit-identical** to the one-thread loop, whether or not a pass was split (tested).

A pass is split only when it is long (:data:`SPLIT_ROWS` rows or more) and this process may
run on at least two cores (``os.sched_getaffinity``: a SLURM job given one core, or
``taskset -c 0``, keeps every pass on one thread; so does ``OMP_NUM_THREADS=1``, which
joblib's and Dask's worker processes are given). The helper thread is made on first use,
once per process, and forgotten in a forked child (whose copy of it would not run).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

__all__ = ["SPLIT_ROWS", "run_halves", "split_rows", "take"]

#: rows from which a pass is cut in two (design value: at 1e6 rows x 8 columns a half is
#: 5-50 ms of work, against about 0.1 ms to hand it to the helper thread; splitting from
#: 32,768 rows instead made fit_cox slower at 5e4 rows (40.7 against 35.5 ms) and no faster
#: at 1e5 (51.4 against 49.3 ms), medians of 7 rounds on the 2-core test VM)
SPLIT_ROWS = 1 << 17

_helper: ThreadPoolExecutor | None = None
_NAME = "lms-rows"


def _cores() -> int:
    """Cores this process may use: its CPU affinity, capped by ``OMP_NUM_THREADS`` when set
    (joblib's workers and Dask's are started with it, 1 by default on Dask, so that the
    processes of a pool do not each start threads on cores the others use)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    limit = os.environ.get("OMP_NUM_THREADS", "").strip()
    return min(cores, int(limit)) if limit.isdigit() and int(limit) > 0 else cores


def split_rows(n: int, align: int = 1) -> int | None:
    """Where to cut a pass over ``n`` rows in two (a multiple of ``align``), or None when it
    stays whole (short, or one core).

    Examples
    --------
    >>> split_rows(1000) is None  # short: one pass
    True
    """
    if n < SPLIT_ROWS or _cores() < 2:
        return None
    mid = (n // 2) // align * align
    return mid if 0 < mid < n else None


def run_halves(first: Callable[[], object], second: Callable[[], object]) -> None:
    """Run ``second`` on the helper thread and ``first`` here; return when both are done.

    An exception in either is raised here (the first half's when both fail), after both
    have stopped, so neither is still writing into the caller's arrays. Called on the
    helper thread itself, both run there, one after the other (no deadlock).

    Examples
    --------
    >>> out = [0, 0]
    >>> run_halves(lambda: out.__setitem__(0, 1), lambda: out.__setitem__(1, 2))
    >>> out
    [1, 2]
    """
    if threading.current_thread().name.startswith(_NAME):  # on the helper: no helper to wait for
        first()
        second()
        return
    future: Future[object] = _pool().submit(second)
    try:
        first()
    finally:
        error = future.exception()  # waits for the second half
    if error is not None:
        raise error


def take(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]`` for a 1-D array and valid integer positions; a long gather as two
    halves at once (a gather in random order waits on memory, and the waits overlap).

    Examples
    --------
    >>> take(np.array([5.0, 6.0, 7.0]), np.array([2, 0])).tolist()
    [7.0, 5.0]
    """
    mid = split_rows(index.shape[0])
    if mid is None:
        return values[index]
    out = np.empty(index.shape[0], dtype=values.dtype)
    run_halves(  # "clip": unbuffered (the positions are valid)
        lambda: np.take(values, index[:mid], out=out[:mid], mode="clip"),
        lambda: np.take(values, index[mid:], out=out[mid:], mode="clip"),
    )
    return out


def _pool() -> ThreadPoolExecutor:
    global _helper
    if _helper is None:
        _helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix=_NAME)
    return _helper


def _forget_after_fork() -> None:
    """A forked child inherits the executor but not its thread: start a new one if needed."""
    global _helper
    _helper = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
