"""Writes the report's figures and tables into the output folder and remembers every file."""

from __future__ import annotations

import functools
import warnings
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
from pandas.api.types import infer_dtype

from lms_prognosis.exceptions import LMSPrognosisWarning, RasterError
from lms_prognosis.plotting import save_figure
from lms_prognosis.report._document import Figure, Table
from lms_prognosis.report._figure_pool import Caught, FigurePool, workers_for
from lms_prognosis.report.export import table_to_docx


def _export(figure: Any, path: Path, dpi: int, caption: str, prov: dict[str, Any]) -> list[Path]:
    """figures/<name>.png and .pdf with the report's provenance (in whichever process); the
    PNG is the PDF rasterised (one drawing per figure, ``raster="pdf"``).

    Should typst fail to rasterise a figure's PDF, matplotlib's Agg draws its PNG instead
    and a warning says so in the figure's section (and the manifest): the report is still
    written, and a reader can tell that this PNG was drawn otherwise.
    """
    files = functools.partial(
        save_figure, figure, path, formats=("png", "pdf"), dpi=dpi, provenance=prov, title=caption
    )
    try:
        return files(raster="pdf")
    except RasterError as err:
        warnings.warn(
            f"The PNG of figure {path.name} was drawn by matplotlib's Agg renderer, not "
            f"rasterised from its PDF as the other figures are: {_reason(err)}.",
            LMSPrognosisWarning,
            stacklevel=2,
        )
        return files(raster="agg")


def _reason(err: RasterError) -> str:
    """Why, without the advice to ``save_figure`` callers: typst's own message when it
    raised, else ours."""
    if err.__cause__ is not None:
        return f"typst could not rasterise it ({err.__cause__})"
    return str(err).split(";")[0]


def _read_files(block: Figure, png: Path) -> None:
    """Fill a figure block from its written files: the PNG (HTML) and the PDF (PDF report)."""
    block.png, block.pdf = png.read_bytes(), png.with_suffix(".pdf").read_bytes()


