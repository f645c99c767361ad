"""Saving the report's figures (and large CSV files) in worker processes while the main
process computes on.

Profiling the report (issue 16) showed about two thirds of its time in writing figures: the
layout, the Agg draw and PNG compression, the PDF draw. None of it is needed by the next
section, so :class:`FigurePool` pickles each figure (10-40 ms) and hands it to a worker process
that writes its PNG and PDF, while the main process goes on with the statistics of the next
section. When the sections are done, :meth:`FigurePool.finish` takes back the figures no worker
has started (the last ones first) and writes them itself, so both cores work to the end.

Large CSV files (per-patient risks of 100,000 patients: 1-2 s in pandas) go the same way
(:meth:`FigurePool.submit_call`), pickled when handed over.

The files are the same whichever process writes them: a worker renders the unpickled figure
under the main process's rcParams (those that differ are applied around the export), font
subsets do not depend on earlier figures (:mod:`lms_prognosis.plotting._render`), and every
figure is written by exactly one process. Warnings raised while a worker draws are sent back
and shown in the figure's section, as the serial path does.

Workers are forked (Linux only): a fresh interpreter would spend 2-3 s of CPU importing the
package, more than a short report's figures take. Where processes cannot start (no ``fork``,
no semaphores, a sandbox) or die, the figures are written in the main process, as with
``n_jobs=1``.
"""

from __future__ import annotations

import collections
import functools
import gc
import multiprocessing as mp
import os
import pickle
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import matplotlib as mpl

# the PDF writer and its font subsetter (fontTools: 0.2-0.3 s to import) are loaded here,
# before the workers fork, so that they inherit them; loaded in a worker's warm-up, they were
# imported twice per report (there, and here for the figures taken back)
import matplotlib.backends.backend_pdf  # noqa: F401
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.transforms import TransformNode

from lms_prognosis.exceptions import ReportError
from lms_prognosis.plotting import save_figure
from lms_prognosis.plotting.export import add_font_subsets, font_subsets

__all__ = ["MAX_WORKERS", "FigurePool", "frozen_gc", "unpickled_figure", "workers_for"]

#: design value: more workers than this do not help; the main process's statistics (which
#: are not parallel here) then bound the report's time, and each forked worker costs memory
MAX_WORKERS = 3

#: a warning raised while a figure was written: (category, message)
Caught = tuple[type[Warning], str]
#: writes one figure (figure, path without suffix, dpi, caption) and returns its files
Export = Callable[[MplFigure, Path, int, str], list[Path]]


def workers_for(n_jobs: int | None) -> int:
    """Worker processes for ``n_jobs`` processes in all (the main process is one of them).

    ``None`` or ``-1``: one per usable core beyond the main process's; ``1``: none; at most
    :data:`MAX_WORKERS`. Zero outside Linux (workers are forked).

    Examples
    --------
    >>> workers_for(1)
    0
    """
    if n_jobs is not None and (not isinstance(n_jobs, int) or (n_jobs < 1 and n_jobs != -1)):
        raise ReportError(f"n_jobs must be a positive integer, -1 or None, got {n_jobs!r}")
    if not sys.platform.startswith("linux"):
        return 0
    processes = len(os.sched_getaffinity(0)) if n_jobs in (None, -1) else int(n_jobs)
    return max(0, min(processes - 1, MAX_WORKERS))


def _rc_snapshot() -> dict[str, Any]:
    """The rcParams now in effect (without ``backend``, which a worker must not switch)."""
    return {k: v for k, v in mpl.rcParams.copy().items() if k != "backend"}


@contextmanager
def frozen_gc() -> Iterator[None]:
    """While the block runs, the objects that exist now are left out of garbage collection
    (``gc.freeze``), and put back afterwards (``gc.unfreeze``).

    A report makes and drops tens of thousands of matplotlib objects per figure, so Python's
    collector runs full collections while it is written; each one walked every object of
    the process (300,000 with the package, pandas and matplotlib loaded): 0.25-0.47 s each,
    about 0.7 s of the main process's CPU and as much in a figure worker for the shipped
    cohort. The objects that existed before the report are not the report's garbage, so
    they are skipped; the report's own objects are collected as before. Forked workers
    inherit the frozen state (Python's advice for forking: freeze before the fork). When
    the caller has frozen objects already (``gc.get_freeze_count() > 0``) nothing is
    changed, so their freeze is not undone.

    Examples
    --------
    >>> before = gc.get_freeze_count()
    >>> with frozen_gc():
    ...     during = gc.get_freeze_count()
    >>> during > 0 or before > 0, gc.get_freeze_count() == before
    (True, True)
    """
    if gc.get_freeze_count() > 0:
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _warm() -> None:
    """Load the PDF writer, typst's rasteriser (the report's PNGs are its PDFs rasterised)
    and the default font's subset in a new worker, while it waits for its first figure
    (otherwise the first figure's export pays for them). The
    objects inherited from the main process are left out of the worker's garbage
    collection (:func:`frozen_gc`): none of them is the worker's garbage."""
    gc.freeze()
    figure = MplFigure(figsize=(1, 1))
    figure.text(0.5, 0.5, "lms_prognosis")
    figure.text(0.5, 0.2, "lms_prognosis", weight="bold")  # forest plots' headers
    with tempfile.TemporaryDirectory(prefix="lms_prognosis_warm_") as tmp:
        save_figure(figure, Path(tmp) / "warm", formats=("png", "pdf"), dpi=72, raster="pdf")


