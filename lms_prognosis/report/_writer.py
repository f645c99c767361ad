"""Writes the report's figures and tables into the output folder and remembers every file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from lms_prognosis.plotting import save_figure
from lms_prognosis.report._document import Figure, Table
from lms_prognosis.report.export import table_to_docx


class Writer:
    """Saves figures (PNG + PDF) and tables (CSV, optionally Word) and returns report blocks.

    Parameters
    ----------
    out_dir : Path
        The report folder; ``figures/`` and ``tables/`` are created in it.
    prov : dict
        Provenance written into every figure file (``lms_prognosis._provenance``).

    Attributes
    ----------
    files : list of Path
        Every file written so far, in order (the manifest lists them).
    """

    def __init__(self, out_dir: Path, prov: dict[str, Any]) -> None:
        self.out_dir = out_dir
        self.prov = prov
        self.files: list[Path] = []
        (out_dir / "figures").mkdir(parents=True, exist_ok=True)
        (out_dir / "tables").mkdir(parents=True, exist_ok=True)

    def figure(
        self, fig: Any, name: str, caption: str, dpi: int = 150, width: float = 0.75
    ) -> Figure:
        """Save ``fig`` as figures/<name>.png and .pdf (plotting.save_figure); return the block.

        ``fig`` is a matplotlib Figure, or anything with a ``.figure`` (an Axes, or a plot
        result holding its figure).
        """
        figure = fig if hasattr(fig, "savefig") else fig.figure
        paths = save_figure(
            figure,
            self.out_dir / "figures" / name,
            formats=("png", "pdf"),
            dpi=dpi,
            provenance=self.prov,
            title=caption,
        )
        plt.close(figure)
        self.files.extend(Path(p) for p in paths)
        png = next(Path(p) for p in paths if str(p).endswith(".png")).read_bytes()
        return Figure(id=f"fig-{name}", caption=caption, png=png, alt=caption, width=width)

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
        """Write ``frame`` as CSV at ``relpath`` inside the report folder; return the path."""
        path = self.out_dir / relpath
        frame.to_csv(path, index=False, encoding="utf-8")
        self.files.append(path)
        return path
