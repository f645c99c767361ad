"""Figures written by worker processes: the same files as written here, warnings kept, and
the serial path for n_jobs=1, unpicklable figures and pools that cannot start."""

from __future__ import annotations

import hashlib
import os
import sys
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import lms_prognosis as lp
import lms_prognosis.report.build as build
from lms_prognosis.exceptions import ReportError
from lms_prognosis.plotting import plot_km
from lms_prognosis.report import _figure_pool
from lms_prognosis.report._document import Paragraph, Section
from lms_prognosis.report._figure_pool import MAX_WORKERS, workers_for
from lms_prognosis.report._run import add_late_warnings
from lms_prognosis.report._writer import Writer

LINUX = sys.platform.startswith("linux")
PROV = {"software": "test", "created": "2000-01-01T00:00:00+00:00"}


@pytest.fixture(autouse=True)
def _fixed_pdf_date(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # no creation time in the PDFs


def _figures() -> list[tuple[object, str]]:
    """A KM plot (a PlotResult, two axes) and a constrained-layout scatter with Greek text."""
    km = plot_km(lp.kaplan_meier(lp.load_synthetic().data), title="Overall")
    fig, ax = plt.subplots(layout="constrained", figsize=(4, 3))
    rng = np.random.default_rng(2)
    ax.scatter(rng.random(300), rng.random(300), s=3)
    ax.set_title("\u03c7\u00b2 = 3.1, p \u2265 0.05")
    return [(km, "km"), (fig, "scatter")]


def _write(tmp: Path, n_jobs: int) -> tuple[Writer, list]:
    writer = Writer(tmp, PROV, n_jobs=n_jobs)
    blocks = [writer.figure(f, name, f"Caption {name}", dpi=100) for f, name in _figures()]
    writer.finish()
    return writer, blocks


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_workers_write_the_same_files_as_serial(tmp_path):
    serial, s_blocks = _write(tmp_path / "serial", 1)
    parallel = Writer(tmp_path / "parallel", PROV, n_jobs=2)
    assert parallel.pool.parallel is LINUX  # forked workers on Linux
    p_blocks = [parallel.figure(f, n, f"Caption {n}", dpi=100) for f, n in _figures()]
    if LINUX:
        assert all(b.png == b"" for b in p_blocks)  # written later, by the worker
    parallel.finish()
    assert not parallel.pool.parallel  # the workers are stopped
    names = [p.name for p in serial.files]
    assert (
        names
        == [p.name for p in parallel.files]
        == [
            "km.png",
            "km.pdf",
            "scatter.png",
            "scatter.pdf",
        ]
    )
    for a, b in zip(serial.files, parallel.files, strict=True):
        assert _digest(a) == _digest(b), a.name  # byte-identical PNG and PDF
    for sb, pb, png in zip(s_blocks, p_blocks, serial.files[::2], strict=True):
        assert sb.png == pb.png == png.read_bytes()  # the HTML gets the file's own bytes


def test_unstarted_figures_are_taken_back(tmp_path, monkeypatch):
    """finish() writes here the figures no worker has started, the last ones first."""
    writer = Writer(tmp_path, PROV, n_jobs=2)
    here: list[str] = []
    original = writer.pool._here

    def record(job, late):
        here.append(job.here.args[1].name)  # partial(export, figure, path, dpi, caption)
        original(job, late)

    monkeypatch.setattr(writer.pool, "_here", record)
    figs = [_figures()[1][0] for _ in range(6)]
    blocks = [writer.figure(figs[0], "f0", "c", dpi=100)]
    if LINUX:  # the worker has it before the others are queued
        first = writer.pool.jobs[0]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            first.future is not None and (first.future.running() or first.future.done())
        ):
            time.sleep(0.01)
    blocks += [writer.figure(f, f"f{i}", "c", dpi=100) for i, f in enumerate(figs[1:], 1)]
    writer_jobs = list(writer.pool.jobs)
    writer.finish()
    assert all(p.is_file() for p in writer.files)
    assert all(b.png[:8] == b"\x89PNG\r\n\x1a\n" for b in blocks)
    assert here == sorted(here, reverse=True)  # taken from the back of the queue
    if LINUX:
        assert here and "f0" not in here  # f5, f4, ... here while the worker draws f0
        # one job per worker at a time: all but the figures a worker drew were taken back
        handed = [j for j in writer_jobs if j.future is not None]
        assert len(handed) + len(here) == 6 and len(here) >= 1