def unpickled_figure(payload: bytes) -> MplFigure:
    """A pickled figure, with its transforms' invalidation links keyed for this process.

    matplotlib keeps each transform's parents (the transforms to invalidate when it changes)
    in a dict keyed by ``id(parent)``, and unpickles those keys as they were in the process
    that pickled the figure. Here they are stale: a transform made later whose id equals a
    stale key replaces that parent, and a stale parent's collection removes the entry of a
    new transform with its id. The parent then keeps a cached matrix when its child changes.
    Seen in full test runs, depending on what the worker had allocated: a Kaplan-Meier PDF
    with its axes drawn at 130/72 of their size (the axes' boxes under the figure's
    ``transSubfigure`` kept the PNG's 130-dpi matrix when the PDF renderer set 72), and one
    with its x tick labels 7.58 pt low (their offsets, children of ``dpi_scale_trans``, kept
    the PNG's 150 dpi). Every transform reachable from the figure is found first, by reading
    attributes only (no new transform is made meanwhile), then has its parents registered
    again, keyed by their ids here (``TransformNode.set_children``).

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> copy = unpickled_figure(pickle.dumps(fig))
    >>> all(k == id(r()) for n in _transform_nodes(copy) for k, r in vars(n)["_parents"].items())
    True
    >>> plt.close(fig), plt.close(copy)
    (None, None)
    """
    figure = pickle.loads(payload)
    nodes = _transform_nodes(figure)  # all of them before any link changes
    parents = {}
    for node in nodes:
        state = vars(node)  # ``_parents`` is not in matplotlib's type stubs
        parents[id(node)] = [p for ref in state["_parents"].values() if (p := ref()) is not None]
        state["_parents"] = {}
    for node in nodes:
        for parent in parents[id(node)]:
            parent.set_children(node)
    return cast(MplFigure, figure)


def _transform_nodes(figure: MplFigure) -> list[TransformNode]:
    """Every transform reachable from the figure, found by reading attributes only.

    The walk goes through the instance attributes of matplotlib's objects and through lists,
    tuples and dicts, and never calls a method: ``findobj`` (``Axis.get_children``) creates
    the ticks an axis lacks, and with them transforms whose ids could take a stale key's
    place before the links are rebuilt (seen: tick labels 7.58 pt low in a worker's PDF).
    """
    todo: list[Any] = [figure]
    visited: set[int] = set()
    nodes: dict[int, TransformNode] = {}
    while todo:
        obj = todo.pop()
        if id(obj) in visited:
            continue
        visited.add(id(obj))
        if isinstance(obj, list | tuple):
            todo.extend(obj)
        elif isinstance(obj, dict):
            todo.extend(obj.values())
        elif type(obj).__module__.startswith(("matplotlib.", "mpl_toolkits.")):
            state = getattr(obj, "__dict__", None)
            if state is None:
                continue
            if isinstance(obj, TransformNode):
                nodes[id(obj)] = obj
                todo.extend(p for ref in state["_parents"].values() if (p := ref()) is not None)
            todo.extend(v for k, v in state.items() if k != "_parents")
    return list(nodes.values())


def _in_worker(
    export: Export, payload: bytes, path: Path, dpi: int, caption: str, rc: dict[str, Any]
) -> list[Caught]:
    """Write one pickled figure (in a worker); return the warnings raised meanwhile."""
    figure = unpickled_figure(payload)
    FigureCanvasAgg(figure)  # as a pyplot figure: layout and PNG share one renderer
    now: Any = mpl.rcParams  # typed by its literal keys in matplotlib's stubs
    changed: Any = {k: v for k, v in rc.items() if now[k] != v}
    with warnings.catch_warnings(record=True) as caught, mpl.rc_context(changed):
        warnings.simplefilter("always")
        export(figure, path, dpi, caption)
    return [(w.category, str(w.message)) for w in caught]