#: design value: a CSV with more cells than this is written by a worker process, with pyarrow
#: when it holds numbers and text only (:func:`_write_csv`); a smaller one costs less to
#: write than to send
WORKER_CSV_CELLS = 50_000


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as UTF-8 CSV without its index (in whichever process).

    A large frame of numbers and text only (more than :data:`WORKER_CSV_CELLS` cells: the
    per-patient risks) is written by pyarrow's CSV writer, in C++ (100,000 patients x 18
    columns: 0.4 s, against 4.2 s in pandas, which formats every float in Python's way).
    The cells read back are the same numbers and texts; the text differs in form only:
    text fields and the header are quoted (as R's ``write.csv``), and numbers are in their
    shortest round-trip form without a forced ".0" or exponent (``3``, ``0.00001``, where
    pandas writes ``3.0``, ``1e-05``). Any other frame (booleans, categories, dates, mixed
    columns) is written by pandas.
    """
    if frame.size > WORKER_CSV_CELLS and _numbers_and_text(frame):
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pcsv.write_csv(table, path, pcsv.WriteOptions(quoting_style="needed"))
        return
    frame.to_csv(path, index=False, encoding="utf-8")


def _numbers_and_text(frame: pd.DataFrame) -> bool:
    """Whether every column is int or float, or object holding only str and missing values
    (the columns pyarrow writes as pandas would read them), with unique string names."""
    if not frame.columns.is_unique or not all(isinstance(c, str) for c in frame.columns):
        return False
    for _, col in frame.items():
        kind = col.dtype.kind if isinstance(col.dtype, np.dtype) else ""
        if kind and kind in "iuf":
            continue
        if kind != "O" or infer_dtype(col, skipna=True) not in ("string", "empty"):
            return False
    return True


class Writer:
    """Saves figures (PNG + PDF) and tables (CSV, optionally Word) and returns report blocks.

    Parameters
    ----------
    out_dir : Path
        The report folder; ``figures/`` and ``tables/`` are created in it.
    prov : dict
        Provenance written into every figure file (``lms_prognosis._provenance``).
    n_jobs : int or None
        Processes writing figures, this one included (``report._figure_pool``): 1 writes
        each figure in :meth:`figure`; more hand figures to worker processes, and
        :meth:`finish` must be called before the figures' PNG bytes are read.

    Attributes
    ----------
    files : list of Path
        Every file written (or queued) so far, in order (the manifest lists them).
    section : str or None
        Id of the section being built (set by ``run_section``), for the workers' warnings.
    """

    def __init__(self, out_dir: Path, prov: dict[str, Any], n_jobs: int | None = 1) -> None:
        self.out_dir = out_dir
        self.prov = prov
        self.files: list[Path] = []
        self.section: str | None = None
        self._waiting: list[tuple[Figure, Path]] = []
        (out_dir / "figures").mkdir(parents=True, exist_ok=True)
        (out_dir / "tables").mkdir(parents=True, exist_ok=True)
        export = functools.partial(_export, prov=prov)
        self.pool = FigurePool(export, workers_for(n_jobs))

    def figure(
        self, fig: Any, name: str, caption: str, dpi: int = 150, width: float = 0.75
    ) -> Figure:
        """Save ``fig`` as figures/<name>.png and .pdf (plotting.save_figure); return the block.

        ``fig`` is a matplotlib Figure, or anything with a ``.figure`` (an Axes, or a plot
        result holding its figure). With worker processes the files are written later and
        the block's ``png`` and ``pdf`` are filled by :meth:`finish`.
        """
        figure = fig.get_figure(root=True)
        plt.close(figure)  # out of pyplot first: a pickled figure is not re-registered
        path = self.out_dir / "figures" / name
        png = path.with_suffix(".png")  # as save_figure names it
        block = Figure(id=f"fig-{name}", caption=caption, png=b"", alt=caption, width=width)
        queued = self.pool.submit(figure, path, dpi, caption, self.section)
        self.files.extend([png, png.with_suffix(".pdf")])
        if queued:
            self._waiting.append((block, png))
        else:
            _read_files(block, png)
        return block

    def finish(self) -> dict[str | None, list[Caught]]:
        """Wait for the figures handed to workers and fill their blocks' PNG and PDF bytes.

        Returns the warnings raised while workers wrote figures, by section id.
        """
        late = self.pool.finish()
        for block, png in self._waiting:
            _read_files(block, png)
        self._waiting = []
        return late

    def close(self) -> None:
        """Stop the worker processes (after an error; :meth:`finish` stops them too)."""
        self.pool.close()

    def table(
        self,
        frame: pd.DataFrame,
        name: str,
        caption: str,
        note: str | None = None,
        group_column: str | None = None,
        max_rows: int | None = None,
        csv_frame: pd.DataFrame | None = None,
        docx: bool = False,
    ) -> Table:
        """Write tables/<name>.csv (``csv_frame`` or ``frame``), optionally .docx; return the block."""
        path = self.out_dir / "tables" / f"{name}.csv"
        (frame if csv_frame is None else csv_frame).to_csv(path, index=False, encoding="utf-8")
        self.files.append(path)
        if docx:
            dpath = path.with_suffix(".docx")
            table_to_docx(frame, dpath, caption, note, group_column)
            self.files.append(dpath)
        return Table(
            id=f"tab-{name}",
            caption=caption,
            frame=frame,
            note=note,
            group_column=group_column,
            max_rows=max_rows,
        )

    def csv(self, frame: pd.DataFrame, relpath: str) -> Path:
        """Write ``frame`` as CSV at ``relpath`` inside the report folder; return the path.

        A large frame goes to a worker process when there are workers (the file is complete
        after :meth:`finish`).
        """
        path = self.out_dir / relpath
        if frame.size > WORKER_CSV_CELLS:
            self.pool.submit_call(_write_csv, (frame, path), self.section)
        else:
            _write_csv(frame, path)
        self.files.append(path)
        return path