def test_unpicklable_figure_is_written_here(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"<{v:g}>"))  # no pickle
    writer = Writer(tmp_path, PROV, n_jobs=2)
    block = writer.figure(fig, "lambda", "c", dpi=100)
    assert block.png[:4] == b"\x89PNG"  # written at once, in this process
    writer.finish()
    assert all(p.is_file() for p in writer.files)


def test_pool_that_cannot_start_writes_here(tmp_path, monkeypatch):
    monkeypatch.setattr(_figure_pool, "_start", lambda workers: None)  # e.g. no semaphores
    writer = Writer(tmp_path, PROV, n_jobs=2)
    assert not writer.pool.parallel
    block = writer.figure(_figures()[1][0], "f", "c", dpi=100)
    assert block.png[:4] == b"\x89PNG" and writer.finish() == {}


def test_warnings_of_a_worker_come_back_to_their_section(tmp_path):
    writer = Writer(tmp_path, PROV, n_jobs=2)
    writer.section = "km"
    fig, ax = plt.subplots()
    ax.set_title("\u0f00")  # a glyph missing from the font: a warning when drawn
    with warnings.catch_warnings(record=True) as here:
        warnings.simplefilter("always")
        writer.figure(fig, "emoji", "c", dpi=100)
        late = writer.finish()
    if not LINUX:  # written here: the warning was raised here, as in the serial report
        assert any("missing from font" in str(w.message) for w in here) and late == {}
        return
    assert not here  # raised in the worker, sent back
    (category, message), *_ = late["km"]
    assert issubclass(category, UserWarning) and "missing from font" in message
    sections = [Section("km", "KM"), Section("cox", "Cox")]
    ctx = SimpleNamespace(results={})
    add_late_warnings(sections, late, ctx)  # type: ignore[arg-type]
    notes = sections[0].blocks
    assert notes and all(isinstance(n, Paragraph) and n.kind == "note" for n in notes)
    assert notes[0].text.startswith("Warning (UserWarning): ") and "missing" in notes[0].text
    assert sections[1].blocks == []
    assert ctx.results["warnings"]["km"][0] == message


def test_workers_for():
    assert workers_for(1) == 0
    if LINUX:
        assert workers_for(2) == 1
        assert workers_for(100) == MAX_WORKERS
        cores = len(os.sched_getaffinity(0))
        assert workers_for(None) == workers_for(-1) == min(cores - 1, MAX_WORKERS)
    for bad in (0, -2, 1.5, "2"):
        with pytest.raises(ReportError, match="n_jobs"):
            workers_for(bad)  # type: ignore[arg-type]


def test_report_with_workers_is_the_report_without(tmp_path, monkeypatch):
    """write_report(n_jobs=2) writes the same figures, HTML and manifest files as n_jobs=1."""
    original = build.provenance

    def fixed(*args, **kwargs):
        return {**original(*args, **kwargs), "created": PROV["created"]}

    monkeypatch.setattr(build, "provenance", fixed)
    small = lp.load_synthetic().data.iloc[:160].copy()
    reps = {n: lp.write_report(small, tmp_path / f"n{n}", progress=False, n_jobs=n) for n in (1, 2)}
    rel = {n: [p.relative_to(r.out_dir) for p in r.files] for n, r in reps.items()}
    assert rel[1] == rel[2]
    assert "figures" in reps[2].timings and reps[1].errors == reps[2].errors
    for p in rel[1]:
        if p.parts[0] == "figures" or p.name == "report.html":
            a, b = reps[1].out_dir / p, reps[2].out_dir / p
            # digests: a failing comparison of whole files made pytest diff megabytes of
            # bytes for over 10 minutes
            assert _digest(a) == _digest(b), p


def test_large_csv_written_by_a_worker_as_here(tmp_path):
    from lms_prognosis.report._writer import WORKER_CSV_CELLS

    rng = np.random.default_rng(4)
    rows = WORKER_CSV_CELLS // 4 + 1
    frame = pd.DataFrame(rng.random((rows, 4)), columns=list("abcd"))
    frame["id"] = [f"P{i}" for i in range(rows)]
    paths = {}
    for n_jobs in (1, 2):
        writer = Writer(tmp_path / f"n{n_jobs}", PROV, n_jobs=n_jobs)
        (tmp_path / f"n{n_jobs}").mkdir(exist_ok=True)
        paths[n_jobs] = writer.csv(frame.copy(), "risk.csv")
        small = writer.csv(frame.head(3), "small.csv")
        assert small.is_file()  # a small one is written at once
        if n_jobs == 2 and LINUX:
            assert writer.pool.jobs  # the large one was queued
        writer.finish()
        assert writer.files == [paths[n_jobs], small]
    assert paths[1].read_bytes() == paths[2].read_bytes()
    assert pd.read_csv(paths[2])["a"].to_numpy() == pytest.approx(frame["a"].to_numpy())