def _call_in_worker(payload: bytes) -> list[Caught]:
    """Run a pickled ``(function, args)`` (in a worker); return the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _unpickled_call(payload)
    return [(w.category, str(w.message)) for w in caught]


def _unpickled_call(payload: bytes) -> None:
    fn, args = pickle.loads(payload)
    fn(*args)


@dataclass
class _Job:
    here: Callable[[], object]  # does the job in this process (when taken back)
    section: str | None
    call: tuple[Callable[..., list[Caught]], tuple[Any, ...]]  # does it in a worker
    future: Future[list[Caught]] | None = None  # set when handed to a worker


class FigurePool:
    """Figures written by worker processes (or here, with no worker), in submission order.

    Parameters
    ----------
    export : callable
        ``export(figure, path, dpi, caption)`` writes a figure's files; with workers it is
        sent to them, so a module-level function (or a ``functools.partial`` of one).
    workers : int
        Worker processes (:func:`workers_for`); 0 writes every figure in :meth:`submit`.

    Examples
    --------
    >>> import tempfile, matplotlib.pyplot as plt
    >>> from lms_prognosis.plotting import save_figure
    >>> def export(fig, path, dpi, caption):
    ...     return save_figure(fig, path, formats=("png",), dpi=dpi, title=caption)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     pool = FigurePool(export, workers=0)
    ...     fig, ax = plt.subplots()
    ...     queued = pool.submit(fig, Path(d) / "f", 100, "A line", section=None)
    ...     pool.finish(), sorted(p.name for p in Path(d).iterdir())
    ({}, ['f.png'])
    >>> plt.close(fig)
    """

    def __init__(self, export: Export, workers: int) -> None:
        self.export = export
        self.jobs: list[_Job] = []
        self.executor: ProcessPoolExecutor | None = None
        self.subsets: Future[dict[str, Any]] | None = None
        self.feeder = _Feeder(workers)
        if workers > 0:
            self.executor = _start(workers)
        if self.executor is not None:
            # the font subsets a worker built while warming up: this process takes them over
            # before it writes figures itself (0.2-0.5 s per font saved here)
            self.subsets = self.executor.submit(font_subsets)
            self.feeder.start(self.executor)

    @property
    def parallel(self) -> bool:
        """Whether figures go to worker processes."""
        return self.executor is not None

    def submit(
        self, figure: MplFigure, path: Path, dpi: int, caption: str, section: str | None
    ) -> bool:
        """Write ``figure`` to ``path``: queued for a worker (True), or now (False; its
        warnings are raised here).

        ``section`` names what made the figure, for the warnings :meth:`finish` returns.
        """
        if self.executor is not None:
            try:
                payload = pickle.dumps(figure, protocol=pickle.HIGHEST_PROTOCOL)
            except (pickle.PicklingError, TypeError, AttributeError):
                payload = None  # e.g. a lambda formatter: this one is written here
            if payload is not None:
                here = functools.partial(self.export, figure, path, dpi, caption)
                args = (self.export, payload, path, dpi, caption, _rc_snapshot())
                if self._queue(_Job(here, section, (_in_worker, args))):
                    return True
        self.export(figure, path, dpi, caption)
        return False

    def submit_call(
        self, fn: Callable[..., object], args: tuple[Any, ...], section: str | None
    ) -> bool:
        """Run ``fn(*args)`` (a module-level function writing a file): queued for a worker
        (True), or now (False). The arguments are pickled now, so the caller may change
        them afterwards."""
        if self.executor is not None:
            payload = pickle.dumps((fn, args), protocol=pickle.HIGHEST_PROTOCOL)
            here = functools.partial(_unpickled_call, payload)
            if self._queue(_Job(here, section, (_call_in_worker, (payload,)))):
                return True
        fn(*args)
        return False

    def _queue(self, job: _Job) -> bool:
        """Queue ``job`` for the feeder; False when the workers are gone (do it here)."""
        if self.executor is None or not self.feeder.add(job):
            return False
        self.jobs.append(job)
        return True

    def finish(self) -> dict[str | None, list[Caught]]:
        """Wait for every figure (writing the unstarted ones here); the workers' warnings.

        Returns the warnings raised in workers, by the section that made the figure.
        """
        late: dict[str | None, list[Caught]] = {}
        try:
            self._take_subsets()
            # take back, last first, what no worker has been handed; a worker meanwhile
            # takes the first ones, until none is left
            while (job := self.feeder.take_last()) is not None:
                self._here(job, late)
            self.feeder.stop()
            for job in self.jobs:
                if job.future is None:
                    continue
                try:
                    caught = job.future.result()
                except BrokenProcessPool:  # a worker died (killed, out of memory)
                    self._here(job, late)
                    continue
                late.setdefault(job.section, []).extend(caught)
        finally:
            self._stop()
            self.jobs = []
        return late

    def _take_subsets(self) -> None:
        if self.subsets is not None and self.jobs:
            try:
                add_font_subsets(self.subsets.result())
            except BrokenProcessPool:
                pass  # this process builds its own
        self.subsets = None

    def _here(self, job: _Job, late: dict[str | None, list[Caught]]) -> None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            job.here()
        late.setdefault(job.section, []).extend((w.category, str(w.message)) for w in caught)

    def _stop(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None

    def close(self) -> None:
        """Stop the workers without waiting for queued figures (after an error)."""
        self.feeder.stop(drop=True)
        self._stop()
        self.jobs = []


class _Feeder:
    """Hands the queued jobs to the workers one at a time per worker, from a thread.

    ``ProcessPoolExecutor`` passes a submitted call on to a worker's queue at once (up to two
    per worker), and a call in a worker's queue can no longer be cancelled. With every
    figure submitted when it was made, the main process, done with its statistics, found
    the last figures already promised to the worker and waited for them (0.9 s of the
    shipped cohort's report, with the Schoenfeld grid among them). The feeder keeps the
    queue here instead: a job goes to the executor only when a worker is free (a finished
    call wakes the feeder), so :meth:`take_last` can take back every job not yet being
    drawn. The thread only moves jobs; it draws nothing.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pending: collections.deque[_Job] = collections.deque()
        self.cv = threading.Condition()  # an RLock: a done-callback may run in submit
        self.busy = 0
        self.closing = False
        self.broken = False
        self.thread: threading.Thread | None = None

    def start(self, executor: ProcessPoolExecutor) -> None:
        self.thread = threading.Thread(
            target=self._run, args=(executor,), name="lms_prognosis-figures", daemon=True
        )
        self.thread.start()

    def add(self, job: _Job) -> bool:
        """Queue ``job``; False when the workers are gone."""
        with self.cv:
            if self.broken or self.closing:
                return False
            self.pending.append(job)
            self.cv.notify_all()
        return True

    def take_last(self) -> _Job | None:
        """The last job not handed to a worker (None: none left); it is then done here."""
        with self.cv:
            self.closing = True
            self.cv.notify_all()
            return self.pending.pop() if self.pending else None

    def stop(self, drop: bool = False) -> None:
        """Let the thread end (``drop``: forget the jobs not handed over) and wait for it."""
        with self.cv:
            self.closing = True
            if drop:
                self.pending.clear()
            self.cv.notify_all()
        if self.thread is not None:
            self.thread.join()
            self.thread = None

    def _done(self, _: Future[list[Caught]]) -> None:
        with self.cv:
            self.busy -= 1
            self.cv.notify_all()

    def _run(self, executor: ProcessPoolExecutor) -> None:
        with self.cv:
            while True:
                while self.pending and self.busy < self.workers and not self.broken:
                    job = self.pending.popleft()
                    fn, args = job.call
                    try:
                        job.future = executor.submit(fn, *args)
                    except (BrokenProcessPool, RuntimeError):
                        self.pending.appendleft(job)  # the main process does it
                        self.broken = True
                        break
                    self.busy += 1
                    job.future.add_done_callback(self._done)
                if self.closing and (self.broken or not self.pending):
                    return
                self.cv.wait()


def _start(workers: int) -> ProcessPoolExecutor | None:
    """Fork ``workers`` processes now (each loads the PDF writer and typst); None if they cannot."""
    try:
        ctx = mp.get_context("fork")
        with warnings.catch_warnings():
            # Python >= 3.12 warns that forking a process with threads (here OpenBLAS's and
            # Arrow's, idle) may deadlock a child that takes their locks; a worker only
            # unpickles and draws figures (matplotlib, Pillow, zlib), which take none of them
            warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork")
            executor = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_warm)
            executor.submit(int)  # fork them now, before the first figure is ready
    except (OSError, ValueError, ImportError, NotImplementedError, BrokenProcessPool):
        return None
    return executor
