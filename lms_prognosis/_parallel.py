"""One way to run independent tasks: in this process, on joblib workers, or on a Dask cluster.

Bootstrap validation, power simulation, model comparison, imputation chains and simulation
studies are all "the same function over many independent tasks". :func:`run_tasks` runs them
and returns the results **in task order**, whatever ran them:

* ``backend=None`` (default) or ``"loky"``: ``n_jobs=1`` runs in this process; otherwise
  joblib's process pool (``n_jobs=-1``: every core);
* ``backend="dask"``: the tasks go to the ``dask.distributed`` cluster of the current
  ``Client`` (a ``LocalCluster`` on a laptop, or a SLURM allocation through
  ``dask_jobqueue.SLURMCluster``); ``n_jobs`` is then ignored (the cluster decides).

Randomness never depends on where a task runs: every task carries its own seed (the caller
spawns them with ``numpy.random.SeedSequence(seed).spawn(k)``), so a seed gives identical
results for any ``n_jobs`` and either backend. A progress bar follows the tasks as they finish
(on the cluster too) when asked for and when stderr is a terminal.

On joblib's workers (processes started for these tasks, not the caller's) each task first
calls :func:`tune_worker_allocator`: glibc there keeps freed arrays of up to 32 MiB for reuse
instead of handing them back to the kernel and faulting fresh zeroed pages in for the next
one. The caller's own process and a Dask cluster's workers are left as they are.

Why not joblib's own dask backend (``parallel_config("dask")``)? It works, but its results
come back only when all are done, so the bar could not follow the cluster's tasks; with
``Client.map`` and ``as_completed`` it does, and ordering is restored by task index.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
from collections.abc import Callable, Sequence
from typing import Any

from joblib import Parallel, delayed
from tqdm import tqdm  # the text bar: tqdm.auto needs ipywidgets in a notebook

from lms_prognosis.exceptions import LMSPrognosisError

__all__ = ["BACKENDS", "in_worker", "run_tasks", "show_progress", "tune_worker_allocator"]

BACKENDS = (None, "loky", "dask")

#: glibc ``mallopt`` parameters (malloc.h) and the values set in a worker: the ceiling glibc's
#: own dynamic thresholds reach (an mmap threshold of at most 32 MiB on 64-bit systems, the
#: trim threshold twice it), fixed from the start instead of after the first large free
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
WORKER_MMAP_THRESHOLD = 32 * 2**20
WORKER_TRIM_THRESHOLD = 2 * WORKER_MMAP_THRESHOLD
_tuned: list[bool] = []  # this process's outcome, once


def tune_worker_allocator() -> bool:
    """In a worker process: let glibc keep freed arrays of up to 32 MiB (True if it does).

    By default glibc returns a freed block above its mmap threshold (128 KiB at first) to
    the kernel, and trims the heap's free top above 128 KiB, so the next replicate's arrays
    are fresh pages the kernel faults in and zeroes: ``validate`` at n = 1e4 (B = 200) on
    two workers took 82,718 page faults and 0.22 s of system time; with these thresholds,
    none and 0.003 s (wall time, medians of 9 alternating rounds: 1.69 against 1.62 s).
    The values are glibc's own ceiling for its dynamic thresholds, so a worker holds at most
    64 MiB of freed heap. Called once per process (later calls return the first outcome);
    False where the C library is not glibc. Only worker processes started for the package's
    tasks call it.

    Examples
    --------
    >>> isinstance(tune_worker_allocator(), bool)
    True
    """
    if not _tuned:
        _tuned.append(_mallopt())
    return _tuned[0]


def _mallopt() -> bool:
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(
        libc.mallopt(_M_MMAP_THRESHOLD, WORKER_MMAP_THRESHOLD)
        and libc.mallopt(_M_TRIM_THRESHOLD, WORKER_TRIM_THRESHOLD)
    )


def in_worker(caller: int, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` for joblib, after :func:`tune_worker_allocator` when it runs in another
    process than ``caller`` (the pid of the process that handed it over): a threading or
    sequential joblib backend (``joblib.parallel_config``) runs it in the caller's own
    process, which is left as it is."""
    if os.getpid() != caller:
        tune_worker_allocator()
    return fn(*args)


def show_progress(progress: bool | None) -> bool:
    """Whether to draw a bar: as asked, and only on a terminal (None: on a terminal)."""
    tty = bool(getattr(sys.stderr, "isatty", lambda: False)())
    return tty if progress is None else bool(progress) and tty


def _dask_client() -> Any:
    try:
        from distributed import get_client
    except ImportError as exc:  # the optional 'cluster' extra
        raise LMSPrognosisError(
            "backend='dask' needs dask.distributed: pip install 'lms_prognosis[cluster]'"
        ) from exc
    try:
        return get_client()
    except ValueError as exc:
        raise LMSPrognosisError(
            "backend='dask' runs on the cluster of the current dask.distributed Client, and "
            "none is running: start one first, e.g. `from distributed import Client; "
            "client = Client()` on this machine, or Client(SLURMCluster(...)) on a cluster"
        ) from exc


def _on_dask(fn: Callable[..., Any], tasks: Sequence[Any], bar: Any) -> list[Any]:
    from distributed import as_completed

    client = _dask_client()
    futures = client.map(fn, list(tasks), pure=False)
    index = {f.key: i for i, f in enumerate(futures)}
    out: list[Any] = [None] * len(futures)
    for fut in as_completed(futures):
        out[index[fut.key]] = fut.result()
        bar.update(1)
    return out


def run_tasks(
    fn: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    n_jobs: int | None = 1,
    backend: str | None = None,
    progress: bool | None = False,
    desc: str = "",
) -> list[Any]:
    """``[fn(t) for t in tasks]``, here, on joblib workers or on a Dask cluster.

    Parameters
    ----------
    fn : callable
        A module-level function of one task (it is pickled for workers).
    tasks : sequence
        One item per task; each should carry its own seed.
    n_jobs : int, default 1
        Workers for joblib (1: this process; -1: every core). Ignored with ``backend="dask"``.
    backend : {None, "loky", "dask"}
        None and "loky" use joblib; "dask" the current ``dask.distributed`` Client.
    progress : bool or None
        Draw a progress bar (only on a terminal); None: whenever stderr is a terminal.
    desc : str
        The bar's label.

    Returns
    -------
    list
        The results in task order.

    Raises
    ------
    LMSPrognosisError
        An unknown backend; ``"dask"`` without dask.distributed or without a running Client.

    Examples
    --------
    >>> run_tasks(abs, [-1, 2, -3], n_jobs=1)
    [1, 2, 3]
    """
    if backend not in BACKENDS:
        raise LMSPrognosisError(f"backend must be one of {BACKENDS}, got {backend!r}")
    with tqdm(total=len(tasks), desc=desc, disable=not show_progress(progress)) as bar:
        if backend == "dask":
            return _on_dask(fn, tasks, bar)
        if n_jobs == 1 or len(tasks) < 2:
            out = []
            for t in tasks:
                out.append(fn(t))
                bar.update(1)
            return out
        results = []
        jobs = (delayed(in_worker)(os.getpid(), fn, t) for t in tasks)
        for res in Parallel(n_jobs=n_jobs, return_as="generator")(jobs):
            results.append(res)
            bar.update(1)
        return results