def test_a_frame_changed_after_csv_is_written_as_it_was(tmp_path):
    from lms_prognosis.report._writer import WORKER_CSV_CELLS

    frame = pd.DataFrame({"x": np.arange(WORKER_CSV_CELLS + 1)})
    writer = Writer(tmp_path, PROV, n_jobs=2)
    path = writer.csv(frame, "x.csv")
    frame["x"] = -1  # pickled when handed over: the file has the values at the call
    writer.finish()
    assert pd.read_csv(path)["x"].iloc[-1] == WORKER_CSV_CELLS


def test_frozen_gc_leaves_the_callers_state_as_it_found_it():
    """frozen_gc freezes the existing objects for the block and unfreezes them after it,
    after an error too; a caller's own freeze is neither added to nor undone."""
    import gc

    from lms_prognosis.report._figure_pool import frozen_gc

    assert gc.get_freeze_count() == 0  # pytest itself freezes nothing
    with frozen_gc():
        assert gc.get_freeze_count() > 1000  # the loaded modules' objects at least
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), frozen_gc():
        raise RuntimeError("an error inside")
    assert gc.get_freeze_count() == 0
    gc.freeze()  # the caller's own
    try:
        mine = gc.get_freeze_count()
        junk = [[] for _ in range(100)]  # new objects: not frozen by frozen_gc this time
        # frozen objects that another thread (pytest-xdist's) frees leave the count, so it
        # may fall a little; freezing the 100 new lists would raise it, unfreezing empty it
        with frozen_gc():
            assert mine // 2 < gc.get_freeze_count() <= mine
        assert mine // 2 < gc.get_freeze_count() <= mine
        del junk
    finally:
        gc.unfreeze()


def test_write_report_freezes_only_while_it_runs(tmp_path, monkeypatch):
    """The report runs with the objects made before it frozen, and unfreezes them after."""
    import gc

    seen = []
    original = build._write_with

    def spy(*args, **kwargs):
        seen.append(gc.get_freeze_count())
        return original(*args, **kwargs)

    monkeypatch.setattr(build, "_write_with", spy)
    lp.write_report(lp.load_synthetic().data.iloc[:120].copy(), tmp_path / "r", progress=False)
    assert seen and seen[0] > 1000
    assert gc.get_freeze_count() == 0


@pytest.mark.skipif(not LINUX, reason="worker processes are forked: Linux only")
def test_a_worker_is_handed_one_figure_at_a_time(tmp_path):
    """While a worker draws, the later figures stay in this process's queue (none promised to
    the worker ahead), so finish() can take back all of them."""
    writer = Writer(tmp_path, PROV, n_jobs=2)
    for i in range(5):
        writer.figure(_figures()[1][0], f"f{i}", "c", dpi=100)
    feeder = writer.pool.feeder
    with feeder.cv:  # the feeder hands nothing over meanwhile
        handed = [j for j in writer.pool.jobs if j.future is not None]
        assert len(feeder.pending) + len(handed) == 5
        assert sum(not j.future.done() for j in handed) <= 1  # workers_for(2) == 1 worker
    writer.finish()
    assert all(p.is_file() for p in writer.files)
    assert feeder.thread is None  # the feeder thread has ended


@pytest.mark.skipif(not LINUX, reason="worker processes are forked: Linux only")
def test_figures_of_a_killed_worker_are_written_here(tmp_path):
    """A worker killed mid-report (out of memory, say): its figure, the queued ones and those
    made afterwards are all written, by this process."""
    import signal

    writer = Writer(tmp_path, PROV, n_jobs=2)
    writer.figure(_figures()[1][0], "f0", "c", dpi=100)
    for pid in list(writer.pool.executor._processes):  # type: ignore[union-attr]
        os.kill(pid, signal.SIGKILL)
    blocks = [writer.figure(_figures()[1][0], f"f{i}", "c", dpi=100) for i in range(1, 4)]
    writer.finish()
    names = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert names == sorted(f"f{i}.{x}" for i in range(4) for x in ("pdf", "png"))
    assert all(b.png[:8] == b"\x89PNG\r\n\x1a\n" for b in blocks)


def test_a_large_table_of_numbers_and_text_reads_back_as_pandas_wrote_it(tmp_path):
    """Above WORKER_CSV_CELLS cells a frame of numbers and text is written by pyarrow (quoted
    text, shortest numbers); read back, every cell equals the one of pandas' own file."""
    from lms_prognosis.report._writer import WORKER_CSV_CELLS, _write_csv

    n = WORKER_CSV_CELLS // 4 + 1
    rng = np.random.default_rng(3)
    special = [3.0, 1e-5, 1e20, -0.0, np.inf, -np.inf, np.nan, 0.1 + 0.2, 1e15, 5e-324]
    x = rng.random(n)
    x[: len(special)] = special
    text = np.array([f"P{i:06d}" for i in range(n)], dtype=object)
    text[:6] = ["a,b", 'say "x"', None, "", "line\nbreak", "\u2265 60 years"]
    frame = pd.DataFrame({"x": x, "k": rng.integers(-5, 5, n), "id": text, "y": 1.5 * x})
    _write_csv(frame, tmp_path / "fast.csv")
    frame.to_csv(tmp_path / "pandas.csv", index=False, encoding="utf-8")
    assert (tmp_path / "fast.csv").read_text(encoding="utf-8").startswith('"x","k","id","y"')
    fast, slow = (pd.read_csv(tmp_path / f) for f in ("fast.csv", "pandas.csv"))
    pd.testing.assert_frame_equal(fast, slow)
    assert np.signbit(fast.loc[3, "x"])  # -0.0 kept
    # a boolean column: pandas writes it (True/False), unquoted
    frame["flag"] = frame["k"] > 0
    _write_csv(frame, tmp_path / "bool.csv")
    assert (tmp_path / "bool.csv").read_text(encoding="utf-8").startswith("x,k,id,y,flag")
    # a text column holding a number too: pandas writes it
    mixed = frame.drop(columns="flag")
    mixed.loc[7, "id"] = 12
    _write_csv(mixed, tmp_path / "mixed.csv")
    assert (tmp_path / "mixed.csv").read_text(encoding="utf-8").startswith("x,k,id,y\n")


def _stale_links(figure) -> int:
    """Transforms' parent links whose key is not the parent's id in this process."""
    nodes = _figure_pool._transform_nodes(figure)
    return sum(k != id(ref()) for n in nodes for k, ref in vars(n)["_parents"].items())


def test_unpickled_figure_keys_its_transform_links_by_this_process_ids(tmp_path):
    """matplotlib unpickles each transform's parents keyed by the pickling process's ids; a
    later transform with one of those ids replaced a parent, so the parent kept a stale
    matrix (a Kaplan-Meier PDF drawn at 130/72 scale). Relinked, every key is a live id and
    the figure writes the same files as the original."""
    import pickle

    km = plot_km(lp.kaplan_meier(lp.load_synthetic().data), title="Overall")
    payload = pickle.dumps(km.figure, protocol=pickle.HIGHEST_PROTOCOL)
    plain = pickle.loads(payload)
    assert len(_figure_pool._transform_nodes(plain)) > 100
    assert _stale_links(plain) > 0  # matplotlib's own unpickling: the old ids
    relinked = _figure_pool.unpickled_figure(payload)
    assert _stale_links(relinked) == 0
    # finding the transforms creates none: a new one (an axis's missing ticks, made by
    # findobj) could take a stale key's place before the links are rebuilt
    from matplotlib import transforms

    made = []
    init = transforms.TransformNode.__init__

    def counted(self, *args, **kwargs):
        made.append(type(self).__name__)
        init(self, *args, **kwargs)

    fresh = pickle.loads(payload)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(transforms.TransformNode, "__init__", counted)
        found = _figure_pool._transform_nodes(fresh)
        assert made == [] and len(found) > 100
        fresh.findobj()  # what the first version walked with
    assert "ScaledTranslation" in made  # tick labels' offsets: children of dpi_scale_trans
    paths = {}
    for name, fig in (("original", km.figure), ("relinked", relinked)):
        paths[name] = lp.save_figure(
            fig, tmp_path / name, formats=("png", "pdf"), dpi=130, provenance=PROV
        )
    for a, b in zip(paths["original"], paths["relinked"], strict=True):
        assert _digest(a) == _digest(b), b.name
    # the axes follow a dpi change of their figure (what the PDF renderer's 72 dpi needs)
    relinked.set_dpi(130)
    before = relinked.axes[0].transAxes.get_matrix().copy()
    relinked.set_dpi(72)
    np.testing.assert_allclose(
        relinked.axes[0].transAxes.get_matrix()[:2, :2], before[:2, :2] * 72 / 130
    )
    for fig in (km.figure, plain, relinked, fresh):
        plt.close(fig)
